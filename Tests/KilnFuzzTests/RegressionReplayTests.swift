import Foundation
import Testing

/// Every reproducer the fuzzers saved (Fixtures/regressions/) replays through the checks
/// that found it, forever. Each replay runs in a `kiln-fuzz replay` child process, so a
/// reproducer that still crashes Kiln fails its case instead of killing the test runner.
@Suite struct RegressionReplayTests {
    @Test(arguments: FuzzTestSupport.regressionFiles)
    func reproducerPasses(_ name: String) {
        let path = FuzzTestSupport.regressions.appendingPathComponent(name).path
        let result = FuzzTestSupport.run(["replay", path], timeout: 20)
        #expect(result.ending == .exited(0), "\(name): \(result.output)")
    }

    @Test func thereAreReproducersToReplay() {
        #expect(!FuzzTestSupport.regressionFiles.isEmpty, "Fixtures/regressions is empty or missing")
    }
}

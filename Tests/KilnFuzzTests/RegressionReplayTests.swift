import Foundation
import KilnFuzz
import Testing

/// Every reproducer the fuzzers saved (Fixtures/regressions/) replays through the checks
/// that found it, forever. Each replay runs in a `kiln-fuzz replay` child process, so a
/// reproducer that still crashes Kiln fails its case instead of killing the test runner.
/// A reproducer listed in `Fixtures/fuzz/open-findings.txt` passes its case while it
/// still fails, reported as "open" with its cause, and fails it once it passes (the list
/// must then lose its line).
@Suite struct RegressionReplayTests {
    @Test(arguments: FuzzTestSupport.regressionFiles)
    func reproducerPasses(_ name: String) {
        let path = FuzzTestSupport.regressions.appendingPathComponent(name).path
        let result = FuzzTestSupport.run(["replay", path], timeout: 60)
        #expect(result.ending == .exited(0), "\(name): \(result.output)")
    }

    @Test func openFindingsNameReproducersAndReplayAsOpen() throws {
        // Every listed reproducer exists and still fails (a fixed one must lose its line;
        // `reproducerPasses` fails it otherwise). The list may be empty.
        let open = KilnFuzz.OpenFindings.load(FuzzTestSupport.openFindings)
        for entry in open.entries {
            #expect(FuzzTestSupport.regressionFiles.contains(entry.file), "\(entry.file) is listed as open but missing")
            let path = FuzzTestSupport.regressions.appendingPathComponent(entry.file).path
            let result = FuzzTestSupport.run(["replay", path], timeout: 60)
            #expect(result.output.hasPrefix("open "), "\(entry.file) is not reported as open: \(result.output)")
        }
    }

    @Test func thereAreReproducersToReplay() {
        #expect(!FuzzTestSupport.regressionFiles.isEmpty, "Fixtures/regressions is empty or missing")
    }
}

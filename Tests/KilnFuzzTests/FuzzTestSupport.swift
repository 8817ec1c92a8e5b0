import Foundation
import KilnFuzz

/// Paths and the `kiln-fuzz` executable the tests run (crashes happen in its child
/// processes, never in the test runner).
enum FuzzTestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let regressions = packageRoot.appendingPathComponent("Fixtures/regressions")
    static let watSeeds = packageRoot.appendingPathComponent("Fixtures/fuzz/wat-seeds").path
    static let openFindings = packageRoot.appendingPathComponent("Fixtures/fuzz/open-findings.txt").path
    static let executable = packageRoot.appendingPathComponent(".build/debug/kiln-fuzz").path

    /// Every reproducer in Fixtures/regressions (the notes beside them excluded).
    static var regressionFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: regressions.path)) ?? []
        return names.filter { !$0.hasSuffix(".txt") && !$0.hasPrefix(".") }.sorted()
    }

    /// Runs `kiln-fuzz` with `arguments`; how it ended and what it printed (with the
    /// crash message, if any).
    static func run(_ arguments: [String], timeout: Double) -> (ending: ChildProcess.Ending?, output: String) {
        let r = ChildProcess.run(executable: executable, arguments: arguments, timeout: timeout)
        return (r.ending, r.output + (r.message.map { $0 + "\n" } ?? ""))
    }
}

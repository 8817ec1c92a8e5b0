import Foundation
import Testing

/// Runs the official spec scripts in ../shared/spec (read in place, never copied) through
/// `kiln wast`, one process per file so a crash fails that file only, and requires zero
/// failures. Skips are allowed only where the runner names the missing feature.
@Suite struct SpecSuiteTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let specRoot = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/spec")

    /// Both code generators (`kiln wast --tier`): every file must pass under each.
    static let tiers = ["baseline", "optimizing"]

    /// Issue 2's foundation files, with the default table strategy, under both tiers.
    @Test(arguments: SpecFileList.foundation, tiers)
    func foundationFilePasses(_ file: String, tier: String) throws {
        try expectPasses(file, strategy: "image", tier: tier)
    }

    /// Issue 3's table files, under every table-init strategy and both tiers.
    @Test(arguments: SpecFileList.tables, ["image", "checked", "eager"].flatMap { s in tiers.map { (s, $0) } })
    func tableFilePasses(_ file: String, configuration: (strategy: String, tier: String)) throws {
        try expectPasses(file, strategy: configuration.strategy, tier: configuration.tier)
    }

    func expectPasses(_ file: String, strategy: String, tier: String) throws {
        let result = try KilnProcess.run(
            ["wast", "--table-init", strategy, "--tier", tier, Self.specRoot.appendingPathComponent(file).path])
        let lines = result.output.split(separator: "\n")
        let summary = try #require(lines.last, "no output from kiln wast")
        #expect(summary.contains(" passed, 0 failed"), "\(file) [\(strategy), \(tier)]: \(summary)\n\(result.output.suffix(4000))")
        #expect(result.status == 0, "\(file) [\(strategy), \(tier)]: exit status \(result.status)\n\(result.output.suffix(4000))")
        // Every skip names its reason.
        for line in lines where line.hasPrefix("skipped:") {
            #expect(line.contains("("), "unnamed skip: \(line)")
        }
    }
}

/// Runs the built `kiln` executable.
enum KilnProcess {
    static var executable: URL {
        SpecSuiteTests.packageRoot.appendingPathComponent(".build/debug/kiln")
    }

    static func run(_ arguments: [String], executable: URL = executable) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

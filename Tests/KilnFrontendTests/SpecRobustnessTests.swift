import Foundation
import KilnFrontend
import Testing

/// Every other spec file, including those for features Kiln does not validate yet
/// (SIMD, GC, exceptions, threads, memory64, ...): each module must decode to a result
/// or a typed error, never crash. Mismatches are printed, not failed: these files are
/// outside the frontend's promise. Slow (WAT parses the SIMD files for minutes), so it
/// runs only with `KILN_SPEC_ALL=1`; `KILN_SPEC_ONLY=a,b` picks files.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KILN_SPEC_ALL"] != nil))
struct SpecRobustnessTests {
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: SpecValidationRunner.specDirectory)) ?? []
        let only = ProcessInfo.processInfo.environment["KILN_SPEC_ONLY"].map { Set($0.split(separator: ",").map(String.init)) }
        return names.filter { $0.hasSuffix(".wast") }.map { String($0.dropLast(5)) }
            .filter { !validationSpecFiles.contains($0) && (only?.contains($0) ?? true) }.sorted()
    }()

    @Test(arguments: files)
    func decodesWithoutCrashing(_ file: String) throws {
        let report = try SpecValidationRunner.run(file: file)
        print("robustness \(report)")
        for skip in report.skips { print("  skip \(skip)") }
        for failure in report.failures { print("  mismatch \(failure)") }
    }
}

/// The outcome of running one or more `.wast` scripts: counts, and one line per failure
/// and per skipped module (with the feature or reason named).
public struct WASTReport: Sendable {
    public var passed = 0
    public var failed = 0
    public var skipped = 0
    /// `file:line: what failed`.
    public var failures: [String] = []
    /// `skipped: file:line (reason)`, one per skipped module or directive.
    public var skips: [String] = []
    /// Assertions that passed although the error message differs from the script's.
    public var messageMismatches: [String] = []

    public init() {}

    public mutating func merge(_ other: WASTReport) {
        passed += other.passed
        failed += other.failed
        skipped += other.skipped
        failures += other.failures
        skips += other.skips
        messageMismatches += other.messageMismatches
    }

    /// The closing line: `N passed, N failed` (`, N skipped` when anything was skipped).
    public var summary: String {
        var s = "\(passed) passed, \(failed) failed"
        if skipped > 0 { s += ", \(skipped) skipped" }
        return s
    }
}

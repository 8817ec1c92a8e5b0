// Known-open findings: reproducers of problems that are understood and waiting for a fix
// elsewhere (Fixtures/fuzz/open-findings.txt). Their replay reports them as open, by
// name; a fuzz run counts a finding of the same problem as `open`, not as new.
import Foundation

/// The checked-in list of known-open reproducers.
///
/// One entry per line: `<reproducer file> <problem> <cause>`, where the file is a name in
/// `Fixtures/regressions/`, the problem is `<kind>-<mode>-<slug>` as a run names findings
/// (e.g. `diff-tiers-optimizing-result-at-2`) and the cause is the rest of the line.
/// `#` starts a comment line.
public struct OpenFindings: Sendable {
    public struct Entry: Sendable, Equatable {
        public var file: String
        public var problem: String
        public var cause: String
    }

    public var entries: [Entry] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    /// The repository's list, relative to the package root.
    public static let defaultPath = "Fixtures/fuzz/open-findings.txt"

    /// Parses `text` (see the type's comment); malformed lines are ignored.
    public init(text: String) {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
            guard parts.count == 3 else { continue }
            entries.append(Entry(file: parts[0], problem: parts[1], cause: parts[2]))
        }
    }

    /// The list at `path`; empty when there is none.
    public static func load(_ path: String) -> OpenFindings {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return OpenFindings() }
        return OpenFindings(text: text)
    }

    /// The list that belongs to a reproducer: `../fuzz/open-findings.txt` from its directory
    /// (`Fixtures/regressions/x.wasm` -> `Fixtures/fuzz/open-findings.txt`).
    public static func path(besideReproducer file: String) -> String {
        let directory = ((file as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/fuzz/open-findings.txt"
    }

    /// The entry for a reproducer file (by its name).
    public func entry(forFile path: String) -> Entry? {
        let name = (path as NSString).lastPathComponent
        return entries.first { $0.file == name }
    }

    /// The entry whose problem a finding of `mode` is.
    public func entry(for finding: Finding, mode: FuzzMode) -> Entry? {
        entry(kind: finding.kind, mode: mode, slug: finding.slug)
    }

    /// The entry for problem `<kind>-<mode>-<slug>` (a crash's slug is its signature).
    public func entry(kind: FindingKind, mode: FuzzMode, slug: String) -> Entry? {
        let problem = ReproducerStore.problem(kind: kind, mode: mode, slug: slug)
        return entries.first { $0.problem == problem }
    }
}

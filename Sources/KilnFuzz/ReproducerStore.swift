// Saves findings as replayable files under Fixtures/regressions/: the input, and a
// one-line .txt beside it with the command that replays it and what happened.
import Foundation

/// Writes reproducers into a directory, at most one per distinct problem per run.
public struct ReproducerStore {
    public let directory: String
    /// Problems (`<kind>-<mode>-<slug>`) that have a reproducer.
    private var saved: Set<String> = []

    /// A store writing into `directory`; problems that already have a reproducer there
    /// (same kind, mode and slug, from any run) are not saved again.
    public init(directory: String) {
        self.directory = directory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !name.hasSuffix(".txt") {
            saved.insert(Self.problem(ofFile: name))
        }
    }

    /// `<kind>-<mode>-<slug>` of a file named `<kind>-<mode>-<slug>-<seed>-<index>.<ext>`.
    static func problem(ofFile name: String) -> String {
        let stem = name.split(separator: ".").first.map(String.init) ?? name
        return stem.split(separator: "-").dropLast(2).joined(separator: "-")
    }

    static func problem(kind: FindingKind, mode: FuzzMode, slug: String) -> String {
        "\(kind.rawValue)-\(mode.rawValue)-\(Self.slug(slug))"
    }

    /// A file-name friendly form of `text`: lower case letters, digits and dashes.
    public static func slug(_ text: String, limit: Int = 48) -> String {
        var out = ""
        for c in text.lowercased() {
            if c.isLetter && c.isASCII || c.isNumber && c.isASCII {
                out.append(c)
            } else if out.last != "-" {
                out.append("-")
            }
        }
        return String(out.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(limit))
    }

    /// The base file name of a finding: `<kind>-<mode>-<slug>-<seed>-<index>`.
    public static func baseName(kind: FindingKind, mode: FuzzMode, slug: String, seed: UInt64, index: UInt64) -> String {
        "\(kind.rawValue)-\(mode.rawValue)-\(Self.slug(slug))-\(seed)-\(index)"
    }

    /// Whether this problem has a reproducer already.
    public func hasSaved(kind: FindingKind, mode: FuzzMode, slug: String) -> Bool {
        saved.contains(Self.problem(kind: kind, mode: mode, slug: slug))
    }

    /// Saves `input` and its note; returns the input's path, or nil when an equal problem
    /// was saved already in this run.
    @discardableResult
    public mutating func save(
        kind: FindingKind, mode: FuzzMode, slug: String, seed: UInt64, index: UInt64, input: [UInt8], detail: String
    ) -> String? {
        let key = Self.problem(kind: kind, mode: mode, slug: slug)
        guard !saved.contains(key) else { return nil }
        saved.insert(key)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = Self.baseName(kind: kind, mode: mode, slug: slug, seed: seed, index: index)
        let path = "\(directory)/\(base).\(mode.fileExtension)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(input))
        let oneLine = detail.replacingOccurrences(of: "\n", with: " ")
        let note = "kiln-fuzz replay \(path)  # \(kind.rawValue) (\(mode.rawValue), seed \(seed), input \(index)): \(oneLine)\n"
        _ = FileManager.default.createFile(atPath: "\(directory)/\(base).txt", contents: Data(note.utf8))
        return path
    }
}

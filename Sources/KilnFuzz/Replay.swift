// Replays saved inputs (Fixtures/regressions/) through the same checks that found them.
import Foundation

/// Replays one reproducer file.
public enum Replay {
    /// The mode a file replays in: from its name (`<kind>-<mode>-...`), else from its
    /// extension (`.wasm` as a mutant module: validity, then the oracle when valid).
    public static func mode(ofFile path: String) -> FuzzMode {
        let name = (path as NSString).lastPathComponent
        let parts = name.split(separator: "-").map(String.init)
        for part in parts.prefix(3) {
            if let mode = FuzzMode(rawValue: part) { return mode }
        }
        switch (name as NSString).pathExtension {
        case "wat": return .wat
        case "so": return .artifact
        default: return .wasm
        }
    }

    /// Nil when the file now passes its checks; otherwise what is still wrong. `counters`
    /// get what the checks counted (e.g. `refused-invalid`, `compared`).
    public static func check(file path: String, mode: FuzzMode? = nil, counters: inout [String: Int]) -> Finding? {
        guard let data = FileManager.default.contents(atPath: path) else {
            return Finding(kind: .diff, slug: "unreadable", detail: "cannot read \(path)", input: [])
        }
        let session = FuzzSession(seed: 0, watSeeds: [])
        defer { counters = session.counters }
        return session.check(mode ?? Self.mode(ofFile: path), [UInt8](data))  // no index: the tiers mode runs every table strategy
    }

    /// What a replay concluded, with the known-open list taken into account.
    public enum Verdict {
        /// The file passes its checks.
        case passed
        /// The file still fails (a regression, or a finding nobody has listed as open).
        case failed(Finding)
        /// The file still fails and is listed as known-open: reported by name, not failed.
        case open(OpenFindings.Entry, Finding)
        /// The file passes but is still listed as open: the list must lose its line.
        case listedButPasses(OpenFindings.Entry)
    }

    /// Replays `path` and judges the answer against `openFindings`.
    public static func replay(file path: String, openFindings: OpenFindings, counters: inout [String: Int]) -> Verdict {
        let finding = check(file: path, counters: &counters)
        switch (finding, openFindings.entry(forFile: path)) {
        case (nil, nil): return .passed
        case (nil, let entry?): return .listedButPasses(entry)
        case (let f?, nil): return .failed(f)
        case (let f?, let entry?): return .open(entry, f)
        }
    }
}

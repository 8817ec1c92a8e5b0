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
        return session.check(mode ?? Self.mode(ofFile: path), [UInt8](data))
    }
}

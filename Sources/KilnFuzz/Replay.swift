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
        /// The file still fails (or crashes) and is listed as known-open: reported by
        /// name with what still happens, not failed.
        case open(OpenFindings.Entry, still: String)
        /// The file passes but is still listed as open: the list must lose its line.
        case listedButPasses(OpenFindings.Entry)
    }

    /// Replays `path` and judges the answer against `openFindings`. A listed file is
    /// replayed in a child process (`executable replay --open-findings /dev/null FILE`),
    /// since an open crash would otherwise end this one.
    public static func replay(
        file path: String, openFindings: OpenFindings, counters: inout [String: Int], executable: String = ChildProcess.selfPath
    ) -> Verdict {
        guard let entry = openFindings.entry(forFile: path) else {
            return check(file: path, counters: &counters).map(Verdict.failed) ?? .passed
        }
        let child = ChildProcess.run(executable: executable, arguments: ["replay", "--open-findings", "/dev/null", path], timeout: 120)
        switch child.ending {
        case .exited(0)?:
            return .listedButPasses(entry)
        case .exited?:
            let line = child.output.split(separator: "\n").first { $0.hasPrefix("FAIL") }
            return .open(entry, still: line.map(String.init) ?? child.output)
        case .signaled(let signal)?:
            return .open(entry, still: "crashes (signal \(signal)): \(child.message ?? "")")
        case nil:
            return .open(entry, still: "hangs (no answer in 120 s)")
        }
    }
}

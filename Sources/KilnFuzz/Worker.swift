// A fuzz worker: runs inputs `from..<from+count` of one mode in process, reporting to its
// supervisor on standard output, one line per event:
//   i <index>                  about to run input <index> (the crash/hang attribution)
//   f <kind> <index> <path|-> <slug>   a finding (saved at <path>, or a repeat)
//   o <index> <file>           a finding of a known-open problem (its listed reproducer)
//   c <name>=<n> ...           the worker's counters so far
//   h                          still working (minimizing a finding)
//   p <phase>                  artifact mode: the step about to run (load, inspect, ...)
//   d                          done (count reached or time up)
// Mismatches are found and minimized here; crashes and hangs are the supervisor's.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a worker runs.
public struct WorkerOptions: Sendable {
    public var mode: FuzzMode
    public var seed: UInt64
    public var from: UInt64
    public var count: UInt64
    /// Stop after this moment (seconds since 1970) even if `count` is not reached.
    public var until: Double
    /// Where reproducers go; nil: not saved.
    public var saveDirectory: String?
    public var generator: ModuleGenerator.Options
    public var watSeeds: [String]
    /// Problems known to be open: counted as `open`, not reported or saved.
    public var openFindings: OpenFindings

    public init(
        mode: FuzzMode, seed: UInt64, from: UInt64, count: UInt64, until: Double, saveDirectory: String?,
        generator: ModuleGenerator.Options, watSeeds: [String], openFindings: OpenFindings = OpenFindings()
    ) {
        self.openFindings = openFindings
        self.mode = mode
        self.seed = seed
        self.from = from
        self.count = count
        self.until = until
        self.saveDirectory = saveDirectory
        self.generator = generator
        self.watSeeds = watSeeds
    }
}

/// Runs a worker (see the file comment).
public enum Worker {
    public static func run(_ options: WorkerOptions) {
        let session = FuzzSession(seed: options.seed, watSeeds: options.watSeeds)
        session.generatorOptions = options.generator
        session.phase = { emit("p \($0.rawValue)") }
        var store = options.saveDirectory.map(ReproducerStore.init(directory:))
        var lastReport = Date().timeIntervalSince1970
        var index = options.from
        let end = options.from &+ options.count
        while index < end {
            let now = Date().timeIntervalSince1970
            if now >= options.until { break }
            if now - lastReport >= 0.05 {
                emit(counterLine(session.counters))
                lastReport = now
            }
            emit("i \(index)")
            let input = session.input(options.mode, index: index)
            session.count("inputs")
            if let finding = session.check(options.mode, input, index: index) {
                if let open = options.openFindings.entry(for: finding, mode: options.mode) {
                    session.count("open")
                    emit("o \(index) \(open.file)")
                    index += 1
                    continue
                }
                session.count(finding.kind.rawValue)
                var path = "-"
                if store != nil, !store!.hasSaved(kind: finding.kind, mode: options.mode, slug: finding.slug) {
                    let small = minimize(finding, mode: options.mode, index: index, session: session)
                    path = store!.save(
                        kind: finding.kind, mode: options.mode, slug: finding.slug, seed: options.seed, index: index,
                        input: small.input, detail: small.detail) ?? "-"
                }
                emit("f \(finding.kind.rawValue) \(index) \(path) \(ReproducerStore.slug(finding.slug))")
            }
            index += 1
        }
        emit(counterLine(session.counters))
        emit("d")
    }

    static func counterLine(_ counters: [String: Int]) -> String {
        "c " + counters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Writes one protocol line to standard output, unbuffered (the supervisor must see
    /// `i <index>` before the input runs, in case it crashes).
    static func emit(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }

    /// Shrinks a (non-crash) finding in process: statements of a generated module, bytes of
    /// a mutant. The candidate must give the same kind and slug of finding.
    static func minimize(_ finding: Finding, mode: FuzzMode, index: UInt64, session run: FuzzSession) -> Finding {
        // A session of its own, so the candidates do not count as inputs of the run.
        let session = FuzzSession(seed: run.seed, watSeeds: run.watSeeds)
        session.generatorOptions = run.generatorOptions
        func same(_ f: Finding?) -> Bool {
            emit("h")  // a heartbeat: minimizing is progress, not a hang
            return f?.kind == finding.kind && f?.slug == finding.slug
        }
        switch mode {
        case .tiers:
            // The candidates keep the input's table strategy (chosen by its index).
            let module = ModuleGenerator.generate(seed: session.seed, index: index, options: session.generatorOptions.moderated)
            let small = Minimizer.minimize(module, budget: 150) { same(session.check(mode, $0.encode(), index: index)) }
            let bytes = small.encode()
            return session.check(mode, bytes, index: index) ?? finding
        case .generate:
            let module = ModuleGenerator.generate(seed: session.seed, index: index, options: session.generatorOptions)
            let small = Minimizer.minimize(module) { same(session.check(mode, $0.encode())) }
            let bytes = small.encode()
            return session.check(mode, bytes) ?? finding
        case .wasm, .wat:
            let small = Minimizer.ddmin(finding.input, budget: 400) { same(session.check(mode, $0)) }
            return session.check(mode, small) ?? finding
        case .artifact:
            return finding
        }
    }
}

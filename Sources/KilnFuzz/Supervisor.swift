// The parent of a fuzz run: runs each mode's inputs in worker processes, so a crash or a
// hang ends a worker, not the run. On a crash or hang it regenerates the input from
// (seed, index), minimizes it in child processes, saves it and resumes at the next index.
import Foundation

/// What a fuzz run does.
public struct RunOptions: Sendable {
    public var modes: [FuzzMode]
    public var secondsPerMode: Double
    /// At most this many inputs per mode (UInt64.max: until time runs out).
    public var countPerMode: UInt64
    public var seed: UInt64
    public var saveDirectory: String?
    /// Seconds without progress after which a worker counts as hung.
    public var hangTimeout: Double
    public var progressInterval: Double
    public var generator: ModuleGenerator.Options
    public var watSeedDirectory: String
    /// The known-open list handed to the workers (OpenFindings).
    public var openFindingsPath: String

    public init(
        modes: [FuzzMode], secondsPerMode: Double, countPerMode: UInt64, seed: UInt64, saveDirectory: String?,
        hangTimeout: Double = 10, progressInterval: Double = 5, generator: ModuleGenerator.Options = .init(),
        watSeedDirectory: String, openFindingsPath: String = OpenFindings.defaultPath
    ) {
        self.openFindingsPath = openFindingsPath
        self.modes = modes
        self.secondsPerMode = secondsPerMode
        self.countPerMode = countPerMode
        self.seed = seed
        self.saveDirectory = saveDirectory
        self.hangTimeout = hangTimeout
        self.progressInterval = progressInterval
        self.generator = generator
        self.watSeedDirectory = watSeedDirectory
    }
}

/// The counts of one mode in a run.
public struct ModeSummary: Sendable {
    public var mode: FuzzMode
    public var inputs = 0
    public var seconds = 0.0
    public var counters: [String: Int] = [:]
    /// Files saved (and repeats noted) for this mode's findings.
    public var reproducers: [String] = []
    /// Known-open reproducers whose problem this run met again.
    public var openMet: Set<String> = []

    public var findings: Int {
        counters.filter { [FindingKind.diff, .crash, .hang, .acceptedInvalid, .refusedValid, .generatorInvalid].map(\.rawValue).contains($0.key) }
            .values.reduce(0, +)
    }

    public var line: String {
        let rate = seconds > 0 ? Double(inputs) / seconds : 0
        let kinds = ["diff", "crash", "hang", "accepted-invalid", "refused-valid", "generator-invalid"]
            .map { "\($0) \(counters[$0, default: 0])" }.joined(separator: ", ")
        let open = counters["open", default: 0] > 0 ? ", open \(counters["open", default: 0]) (known)" : ""
        let compared = mode == .tiers ? ", \(counters["calls", default: 0]) calls compared" : ""
        return "\(mode.rawValue): \(inputs) inputs in \(String(format: "%.0f", seconds)) s (\(String(format: rate < 100 ? "%.1f" : "%.0f", rate))/s)\(compared); \(kinds)\(open)"
    }
}

/// Runs a fuzz run (see the file comment).
public final class Supervisor {
    let options: RunOptions
    let executable: String
    var store: ReproducerStore?
    /// Crash and hang signatures seen in this run (each minimized and saved once).
    var signatures: Set<String> = []
    let started = Date()
    /// Known-open problems: a crash or hang of one is counted as `open`.
    let openFindings: OpenFindings

    public init(options: RunOptions, executable: String = ChildProcess.selfPath) {
        self.options = options
        self.executable = executable
        store = options.saveDirectory.map(ReproducerStore.init(directory:))
        openFindings = OpenFindings.load(options.openFindingsPath)
    }

    public func run() -> [ModeSummary] {
        print("kiln-fuzz: seed \(options.seed), modes \(options.modes.map(\.rawValue).joined(separator: ",")), \(Int(options.secondsPerMode)) s per mode")
        return options.modes.map(runMode)
    }

    func runMode(_ mode: FuzzMode) -> ModeSummary {
        var summary = ModeSummary(mode: mode)
        let modeStart = Date()
        let deadline = modeStart.timeIntervalSince1970 + options.secondsPerMode
        var next: UInt64 = 0
        var lastPrint = Date()
        while next < options.countPerMode && Date().timeIntervalSince1970 < deadline {
            var arguments = [
                "worker", "--mode", mode.rawValue, "--seed", String(options.seed), "--from", String(next),
                "--count", String(options.countPerMode - next), "--until", String(deadline),
                "--wat-seeds", options.watSeedDirectory, "--open-findings", options.openFindingsPath,
            ]
            if let dir = options.saveDirectory { arguments += ["--save-dir", dir] }
            arguments += options.generator.arguments
            guard let worker = try? ChildProcess(executable: executable, arguments: arguments) else {
                print("kiln-fuzz: cannot start a worker")
                break
            }
            var current = next
            var phase: String?
            var live: [String: Int] = [:]
            var done = false
            var hung = false
            var lastProgress = Date()
            reading: while true {
                switch worker.readLine(timeout: min(options.hangTimeout, options.progressInterval)) {
                case .line(let line):
                    lastProgress = Date()
                    if line.hasPrefix("i ") {
                        current = UInt64(line.dropFirst(2)) ?? current
                        phase = nil
                    } else if line.hasPrefix("p ") {
                        phase = String(line.dropFirst(2))
                    } else if line.hasPrefix("c ") {
                        live = Self.parseCounters(line)
                    } else if line.hasPrefix("f ") {
                        let parts = line.split(separator: " ", maxSplits: 4).map(String.init)
                        if parts.count >= 4, parts[3] != "-" {
                            summary.reproducers.append(parts[3])
                            print("  \(mode.rawValue): \(parts[1]) at input \(parts[2]) -> \(parts[3])")
                        }
                    } else if line.hasPrefix("o ") {
                        summary.openMet.insert(String(line.split(separator: " ").last ?? ""))
                    } else if line == "d" {
                        done = true
                    }
                case .end:
                    break reading
                case .timeout:
                    if Date().timeIntervalSince(lastProgress) >= options.hangTimeout {
                        worker.kill()
                        hung = true
                    }
                }
                if Date().timeIntervalSince(lastPrint) >= options.progressInterval {
                    var shown = summary
                    shown.inputs += live["inputs", default: 0]
                    shown.seconds = Date().timeIntervalSince(modeStart)
                    for (k, v) in live where k != "inputs" { shown.counters[k, default: 0] += v }
                    print("[\(Int(Date().timeIntervalSince(started))) s] \(shown.line)")
                    lastPrint = Date()
                }
            }
            let ending = worker.wait()
            let message = worker.crashMessage()
            for (k, v) in live where k != "inputs" { summary.counters[k, default: 0] += v }
            if done && !hung {
                summary.inputs += live["inputs", default: 0]
                break
            }
            // The worker died or hung at input `current`.
            summary.inputs += Int(current - next) + 1
            let kind: FindingKind = hung ? .hang : .crash
            var signature = hung ? "hang" : (message.map(Self.crashSignature) ?? "signal \(Self.signalOf(ending))")
            if let phase { signature += " during \(phase)" }
            if let open = openFindings.entry(kind: kind, mode: mode, slug: signature) {
                summary.counters["open", default: 0] += 1
                summary.openMet.insert(open.file)
                next = current + 1
                continue
            }
            summary.counters[kind.rawValue, default: 0] += 1
            print("  \(mode.rawValue): \(kind.rawValue) at input \(current): \(message ?? signature)")
            if !signatures.contains("\(mode) \(signature)") && store?.hasSaved(kind: kind, mode: mode, slug: signature) != true {
                signatures.insert("\(mode) \(signature)")
                if let path = saveCrash(mode: mode, index: current, kind: kind, signature: signature, message: message ?? signature) {
                    summary.reproducers.append(path)
                    print("    saved \(path)")
                }
            }
            next = current + 1
        }
        summary.seconds = Date().timeIntervalSince(modeStart)
        print(summary.line)
        return summary
    }

    static func parseCounters(_ line: String) -> [String: Int] {
        var counters: [String: Int] = [:]
        for item in line.dropFirst(2).split(separator: " ") {
            let kv = item.split(separator: "=")
            if kv.count == 2, let v = Int(kv[1]) { counters[String(kv[0])] = v }
        }
        return counters
    }

    static func signalOf(_ ending: ChildProcess.Ending) -> Int32 {
        if case .signaled(let s) = ending { return s }
        return 0
    }

    /// `File.swift:123` from a Swift crash message, else the message.
    static func crashSignature(_ message: String) -> String {
        let head = message.split(separator: ":").prefix(2).joined(separator: ":")
        return head.contains(".swift") ? String(head.split(separator: "/").last ?? Substring(head)) : message
    }

    /// Regenerates input `index`, minimizes it (crashes only: each candidate runs in a
    /// child process and must crash with the same signature) and saves it.
    func saveCrash(mode: FuzzMode, index: UInt64, kind: FindingKind, signature: String, message: String) -> String? {
        guard store != nil else { return nil }
        // The input is made by a child too: making an artifact mode input compiles a module,
        // and this process runs no Kiln code that could crash it.
        let probe = NSTemporaryDirectory() + "kiln-fuzz-probe-\(getpid()).\(mode.fileExtension)"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        var arguments = [
            "emit-input", "--mode", mode.rawValue, "--seed", String(options.seed), "--index", String(index), "--out", probe,
            "--wat-seeds", options.watSeedDirectory,
        ]
        arguments += options.generator.arguments
        _ = ChildProcess.run(executable: executable, arguments: arguments, timeout: 60)
        guard var input = FileManager.default.contents(atPath: probe).map([UInt8].init) else { return nil }
        if kind == .crash {
            func crashes(_ bytes: [UInt8]) -> Bool {
                _ = FileManager.default.createFile(atPath: probe, contents: Data(bytes))
                let r = ChildProcess.run(executable: executable, arguments: ["check", "--mode", mode.rawValue, probe], timeout: options.hangTimeout)
                guard case .signaled = r.ending else { return false }
                return (r.message.map(Self.crashSignature) ?? "signal \(Self.signalOf(r.ending!))") == signature
            }
            switch mode {
            case .generate:
                let module = ModuleGenerator.generate(seed: options.seed, index: index, options: options.generator)
                input = Minimizer.minimize(module, budget: 120) { crashes($0.encode()) }.encode()
            case .tiers:
                let module = ModuleGenerator.generate(seed: options.seed, index: index, options: options.generator.moderated)
                input = Minimizer.minimize(module, budget: 60) { crashes($0.encode()) }.encode()
            case .wasm, .wat:
                input = Minimizer.ddmin(input, budget: 150, crashes)
            case .artifact:
                break  // artifacts shrink badly (most cuts make the loader refuse); kept whole
            }
        }
        return store!.save(kind: kind, mode: mode, slug: signature, seed: options.seed, index: index, input: input, detail: message)
    }
}

/// The .wat seed corpus of the text fuzzer.
public enum WatSeeds {
    /// Every `.wat` file in `directory`, sorted by name (the order is part of what an index means).
    public static func load(_ directory: String) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".wat") }.sorted()
        return names.compactMap { try? String(contentsOfFile: "\(directory)/\($0)", encoding: .utf8) }
    }
}

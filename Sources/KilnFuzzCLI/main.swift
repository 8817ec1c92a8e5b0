// `kiln-fuzz`: the fuzzers of issue 8 (argument parsing only; the work is in KilnFuzz).
import ArgumentParser
import Foundation
import KilnFuzz

struct KilnFuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln-fuzz", abstract: "Differential and robustness fuzzing of Kiln (docs/reliability.md).",
        subcommands: [RunCommand.self, ReplayCommand.self, CheckCommand.self, WorkerCommand.self, EmitInputCommand.self],
        defaultSubcommand: RunCommand.self)
}

func parseModes(_ text: String) throws -> [FuzzMode] {
    if text == "all" { return FuzzMode.standard }
    return try text.split(separator: ",").map {
        guard let m = FuzzMode(rawValue: String($0)) else {
            throw ValidationError("unknown mode \($0) (gen, wasm, wat, artifact, tiers, all)")
        }
        return m
    }
}

/// The generator switches every command that makes inputs shares.
struct GeneratorFlags: ParsableArguments {
    @Flag(help: "Generate no unreachable code (to look past a known crash there).") var noDeadCode = false
    @Flag(help: "Keep constant i64 shift counts in 0...63 (to look past a known crash).") var narrowShiftCounts = false
    @Option(help: "At most this many results per generated function, 0-3 (2 looks past exports returning 3 values).")
    var maxResults = 3

    var options: ModuleGenerator.Options {
        .init(deadCode: !noDeadCode, wideShiftCounts: !narrowShiftCounts, maxResults: maxResults)
    }
}

/// `kiln-fuzz run`: a supervised fuzz run.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Fuzz for a while; save reproducers.")
    @Option(help: "Modes, comma-separated: gen, wasm, wat, artifact, tiers, or all (all but tiers).") var mode = "all"
    @Option(help: "Total seconds, split evenly across the modes.") var seconds: Double = 300
    @Option(help: "At most this many inputs per mode.") var count: UInt64?
    @Option(help: "Seed (default: from the clock, printed).") var seed: UInt64?
    @Option(help: "Where reproducers are saved.") var saveDir = "Fixtures/regressions"
    @Flag(help: "Save nothing.") var noSave = false
    @Option(help: "Seconds without progress that count as a hang.") var hangTimeout: Double = 10
    @Option(help: "Seconds between progress lines.") var progress: Double = 5
    @Option(help: "Directory of .wat seeds for the text fuzzer.") var watSeeds = "Fixtures/fuzz/wat-seeds"
    @Option(help: "Known-open findings: counted as open, not as new.") var openFindings = OpenFindings.defaultPath
    @OptionGroup var generator: GeneratorFlags

    func run() throws {
        let modes = try parseModes(mode)
        if modes.contains(.tiers) && !FuzzSession.hasOptimizingTier {
            throw ValidationError("--mode tiers needs the optimizing tier (this build of Kiln has no LLVM)")
        }
        let seed = seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
        let options = RunOptions(
            modes: modes, secondsPerMode: seconds / Double(modes.count), countPerMode: count ?? UInt64.max, seed: seed,
            saveDirectory: noSave ? nil : saveDir, hangTimeout: hangTimeout, progressInterval: progress,
            generator: generator.options, watSeedDirectory: watSeeds, openFindingsPath: openFindings)
        let started = Date()
        let summaries = Supervisor(options: options).run()
        print(
            "\nsummary: seed \(seed), \(String(format: "%.0f", Date().timeIntervalSince(started))) s, dead code \(generator.noDeadCode ? "off" : "on"), "
                + "shift counts \(generator.narrowShiftCounts ? "narrow" : "wide"), at most \(generator.maxResults) results")
        for s in summaries {
            print("  " + s.line)
            let extra = s.counters.filter { !["diff", "crash", "hang", "accepted-invalid", "refused-valid", "generator-invalid"].contains($0.key) }
            if !extra.isEmpty { print("    " + extra.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
            for r in s.reproducers { print("    reproducer: \(r)") }
            for r in s.openMet.sorted() { print("    known open, met again: \(r)") }
        }
        let findings = summaries.reduce(0) { $0 + $1.findings }
        print("  findings: \(findings)")
        if findings > 0 { throw ExitCode(1) }
    }
}

/// `kiln-fuzz replay FILE...`: replays reproducers; exit status 1 if any still fails.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Replay saved reproducers.")
    @Argument(help: "Reproducer files (.wasm, .wat, .so).") var files: [String]
    @Option(help: "Known-open findings (default: ../fuzz/open-findings.txt beside each file).") var openFindings: String?

    func run() throws {
        var failed = 0
        for file in files where !file.hasSuffix(".txt") {
            var counters: [String: Int] = [:]
            let open = OpenFindings.load(openFindings ?? OpenFindings.path(besideReproducer: file))
            let verdict = Replay.replay(file: file, openFindings: open, counters: &counters)
            let counted = counters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            switch verdict {
            case .passed:
                print("ok   \(file) (\(counted))")
            case .failed(let finding):
                failed += 1
                print("FAIL \(file): \(finding.kind.rawValue): \(finding.detail)")
            case .open(let entry, let still):
                print("open \(file): known open (\(entry.cause)); still: \(still)")
            case .listedButPasses(let entry):
                failed += 1
                print("FAIL \(file): passes now but is listed as open (\(entry.cause)): remove its line from the open-findings list")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// `kiln-fuzz check --mode M FILE`: one input, for the supervisor's minimizer (crashes are the answer).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Check one input (internal).", shouldDisplay: false)
    @Option var mode: String
    @Argument var file: String

    func run() throws {
        guard let m = FuzzMode(rawValue: mode) else { throw ValidationError("unknown mode \(mode)") }
        var counters: [String: Int] = [:]
        if Replay.check(file: file, mode: m, counters: &counters) != nil { throw ExitCode(1) }
    }
}

/// `kiln-fuzz worker ...`: a worker process of a run (internal).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "A worker of a run (internal).", shouldDisplay: false)
    @Option var mode: String
    @Option var seed: UInt64
    @Option var from: UInt64
    @Option var count: UInt64
    @Option var until: Double
    @Option var saveDir: String?
    @Option var watSeeds: String
    @Option var openFindings = OpenFindings.defaultPath
    @OptionGroup var generator: GeneratorFlags

    func run() throws {
        guard let m = FuzzMode(rawValue: mode) else { throw ValidationError("unknown mode \(mode)") }
        Worker.run(
            WorkerOptions(
                mode: m, seed: seed, from: from, count: count, until: until, saveDirectory: saveDir,
                generator: generator.options, watSeeds: WatSeeds.load(watSeeds), openFindings: OpenFindings.load(openFindings)))
    }
}

/// `kiln-fuzz emit-input`: writes input `index` of a run to a file (internal; also handy
/// to look at an input by hand).
struct EmitInputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "emit-input", abstract: "Write one input of a run to a file.")
    @Option var mode: String
    @Option var seed: UInt64
    @Option var index: UInt64
    @Option var out: String
    @Option var watSeeds = "Fixtures/fuzz/wat-seeds"
    @OptionGroup var generator: GeneratorFlags

    func run() throws {
        guard let m = FuzzMode(rawValue: mode) else { throw ValidationError("unknown mode \(mode)") }
        let session = FuzzSession(seed: seed, watSeeds: WatSeeds.load(watSeeds))
        session.generatorOptions = generator.options
        guard FileManager.default.createFile(atPath: out, contents: Data(session.input(m, index: index))) else {
            throw ValidationError("cannot write \(out)")
        }
    }
}

// A seed names the same inputs in every process only if hashing is the same in every
// process: Swift seeds Set and Dictionary hashing per process unless this is set, and
// two runs of one seed generated different modules (found when a finding of a
// `--no-save` run could not be regenerated). The variable is read at process start, so
// the command starts itself again with it; workers inherit it.
if getenv("SWIFT_DETERMINISTIC_HASHING") == nil {
    setenv("SWIFT_DETERMINISTIC_HASHING", "1", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // Only reached if exec failed: go on, with per-process hashing.
}

// Progress lines must appear as they are printed, also when the output is a pipe or file.
setvbuf(stdout, nil, _IOLBF, 0)
KilnFuzzCommand.main()

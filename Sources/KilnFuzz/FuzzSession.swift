// One fuzzing session: turns (mode, seed, index) into an input and runs the checks of that
// mode on it. The same code serves the fuzz workers, the replay of reproducers and the
// minimizer's candidates, so a saved input replays exactly as it was judged.
import KilnABI
import KilnCompiler
import KilnFrontend

/// What the fuzzers feed Kiln.
public enum FuzzMode: String, CaseIterable, Sendable {
    /// Generated valid modules, run differentially against the reference.
    case generate = "gen"
    /// Mutated generated modules through the compiler (and the oracle when valid).
    case wasm
    /// Mutated text through the WAT path, then as `wasm`.
    case wat
    /// Mutated compiled artifacts through the loader, `inspect` and calls.
    case artifact
    /// Generated valid modules (of moderate size) run by the reference and by both of
    /// Kiln's tiers, compared three ways after every call. Not part of `all`: it needs
    /// the optimizing tier and is slower per module (docs/reliability.md, "The two tiers").
    case tiers

    /// The modes `--mode all` runs.
    public static var standard: [FuzzMode] { [.generate, .wasm, .wat, .artifact] }

    /// File extension of this mode's inputs.
    public var fileExtension: String {
        switch self {
        case .generate, .wasm, .tiers: return "wasm"
        case .wat: return "wat"
        case .artifact: return "so"
        }
    }
}

/// The steps of checking a damaged artifact. A crash while calling runs damaged code
/// (the artifact's code bytes carry no checksum yet); a crash in any other step is a
/// loader or inspector bug.
public enum ArtifactPhase: String, Sendable {
    case load, inspect, instantiate, call
}

/// What kind of problem a finding is.
public enum FindingKind: String, Sendable {
    /// Kiln and the reference disagree on a valid module.
    case diff
    /// The process died by a signal (precondition failure, segfault...).
    case crash
    /// No progress within the hang timeout.
    case hang
    /// Kiln compiled a module the reference finds invalid.
    case acceptedInvalid = "accepted-invalid"
    /// Kiln refused (as malformed/invalid, or failed to compile) a module the reference finds valid.
    case refusedValid = "refused-valid"
    /// The reference refused a generated module (a generator or reference bug).
    case generatorInvalid = "generator-invalid"
}

/// A problem found with one input, before it is saved.
public struct Finding: Sendable {
    public var kind: FindingKind
    /// Short, file-name friendly description.
    public var slug: String
    public var detail: String
    public var input: [UInt8]
}

/// Per-session state: the run's seed, counters, and caches of base inputs (one generated
/// module serves many mutants).
public final class FuzzSession {
    public let seed: UInt64
    public var counters: [String: Int] = [:]
    /// Generator switches for generated and wasm-mutant inputs (part of what an input
    /// index means: a replay by index must use the same options).
    public var generatorOptions = ModuleGenerator.Options()
    /// Told which step of an artifact check is about to run (`load`, `inspect`,
    /// `instantiate`, `call`), so a crash can be placed: a worker reports it to the
    /// supervisor, which names the crash after it.
    public var phase: (ArtifactPhase) -> Void = { _ in }
    let watSeeds: [String]
    private var cachedBase: (key: UInt64, bytes: [UInt8])?

    /// Mutants per base module (wasm mode) and per base artifact (artifact mode).
    static let mutantsPerModule: UInt64 = 16
    static let mutantsPerArtifact: UInt64 = 64

    public init(seed: UInt64, watSeeds: [String]) {
        self.seed = seed
        self.watSeeds = watSeeds.isEmpty ? ["(module)"] : watSeeds
    }

    func count(_ name: String) { counters[name, default: 0] += 1 }

    // MARK: - Inputs

    /// Input `index` of `mode` in this session's run.
    public func input(_ mode: FuzzMode, index: UInt64) -> [UInt8] {
        var rng = FuzzRandom(seed: seed ^ 0x6D75_7461_6E74, index: index)
        switch mode {
        case .generate:
            return ModuleGenerator.generate(seed: seed, index: index, options: generatorOptions).encode()
        case .tiers:
            return ModuleGenerator.generate(seed: seed, index: index, options: generatorOptions.moderated).encode()
        case .wasm:
            let base = ModuleGenerator.generate(seed: seed, index: index / Self.mutantsPerModule, options: generatorOptions)
            return Mutators.mutateBinary(base.encode(), &rng)
        case .wat:
            let text = watSeeds[Int(index % UInt64(watSeeds.count))]
            return Array(Mutators.mutateText(text, &rng).utf8)
        case .artifact:
            return Mutators.mutateBinary(baseArtifact(index / Self.mutantsPerArtifact), &rng)
        }
    }

    /// The artifact of generated module `key` (under a table strategy chosen by `key`),
    /// cached for the mutants that share it. A module Kiln cannot compile gives way to the
    /// next one (its failure is the generated-module fuzzer's business).
    func baseArtifact(_ key: UInt64) -> [UInt8] {
        if let cachedBase, cachedBase.key == key { return cachedBase.bytes }
        var k = key
        while true {
            // The bases avoid the generator's known-crash shapes: their compilation is not
            // what this mode tests.
            let module = ModuleGenerator.generate(seed: seed ^ 0xA27, index: k, options: .init(deadCode: false, wideShiftCounts: false))
            let configuration = KilnConfiguration.all[Int(k % UInt64(KilnConfiguration.all.count))]
            if case .success(let bytes) = KilnRunner.compile(module.encode(), configuration) {
                cachedBase = (key, bytes)
                return bytes
            }
            k &+= 1 << 40
        }
    }

    // MARK: - Checks

    /// Runs the checks of `mode` on `input`; nil when everything held. `index` is the
    /// input's index in a run, where the `tiers` mode takes the table strategy from it
    /// (rotating image, checked, eager); without it (a replay) every strategy runs.
    public func check(_ mode: FuzzMode, _ input: [UInt8], index: UInt64? = nil) -> Finding? {
        switch mode {
        case .generate: return checkValid(input, exactNaNs: true)
        case .tiers:
            let all = TableInitStrategy.allCases
            return checkTiers(input, strategies: index.map { [all[Int($0 % UInt64(all.count))]] } ?? all)
        case .wasm: return checkMutant(input)
        case .wat: return checkText(input)
        case .artifact: return checkArtifact(input)
        }
    }

    /// Why a reference run cannot be compared against, if it cannot: the reference
    /// refused to instantiate the module (a generator bug, reported as `finding`) or ran
    /// out of fuel or resources (counted as inconclusive, `finding` nil).
    struct Unjudgeable { let finding: Finding? }

    func judgeable(_ reference: RunOutcome, _ wasm: [UInt8]) -> Unjudgeable? {
        if case .error(let message) = reference.instantiation {
            if message.contains("resource limit") || message == ReferenceRunner.outOfFuel {
                count("inconclusive")
                return Unjudgeable(finding: nil)
            }
            return Unjudgeable(
                finding: Finding(kind: .generatorInvalid, slug: "reference-refused", detail: "reference: \(message)", input: wasm))
        }
        let limited = reference.calls.contains {
            if case .error(let m) = $0 { return m.contains("resource limit") }
            return false
        }
        if reference.calls.contains(.error(ReferenceRunner.outOfFuel)) || limited {
            count("inconclusive")
            return Unjudgeable(finding: nil)
        }
        return nil
    }

    /// Differential check of a module the reference should find valid: every Kiln
    /// configuration against the reference.
    func checkValid(_ wasm: [UInt8], exactNaNs: Bool) -> Finding? {
        guard let (plan, reference) = ReferenceRunner.run(wasm) else {
            count("not-run-imports")
            return nil
        }
        if let verdict = judgeable(reference, wasm) { return verdict.finding }
        count("calls", plan.count)
        for outcome in reference.calls {
            if case .trap(let kind) = outcome { count("trapped-\(ReproducerStore.slug(kind.message))") }
        }
        for configuration in KilnConfiguration.all {
            switch KilnRunner.compile(wasm, configuration) {
            case .failure(.unsupportedFeatures(let features)) where !exactNaNs:
                count("unsupported")
                _ = features
                return nil
            case .failure(let error):
                return Finding(kind: .refusedValid, slug: "compile", detail: "\(configuration): \(error)", input: wasm)
            case .success(let artifact):
                let kiln = KilnRunner.run(artifact: artifact, calls: plan)
                if let mismatch = Comparison.compare(kiln: kiln, reference: reference, calls: plan, exactNaNs: exactNaNs) {
                    if mismatch.slug == Comparison.stackLimit {
                        count("inconclusive-stack")
                        return nil
                    }
                    return Finding(kind: .diff, slug: mismatch.slug, detail: "\(configuration): \(mismatch.detail)", input: wasm)
                }
            }
        }
        count("compared")
        return nil
    }

    func count(_ name: String, _ n: Int) { counters[name, default: 0] += n }

    /// A mutated module: Kiln must accept exactly the valid ones (the reference's
    /// validator judges, seconded by ``StructuralCheck`` on flag and kind bytes), and run
    /// the accepted ones as the reference does.
    func checkMutant(_ wasm: [UInt8]) -> Finding? {
        let compiled = KilnRunner.compile(wasm, KilnConfiguration.all[0])
        var referenceError: String?
        switch ReferenceRunner.validate(wasm) {
        case .valid:
            referenceError = nil
        case .invalid(let message):
            referenceError = message
        case .validExceptActiveSegments:
            guard case .success = compiled else {
                count("inconclusive-validity")  // Kiln may be refusing a segment the copy lost
                return nil
            }
        case .inconclusive:
            count("inconclusive-validity")
            return nil
        }
        if referenceError == nil, let violation = StructuralCheck.violation(in: wasm) {
            // A flag or kind byte the shared parser lets through: the spec's verdict.
            count("structural-refusal")
            referenceError = "\(violation) (StructuralCheck; WasmKit's validator accepts it)"
        }
        if case .failure(let error) = compiled, referenceError == nil, error.description.hasPrefix("start function") {
            // The reference validates with the start function dropped (so that validating
            // never runs code): the start function's type goes unchecked there.
            count("inconclusive-validity")
            return nil
        }
        switch (compiled, referenceError) {
        case (.success, nil):
            count("accepted-valid")
            return checkValid(wasm, exactNaNs: false)
        case (.success, let message?):
            if let gap = ReferenceGaps.gap(forReferenceError: message, module: wasm) {
                count("reference-gap-\(gap)")  // the reference cannot run it
                return nil
            }
            return Finding(
                kind: .acceptedInvalid, slug: "accepted-" + Self.gist(message), detail: "Kiln compiled it; reference: \(message)",
                input: wasm)
        case (.failure(.unsupportedFeatures), _):
            count("refused-unsupported")
            return nil
        case (.failure(let error), nil):
            if let gap = ReferenceGaps.gap(forKilnError: error.description) {
                count("reference-gap-\(gap)")
                return nil
            }
            return Finding(
                kind: .refusedValid, slug: "refused-" + Self.gist(error.description),
                detail: "Kiln: \(error); the reference finds it valid", input: wasm)
        case (.failure, _):
            count("refused-invalid")
            return nil
        }
    }

    /// The words of an error message without its numbers, offsets and function names: one
    /// slug per kind of message, so one reproducer per kind is saved.
    static func gist(_ message: String) -> String {
        var text = message
        for cut in [" in function", " at offset", "\" at offset", " at "] {
            if let r = text.range(of: cut) { text = String(text[..<r.lowerBound]) }
        }
        return ReproducerStore.slug(String(text.filter { !$0.isNumber }), limit: 40)
    }

    /// Mutated text: assembled by Kiln's text path (an error is fine), then checked as a
    /// mutant module.
    func checkText(_ input: [UInt8]) -> Finding? {
        let wasm: [UInt8]
        do {
            wasm = try assemble(text: String(decoding: input, as: UTF8.self))
        } catch {
            count("text-refused")
            return nil
        }
        count("text-assembled")
        guard var finding = checkMutant(wasm) else { return nil }
        finding.input = input
        return finding
    }

    /// A damaged artifact: loaded, inspected, instantiated and called. Any outcome but a
    /// crash or a hang (caught by the supervisor) is acceptable.
    func checkArtifact(_ bytes: [UInt8]) -> Finding? {
        if let error = KilnRunner.exercise(artifact: bytes, phase: phase) {
            count(error.hasPrefix("load:") ? "refused" : "failed-later")
        } else {
            count("ran")
        }
        return nil
    }
}

// The `tiers` mode's check: one generated module run by the reference and by both of
// Kiln's code generators, compared three ways after every call (TierComparison).
import KilnABI
import KilnCompiler

extension FuzzSession {
    /// Whether this build can run the `tiers` mode (Kiln was built with LLVM).
    public static var hasOptimizingTier: Bool { Compiler.hasOptimizingTier }

    /// Runs `wasm` in the reference, then, for each of `strategies`, compiles it with the
    /// baseline and the optimizing tier and runs both; nil when all three agree on every
    /// call (values bit for bit, traps by kind) and on the memory and globals after every
    /// call, a trapping one included.
    func checkTiers(_ wasm: [UInt8], strategies: [TableInitStrategy]) -> Finding? {
        guard Compiler.hasOptimizingTier else {
            count("not-run-no-optimizing-tier")
            return nil
        }
        guard let (plan, reference) = ReferenceRunner.run(wasm, everyCall: true) else {
            count("not-run-imports")
            return nil
        }
        if let verdict = judgeable(reference, wasm) { return verdict.finding }
        for strategy in strategies {
            var runs: [RunOutcome] = []
            for tier in [CompilerTier.baseline, .optimizing] {
                let configuration = KilnConfiguration(tableInit: strategy, tier: tier)
                switch KilnRunner.compile(wasm, configuration) {
                case .failure(let error):
                    return Finding(kind: .refusedValid, slug: "\(tier.rawValue)-compile", detail: "\(configuration): \(error)", input: wasm)
                case .success(let artifact):
                    runs.append(KilnRunner.run(artifact: artifact, calls: plan, everyCall: true))
                }
            }
            if let mismatch = TierComparison.compare(reference: reference, baseline: runs[0], optimizing: runs[1], calls: plan) {
                if mismatch.slug == Comparison.stackLimit {
                    count("inconclusive-stack")
                    return nil
                }
                return Finding(kind: .diff, slug: mismatch.slug, detail: "table strategy \(strategy.name): \(mismatch.detail)", input: wasm)
            }
            count("compared-\(strategy.name)")
        }
        count("calls", plan.count)
        for outcome in reference.calls {
            if case .trap(let kind) = outcome { count("trapped-\(ReproducerStore.slug(kind.message))") }
        }
        count("compared")
        return nil
    }
}

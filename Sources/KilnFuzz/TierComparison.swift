// The `tiers` mode's oracle: three engines (the reference, Kiln's baseline tier, Kiln's
// optimizing tier) compared pairwise, and the first disagreement blamed on a side.

/// Compares the reference with both of Kiln's tiers and names who disagreed.
///
/// The three pairs (baseline against the reference, optimizing against the reference,
/// the tiers against each other) are compared with ``Comparison``'s rules (bit for bit,
/// NaNs included; traps by kind; memory and globals after every call). The earliest
/// step at which any pair differs decides, and the slug's first word says who:
/// - `baseline-...`: the baseline disagrees with the reference, the optimizing tier agrees;
/// - `optimizing-...`: the optimizing tier disagrees, the baseline agrees;
/// - `both-...`: both tiers agree with each other against the reference (a shared
///   frontend/runtime bug, or the reference's);
/// - `tiers-...`: all three differ.
public enum TierComparison {
    public static func compare(
        reference: RunOutcome, baseline: RunOutcome, optimizing: RunOutcome, calls: [PlannedCall]
    ) -> Mismatch? {
        let br = Comparison.compare(baseline, reference, names: ("baseline", "reference"), calls: calls, exactNaNs: true)
        let or = Comparison.compare(optimizing, reference, names: ("optimizing", "reference"), calls: calls, exactNaNs: true)
        let bo = Comparison.compare(optimizing, baseline, names: ("optimizing", "baseline"), calls: calls, exactNaNs: true)
        guard let first = [br, or, bo].compactMap({ $0?.step }).min() else { return nil }
        let at = [br, or, bo].map { $0?.step == first ? $0 : nil }
        if let stack = at.compactMap({ $0 }).first(where: { $0.slug == Comparison.stackLimit }) {
            return stack  // inconclusive: how deep a stack may grow is each engine's choice
        }
        switch (at[0], at[1], at[2]) {
        case (nil, let o?, _):
            return Mismatch(slug: "optimizing-" + o.slug, detail: "optimizing vs reference (the baseline agrees with the reference): \(o.detail)", step: first)
        case (let b?, nil, _):
            return Mismatch(slug: "baseline-" + b.slug, detail: "baseline vs reference (the optimizing tier agrees with the reference): \(b.detail)", step: first)
        case (let b?, _?, nil):
            return Mismatch(slug: "both-" + b.slug, detail: "both tiers vs reference (the tiers agree with each other): \(b.detail)", step: first)
        case (let b?, let o?, let t?):
            return Mismatch(slug: "tiers-" + o.slug, detail: "all three differ: \(b.detail); \(o.detail); \(t.detail)", step: first)
        case (nil, nil, let t?):
            // Only possible if agreement were not transitive; kept so nothing is lost.
            return Mismatch(slug: "tiers-" + t.slug, detail: "the tiers differ, each agreeing with the reference: \(t.detail)", step: first)
        case (nil, nil, nil):
            return nil
        }
    }
}

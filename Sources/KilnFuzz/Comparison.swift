// The oracle's rules: when do Kiln's outcome and the reference's agree.
import KilnABI

/// A disagreement between two engines (Kiln and the reference, or two of Kiln's tiers): a
/// short slug for file names, a sentence saying what differed, and where in the run.
public struct Mismatch: Sendable, CustomStringConvertible {
    /// Short, file-name friendly: `result`, `trap-kind`, `memory`, `global`, `instantiation`...
    public var slug: String
    public var detail: String
    /// Where the run first differed, in run order: 0 the instantiation, `2i + 1` call `i`,
    /// `2i + 2` the state after call `i` (when both sides recorded it), `2n + 1` the final
    /// state after all `n` calls.
    public var step: Int = 0
    public var description: String { detail }
}

/// Compares two ``RunOutcome``s.
///
/// - Values compare bit for bit. With `exactNaNs` (generated modules, which canonicalize
///   every NaN an arithmetic operator makes) NaNs too; without it (mutants, whose NaN
///   canonicalization may be broken) a NaN matches any NaN, as the spec lets an
///   arithmetic NaN's payload and sign vary.
/// - Traps compare by kind. WasmKit reports an out-of-bounds table index the same way
///   for `call_indirect` (spec: "undefined element") and `table.get/set` ("out of bounds
///   table access"), so those two kinds are one class.
/// - When both sides recorded it (``RunOutcome/afterCalls``), the state after every
///   call; after the calls, the memory (size and, with `exactNaNs`, every byte) and every
///   exported global.
public enum Comparison {
    /// The slug of a disagreement where one side ran out of stack and the other did not:
    /// how deep a call stack may grow is the engine's choice (spec: resource exhaustion),
    /// so this is inconclusive, not a finding. Generated modules bound their depth by fuel
    /// well below either engine's limit.
    public static let stackLimit = "stack-limit"

    /// Kiln against the reference.
    public static func compare(kiln: RunOutcome, reference: RunOutcome, calls: [PlannedCall], exactNaNs: Bool) -> Mismatch? {
        compare(kiln, reference, names: ("Kiln", "reference"), calls: calls, exactNaNs: exactNaNs)
    }

    /// The first disagreement between `a` and `b` (named `names` in the detail), in run order.
    public static func compare(
        _ a: RunOutcome, _ b: RunOutcome, names: (String, String), calls: [PlannedCall], exactNaNs: Bool
    ) -> Mismatch? {
        let (an, bn) = names
        if !same(a.instantiation, b.instantiation, exactNaNs: exactNaNs) {
            return Mismatch(slug: "instantiation", detail: "instantiation: \(an) \(a.instantiation), \(bn) \(b.instantiation)", step: 0)
        }
        let everyCall = a.afterCalls.count == calls.count && b.afterCalls.count == calls.count && !calls.isEmpty
        for (i, call) in calls.enumerated() {
            let x = i < a.calls.count ? a.calls[i] : .error("not called")
            let y = i < b.calls.count ? b.calls[i] : .error("not called")
            let args = call.arguments.map(\.description).joined(separator: " ")
            if !same(x, y, exactNaNs: exactNaNs) {
                if (x == .trap(.callStackExhausted)) != (y == .trap(.callStackExhausted)) {
                    return Mismatch(slug: Self.stackLimit, detail: "call \(call.export) #\(i): \(an) \(x), \(bn) \(y)", step: 2 * i + 1)
                }
                var slug: String
                switch (x, y) {
                case (.trap, .trap): slug = "trap-kind"
                case (.trap, _), (_, .trap): slug = "trap-vs-value"
                default: slug = "result"
                }
                if case .values(let xv) = x, case .values(let yv) = y, xv.count == yv.count,
                    let position = xv.indices.first(where: { !same(xv[$0], yv[$0], exactNaNs: exactNaNs) }), position > 0
                {
                    slug += "-at-\(position)"  // which result: a later one points at the ABI's result registers
                }
                return Mismatch(slug: slug, detail: "call \(call.export)(\(args)) #\(i): \(an) \(x), \(bn) \(y)", step: 2 * i + 1)
            }
            if everyCall,
                let m = compare(a.afterCalls[i], b.afterCalls[i], names: names, when: "after call \(call.export)(\(args)) #\(i) (\(x))", exactNaNs: exactNaNs)
            {
                return Mismatch(slug: m.slug, detail: m.detail, step: 2 * i + 2)
            }
        }
        let final = compare(
            InstanceState(memory: a.memory, globals: a.globals), InstanceState(memory: b.memory, globals: b.globals), names: names,
            when: "after the calls", exactNaNs: exactNaNs)
        return final.map { Mismatch(slug: $0.slug, detail: $0.detail, step: 2 * calls.count + 1) }
    }

    /// Memory (size, and bytes with `exactNaNs`) and exported globals.
    static func compare(_ a: InstanceState, _ b: InstanceState, names: (String, String), when: String, exactNaNs: Bool) -> Mismatch? {
        let (an, bn) = names
        if a.memory?.count != b.memory?.count {
            return Mismatch(slug: "memory-size", detail: "memory size \(when): \(an) \(a.memory?.count ?? -1), \(bn) \(b.memory?.count ?? -1) bytes")
        }
        if exactNaNs, let x = a.memory, let y = b.memory, x != y {
            let first = x.indices.first { x[$0] != y[$0] } ?? 0
            let differing = x.indices.reduce(0) { $0 + (x[$1] != y[$1] ? 1 : 0) }
            return Mismatch(
                slug: "memory",
                detail: "memory \(when) differs first at byte \(first) (\(differing) bytes differ): \(an) \(x[first]), \(bn) \(y[first])")
        }
        let ag = Dictionary(a.globals.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x })
        for (name, y) in b.globals {
            guard let x = ag[name] else {
                return Mismatch(slug: "global-missing", detail: "global \(name) not exported by \(an)")
            }
            if !same(x, y, exactNaNs: exactNaNs) {
                return Mismatch(slug: "global", detail: "global \(name) \(when): \(an) \(x), \(bn) \(y)")
            }
        }
        return nil
    }

    static func same(_ k: CallOutcome, _ r: CallOutcome, exactNaNs: Bool) -> Bool {
        switch (k, r) {
        case (.values(let kv), .values(let rv)):
            return kv.count == rv.count && zip(kv, rv).allSatisfy { same($0, $1, exactNaNs: exactNaNs) }
        case (.trap(let kk), .trap(let rk)):
            let tableClass: Set<TrapKind> = [.outOfBoundsTableAccess, .undefinedElement]
            return kk == rk || (tableClass.contains(kk) && tableClass.contains(rk))
        case (.error, .error):
            return true
        default:
            return false
        }
    }

    static func same(_ k: FuzzValue, _ r: FuzzValue, exactNaNs: Bool) -> Bool {
        if k == r { return true }
        guard !exactNaNs else { return false }
        switch (k, r) {
        case (.f32(let a), .f32(let b)): return Float(bitPattern: a).isNaN && Float(bitPattern: b).isNaN
        case (.f64(let a), .f64(let b)): return Double(bitPattern: a).isNaN && Double(bitPattern: b).isNaN
        default: return false
        }
    }
}

// The oracle's rules: when do Kiln's outcome and the reference's agree.
import KilnABI

/// A disagreement between Kiln and the reference: a short slug for file names and a
/// sentence saying what differed.
public struct Mismatch: Sendable, CustomStringConvertible {
    /// Short, file-name friendly: `result`, `trap-kind`, `memory`, `global`, `instantiation`...
    public var slug: String
    public var detail: String
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
/// - After the calls, the memory (size and, with `exactNaNs`, every byte) and every
///   exported global compare.
public enum Comparison {
    /// The slug of a disagreement where one side ran out of stack and the other did not:
    /// how deep a call stack may grow is the engine's choice (spec: resource exhaustion),
    /// so this is inconclusive, not a finding. Generated modules bound their depth by fuel
    /// well below either engine's limit.
    public static let stackLimit = "stack-limit"

    public static func compare(kiln: RunOutcome, reference: RunOutcome, calls: [PlannedCall], exactNaNs: Bool) -> Mismatch? {
        if !same(kiln.instantiation, reference.instantiation, exactNaNs: exactNaNs) {
            return Mismatch(slug: "instantiation", detail: "instantiation: Kiln \(kiln.instantiation), reference \(reference.instantiation)")
        }
        for (i, call) in calls.enumerated() {
            let k = i < kiln.calls.count ? kiln.calls[i] : .error("not called")
            let r = i < reference.calls.count ? reference.calls[i] : .error("not called")
            if !same(k, r, exactNaNs: exactNaNs) {
                if (k == .trap(.callStackExhausted)) != (r == .trap(.callStackExhausted)) {
                    return Mismatch(slug: Self.stackLimit, detail: "call \(call.export) #\(i): Kiln \(k), reference \(r)")
                }
                let args = call.arguments.map(\.description).joined(separator: " ")
                let slug: String
                switch (k, r) {
                case (.trap, .trap): slug = "trap-kind"
                case (.trap, _), (_, .trap): slug = "trap-vs-value"
                default: slug = "result"
                }
                return Mismatch(slug: slug, detail: "call \(call.export)(\(args)) #\(i): Kiln \(k), reference \(r)")
            }
        }
        if kiln.memory?.count != reference.memory?.count {
            return Mismatch(slug: "memory-size", detail: "final memory size: Kiln \(kiln.memory?.count ?? -1), reference \(reference.memory?.count ?? -1) bytes")
        }
        if exactNaNs, let k = kiln.memory, let r = reference.memory, k != r {
            let first = k.indices.first { k[$0] != r[$0] } ?? 0
            return Mismatch(slug: "memory", detail: "final memory differs first at byte \(first): Kiln \(k[first]), reference \(r[first])")
        }
        let kg = Dictionary(kiln.globals.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (name, r) in reference.globals {
            guard let k = kg[name] else {
                return Mismatch(slug: "global-missing", detail: "global \(name) not exported by Kiln")
            }
            if !same(k, r, exactNaNs: exactNaNs) {
                return Mismatch(slug: "global", detail: "global \(name): Kiln \(k), reference \(r)")
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

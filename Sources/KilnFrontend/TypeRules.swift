import WasmParser
import WasmTypes

/// Subtyping and classification of value types, as far as Kiln validates them (numeric,
/// vector, and the function/extern reference hierarchies; GC's `any` hierarchy is left
/// to the GC work). <https://webassembly.github.io/spec/core/valid/matching.html>
enum TypeRules {
    /// `a == b`, with the numeric cases compared inline: `ValueType`'s own `==` lives in
    /// another module and is a call, and the validator compares types for every operand.
    @inline(__always)
    static func isSame(_ a: ValueType, _ b: ValueType) -> Bool {
        switch (a, b) {
        case (.i32, .i32), (.i64, .i64), (.f32, .f32), (.f64, .f64), (.v128, .v128): return true
        case (.ref, .ref): return a == b
        default: return false
        }
    }

    /// `a <: b` for value types.
    static func isSubtype(_ a: ValueType, of b: ValueType, types: [FunctionType]) -> Bool {
        if a == b { return true }
        guard case .ref(let ra) = a, case .ref(let rb) = b else { return false }
        return isSubtype(ra, of: rb, types: types)
    }

    /// `a <: b` for reference types: nullability, then heap types.
    static func isSubtype(_ a: ReferenceType, of b: ReferenceType, types: [FunctionType]) -> Bool {
        if a.isNullable && !b.isNullable { return false }
        return isSubtype(a.heapType, of: b.heapType, types: types)
    }

    static func isSubtype(_ a: HeapType, of b: HeapType, types: [FunctionType]) -> Bool {
        if a == b { return true }
        switch (a, b) {
        case (.concrete, .abstract(.funcRef)): return true
        case (.abstract(.noFunc), .abstract(.funcRef)), (.abstract(.noFunc), .concrete): return true
        case (.abstract(.noExtern), .abstract(.externRef)): return true
        case (.abstract(.noExn), .abstract(.exnRef)): return true
        case (.abstract(.noneRef), .abstract(let top)):
            return [.any, .eq, .i31, .structRef, .arrayRef].contains(top)
        case (.abstract(.i31), .abstract(let top)), (.abstract(.structRef), .abstract(let top)),
            (.abstract(.arrayRef), .abstract(let top)):
            return top == .any || top == .eq
        case (.abstract(.eq), .abstract(.any)): return true
        case (.concrete(let x), .concrete(let y)):
            // Without GC subtyping (modules with it are not validated), concrete function
            // types match when they are equivalent.
            var assumed = Set<[UInt32]>()
            return areEquivalent(x, y, types: types, assumed: &assumed)
        default: return false
        }
    }

    /// Structural equivalence of two function types where every type is its own
    /// recursion group; pairs under comparison are assumed equivalent (coinduction).
    static func areEquivalent(_ x: UInt32, _ y: UInt32, types: [FunctionType], assumed: inout Set<[UInt32]>) -> Bool {
        if x == y || assumed.contains([x, y]) { return true }
        guard Int(x) < types.count, Int(y) < types.count else { return false }
        let a = types[Int(x)]
        let b = types[Int(y)]
        guard a.parameters.count == b.parameters.count, a.results.count == b.results.count else { return false }
        assumed.insert([x, y])
        for (s, t) in zip(a.parameters + a.results, b.parameters + b.results) {
            guard areEquivalent(s, t, types: types, assumed: &assumed) else { return false }
        }
        return true
    }

    private static func areEquivalent(_ s: ValueType, _ t: ValueType, types: [FunctionType], assumed: inout Set<[UInt32]>) -> Bool {
        guard case .ref(let r) = s, case .ref(let q) = t, r.isNullable == q.isNullable,
            case .concrete(let i) = r.heapType, case .concrete(let j) = q.heapType
        else { return s == t }
        return areEquivalent(i, j, types: types, assumed: &assumed)
    }

    static func isNumeric(_ t: ValueType) -> Bool {
        switch t {
        case .i32, .i64, .f32, .f64: return true
        case .v128, .ref: return false
        }
    }

    static func isReference(_ t: ValueType) -> Bool {
        if case .ref = t { return true }
        return false
    }

    /// Whether a local of this type starts with a default value (non-null references do not).
    static func isDefaultable(_ t: ValueType) -> Bool {
        if case .ref(let r) = t { return r.isNullable }
        return true
    }

    /// The spec's text-format name of a type, for messages.
    static func name(_ t: ValueType?) -> String {
        guard let t else { return "unknown" }
        switch t {
        case .i32: return "i32"
        case .i64: return "i64"
        case .f32: return "f32"
        case .f64: return "f64"
        case .v128: return "v128"
        case .ref(let r):
            switch (r.isNullable, r.heapType) {
            case (true, .abstract(.funcRef)): return "funcref"
            case (true, .abstract(.externRef)): return "externref"
            case (true, .abstract(.exnRef)): return "exnref"
            case (let nullable, .abstract(let h)): return "(ref \(nullable ? "null " : "")\(h))"
            case (let nullable, .concrete(let i)): return "(ref \(nullable ? "null " : "")\(i))"
            }
        }
    }

    static func name(_ ts: [ValueType]) -> String {
        "[" + ts.map { name($0) }.joined(separator: " ") + "]"
    }
}

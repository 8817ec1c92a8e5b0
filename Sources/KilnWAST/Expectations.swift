import KilnRuntime
import WAT

/// Turns script values into runtime values and checks results against expectations,
/// with the spec's NaN rules (`nan:canonical`, `nan:arithmetic`) and `(either ...)`.
enum Expectations {
    static func value(_ c: WASTConstValue) -> Value? {
        switch c {
        case .i32(let v): return .i32(v)
        case .i64(let v): return .i64(v)
        case .f32(let v): return .f32(v)
        case .f64(let v): return .f64(v)
        case .refNull(let heap): return heap == .externRef ? .externref(nil) : .funcref(nil)
        case .refExtern(let v): return .externref(UInt64(v))
        case .v128, .refFunc, .refHost: return nil
        }
    }

    static func matches(_ actual: Value, _ expected: WASTExpectValue) -> Bool {
        switch (expected, actual) {
        case (.i32(let e), .i32(let a)): return e == a
        case (.i64(let e), .i64(let a)): return e == a
        case (.f32(let e), .f32(let a)): return e == a
        case (.f64(let e), .f64(let a)): return e == a
        case (.f32CanonicalNaN, .f32(let a)): return a & 0x7FFF_FFFF == 0x7FC0_0000
        case (.f32ArithmeticNaN, .f32(let a)): return a & 0x7FC0_0000 == 0x7FC0_0000
        case (.f64CanonicalNaN, .f64(let a)): return a & 0x7FFF_FFFF_FFFF_FFFF == 0x7FF8_0000_0000_0000
        case (.f64ArithmeticNaN, .f64(let a)): return a & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000
        case (.refNull(let heap), .funcref(let r)): return r == nil && heap != .externRef
        case (.refNull(let heap), .externref(let r)): return r == nil && (heap == nil || heap == .externRef)
        case (.refFunc, .funcref(let r)): return r != nil
        case (.refExtern(let e), .externref(let r)):
            guard let r else { return false }
            return e.map { UInt64($0) == r } ?? true
        case (.either(let options), _): return options.contains { matches(actual, $0) }
        default: return false
        }
    }

    static func describe(_ v: Value) -> String {
        switch v {
        case .i32(let x): return "i32:\(x)"
        case .i64(let x): return "i64:\(x)"
        case .f32(let x): return "f32:0x\(String(x, radix: 16))"
        case .f64(let x): return "f64:0x\(String(x, radix: 16))"
        case .funcref(let r): return r == nil ? "ref.null func" : "funcref"
        case .externref(let r): return r.map { "ref.extern \($0)" } ?? "ref.null extern"
        }
    }

    static func describe(_ e: WASTExpectValue) -> String {
        switch e {
        case .i32(let x): return "i32:\(x)"
        case .i64(let x): return "i64:\(x)"
        case .f32(let x): return "f32:0x\(String(x, radix: 16))"
        case .f64(let x): return "f64:0x\(String(x, radix: 16))"
        case .f32CanonicalNaN: return "f32:nan:canonical"
        case .f32ArithmeticNaN: return "f32:nan:arithmetic"
        case .f64CanonicalNaN: return "f64:nan:canonical"
        case .f64ArithmeticNaN: return "f64:nan:arithmetic"
        case .either(let o): return "(either \(o.map(describe).joined(separator: " ")))"
        default: return "\(e)"
        }
    }

    /// Expectations this runner cannot check yet (SIMD and GC values), named.
    static func unsupportedFeature(_ e: WASTExpectValue) -> String? {
        switch e {
        case .v128, .v128Pattern: return "SIMD"
        case .refI31, .refStruct, .refArray, .refEq, .refHost: return "GC"
        case .either(let o): return o.lazy.compactMap(unsupportedFeature).first
        default: return nil
        }
    }

    /// Spec trap messages are sometimes longer or shorter than Kiln's; they match when
    /// one starts with the other.
    static func messageMatches(_ actual: String, _ expected: String) -> Bool {
        actual.hasPrefix(expected) || expected.hasPrefix(actual)
    }
}

// A minimal binary encoder for the wasm the generator writes: LEB128, vectors, sections.
// <https://webassembly.github.io/spec/core/binary/index.html>

/// A value type the generator uses, with its binary encoding.
public enum FuzzType: UInt8, CaseIterable, Sendable {
    case i32 = 0x7F
    case i64 = 0x7E
    case f32 = 0x7D
    case f64 = 0x7C
    case funcref = 0x70

    static let numeric: [FuzzType] = [.i32, .i64, .f32, .f64]
    var isFloat: Bool { self == .f32 || self == .f64 }
    var isInteger: Bool { self == .i32 || self == .i64 }
    /// The name the text format gives the type.
    var name: String {
        switch self {
        case .i32: return "i32"
        case .i64: return "i64"
        case .f32: return "f32"
        case .f64: return "f64"
        case .funcref: return "funcref"
        }
    }
}

/// A function (or multi-value block) type: parameters and results.
public struct FuzzSignature: Hashable, Sendable {
    public var parameters: [FuzzType]
    public var results: [FuzzType]
}

/// Appends wasm's binary encodings to a byte buffer.
public struct WasmEncoder {
    public var bytes: [UInt8] = []
    public init() {}

    public mutating func byte(_ b: UInt8) { bytes.append(b) }
    public mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    public mutating func u32(_ value: UInt32) { unsigned(UInt64(value)) }

    public mutating func unsigned(_ value: UInt64) {
        var v = value
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            bytes.append(b)
        } while v != 0
    }

    public mutating func signed(_ value: Int64) {
        var v = value
        while true {
            let b = UInt8(truncatingIfNeeded: v) & 0x7F
            v >>= 7
            let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0)
            bytes.append(done ? b : b | 0x80)
            if done { return }
        }
    }

    public mutating func name(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(utf8.count))
        append(utf8)
    }

    public mutating func f32(_ bits: UInt32) {
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(i)))) }
    }

    public mutating func f64(_ bits: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
    }

    /// A section: id, then the size of `body`, then `body`.
    public mutating func section(_ id: UInt8, _ body: [UInt8]) {
        byte(id)
        u32(UInt32(body.count))
        append(body)
    }

    /// `limits`: flag 0 (minimum only) or 1 (minimum and maximum).
    public mutating func limits(min: UInt32, max: UInt32?) {
        if let max {
            byte(1)
            u32(min)
            u32(max)
        } else {
            byte(0)
            u32(min)
        }
    }

    /// Encodes a vector of `items` with `body` writing each.
    public mutating func vector<T>(_ items: [T], _ body: (inout WasmEncoder, T) -> Void) {
        u32(UInt32(items.count))
        for item in items { body(&self, item) }
    }

    public static let header: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
}

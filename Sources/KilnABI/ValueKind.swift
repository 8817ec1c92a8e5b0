/// A wasm value type as the artifact and the ABI see it; raw values are the binary
/// format's type codes.
public enum ValueKind: UInt8, Sendable, Hashable {
    case i32 = 0x7F
    case i64 = 0x7E
    case f32 = 0x7D
    case f64 = 0x7C
    case v128 = 0x7B
    case funcref = 0x70
    case externref = 0x6F

    /// Passed in a general-purpose register (integers and references) rather than a
    /// floating-point/vector register.
    public var isIntegerClass: Bool {
        switch self {
        case .i32, .i64, .funcref, .externref: return true
        case .f32, .f64, .v128: return false
        }
    }

    public var name: String {
        switch self {
        case .i32: return "i32"
        case .i64: return "i64"
        case .f32: return "f32"
        case .f64: return "f64"
        case .v128: return "v128"
        case .funcref: return "funcref"
        case .externref: return "externref"
        }
    }
}

/// A function signature in ABI terms.
public struct Signature: Sendable, Hashable {
    public var parameters: [ValueKind]
    public var results: [ValueKind]
    public init(parameters: [ValueKind], results: [ValueKind]) {
        self.parameters = parameters
        self.results = results
    }
}

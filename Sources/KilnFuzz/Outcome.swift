// What one engine did with one module, in a shape both engines' results convert to, so
// the comparison is one function over two values of the same type.
import KilnABI

/// A wasm value as the oracle compares it: numbers as bit patterns (so NaN payloads and
/// the sign of zero are visible), references only as null / non-null.
public enum FuzzValue: Equatable, Sendable, CustomStringConvertible {
    case i32(UInt32)
    case i64(UInt64)
    case f32(UInt32)
    case f64(UInt64)
    case reference(isNull: Bool)

    public var description: String {
        switch self {
        case .i32(let v): return "i32:\(Int32(bitPattern: v))"
        case .i64(let v): return "i64:\(Int64(bitPattern: v))"
        case .f32(let v): return "f32:0x\(String(v, radix: 16))(\(Float(bitPattern: v)))"
        case .f64(let v): return "f64:0x\(String(v, radix: 16))(\(Double(bitPattern: v)))"
        case .reference(let isNull): return isNull ? "ref.null" : "ref"
        }
    }

    static func from(bits: UInt64, type: FuzzType) -> FuzzValue {
        switch type {
        case .i32: return .i32(UInt32(truncatingIfNeeded: bits))
        case .i64: return .i64(bits)
        case .f32: return .f32(UInt32(truncatingIfNeeded: bits))
        case .f64: return .f64(bits)
        case .funcref: return .reference(isNull: true)
        }
    }
}

/// One call the oracle makes: an export and its arguments.
public struct PlannedCall: Sendable {
    public var export: String
    public var arguments: [FuzzValue]
}

/// How one call (or the instantiation) ended.
public enum CallOutcome: Equatable, Sendable, CustomStringConvertible {
    case values([FuzzValue])
    case trap(TrapKind)
    /// The engine failed in a way that is neither a result nor a trap (the message).
    case error(String)

    public var description: String {
        switch self {
        case .values(let v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .trap(let k): return "trap \"\(k.message)\""
        case .error(let m): return "error \(m)"
        }
    }
}

/// What an instance holds that a call can change and the host can see: the exported
/// memory's bytes and every exported global.
public struct InstanceState: Sendable {
    public var memory: [UInt8]?
    public var globals: [(name: String, value: FuzzValue)] = []

    public init(memory: [UInt8]? = nil, globals: [(name: String, value: FuzzValue)] = []) {
        self.memory = memory
        self.globals = globals
    }
}

/// Everything one engine did with a module: instantiation, each planned call, and the
/// final state (memory bytes, exported globals) after the last call; when asked for
/// (the `tiers` mode), the state after every call as well.
public struct RunOutcome: Sendable {
    /// `.values([])` when instantiation succeeded.
    public var instantiation: CallOutcome
    public var calls: [CallOutcome] = []
    public var memory: [UInt8]?
    public var globals: [(name: String, value: FuzzValue)] = []
    /// `afterCalls[i]`: the state right after call `i` returned or trapped (a trap must
    /// leave the stores before the trapping access visible). Empty unless asked for.
    public var afterCalls: [InstanceState] = []

    public init(instantiation: CallOutcome) { self.instantiation = instantiation }
}

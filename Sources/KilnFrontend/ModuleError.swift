/// Why a module was rejected: `malformed` (the binary or text cannot be decoded) or
/// `invalid` (it decodes but fails validation). Messages use the spec tests' wording;
/// `offset` is the byte offset in the binary, `function` the function index when the
/// problem is inside a body.
public struct ModuleError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case malformed
        case invalid
    }
    public var kind: Kind
    public var message: String
    public var offset: Int?
    public var function: UInt32?

    public init(kind: Kind, message: String, offset: Int? = nil, function: UInt32? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.function = function
    }

    public static func malformed(_ message: String, offset: Int? = nil) -> ModuleError {
        ModuleError(kind: .malformed, message: message, offset: offset)
    }
    public static func invalid(_ message: String, offset: Int? = nil, function: UInt32? = nil) -> ModuleError {
        ModuleError(kind: .invalid, message: message, offset: offset, function: function)
    }

    public var description: String {
        var s = message
        if let function { s += " in function \(function)" }
        if let offset { s += " at offset 0x\(String(offset, radix: 16))" }
        return s
    }
}

/// Why a module was rejected: `malformed` (the binary or text cannot be decoded) or
/// `invalid` (it decodes but fails validation). `message` uses the spec tests' wording
/// (so `assert_invalid`/`assert_malformed` compare it directly); `detail` says more
/// (what was expected and found); `offset` is the byte offset in the binary and
/// `function` the function index when the problem is inside a body.
/// <https://webassembly.github.io/spec/core/valid/index.html>
public struct ModuleError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case malformed
        case invalid
    }
    public var kind: Kind
    public var message: String
    /// Extra words after the spec message, e.g. "expected i32, found f64".
    public var detail: String?
    public var offset: Int?
    public var function: UInt32?

    public init(kind: Kind, message: String, detail: String? = nil, offset: Int? = nil, function: UInt32? = nil) {
        self.kind = kind
        self.message = message
        self.detail = detail
        self.offset = offset
        self.function = function
    }

    public static func malformed(_ message: String, detail: String? = nil, offset: Int? = nil) -> ModuleError {
        ModuleError(kind: .malformed, message: message, detail: detail, offset: offset)
    }
    public static func invalid(
        _ message: String, detail: String? = nil, offset: Int? = nil, function: UInt32? = nil
    ) -> ModuleError {
        ModuleError(kind: .invalid, message: message, detail: detail, offset: offset, function: function)
    }

    /// "type mismatch: expected i32, found f64".
    static func typeMismatch(expected: String, found: String, offset: Int? = nil) -> ModuleError {
        .invalid("type mismatch", detail: "expected \(expected), found \(found)", offset: offset)
    }
    /// "unknown global 5" and the like: an index past the end of its index space.
    static func unknown(_ space: String, _ index: UInt32, offset: Int? = nil) -> ModuleError {
        .invalid("unknown \(space) \(index)", offset: offset)
    }

    /// Whether this error's message is the spec's `expected` text (the spec's own
    /// interpreter compares by prefix, so "unknown global 5" matches "unknown global").
    public func matches(specMessage expected: String) -> Bool {
        message.hasPrefix(expected)
    }

    public var description: String {
        var s = message
        if let detail { s += ": \(detail)" }
        if let function { s += " in function \(function)" }
        if let offset { s += " at offset 0x\(String(offset, radix: 16))" }
        return s
    }
}

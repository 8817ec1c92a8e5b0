#if canImport(Glibc)
    import Glibc
#endif

/// Why ``writeSharedObject(_:)`` could not produce a shared object: either the
/// ``ELFImage`` describes something that cannot be written (a caller bug, named
/// precisely), or libelf or the scratch file failed underneath (reported with libelf's
/// or the system's own message).
public struct ELFWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `machine` is neither x86-64 (62) nor AArch64 (183).
        case unsupportedMachine
        /// A name (section, symbol or soname) contains a NUL byte.
        case invalidName
        /// A section alignment is not a positive power of two.
        case invalidAlignment
        /// The page size is not a power of two of at least 4096.
        case invalidPageSize
        /// A symbol names a section that does not exist or lies outside its section.
        case invalidSymbol
        /// The image needs more sections than plain ELF numbering allows.
        case tooManySections
        /// libelf reported an error.
        case libelf
        /// Creating, reading or sizing the scratch file failed.
        case io
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func unsupportedMachine(_ machine: UInt16) -> Self {
        Self(kind: .unsupportedMachine, message: "unsupported ELF machine \(machine) (expected 62 or 183)")
    }
    static func nameContainsNUL(_ what: String) -> Self {
        Self(kind: .invalidName, message: "\(what) contains a NUL byte")
    }
    static func invalidAlignment(section: String, alignment: Int) -> Self {
        Self(
            kind: .invalidAlignment,
            message: "section \(section) has alignment \(alignment), which is not a positive power of two")
    }
    static func invalidPageSize(_ size: Int) -> Self {
        Self(kind: .invalidPageSize, message: "page size \(size) is not a power of two of at least 4096")
    }
    static func invalidSymbol(_ index: Int, _ reason: String) -> Self {
        Self(kind: .invalidSymbol, message: "symbol \(index): \(reason)")
    }
    static func tooManySections(_ count: Int) -> Self {
        Self(kind: .tooManySections, message: "\(count) sections exceed the ELF limit of 65279")
    }
    static func libelf(_ call: String) -> Self {
        let reason = elfErrorMessage()
        return Self(kind: .libelf, message: "\(call) failed: \(reason)")
    }
    static func io(_ call: String, errno code: Int32) -> Self {
        Self(kind: .io, message: "\(call) failed: \(String(cString: strerror(code))) (errno \(code))")
    }
}

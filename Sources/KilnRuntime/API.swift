// The runtime's public API. This file pins the signatures the rest of Kiln (the .wast
// runner, the CLI, the example host) codes against. Bodies marked `TODO(runtime)` are
// filled in by the runtime work; the signatures may only grow, not change.
import KilnABI

/// A wasm value as the host sees it. Floats are carried as their bit patterns so NaN
/// payloads survive a round trip.
public enum Value: Sendable, Equatable {
    case i32(UInt32)
    case i64(UInt64)
    case f32(UInt32)
    case f64(UInt64)
    /// A funcref: nil is `ref.null func`.
    case funcref(FuncRef?)
    /// An externref: nil is `ref.null extern`; otherwise a host-chosen 64-bit handle.
    case externref(UInt64?)

    public var kind: ValueKind {
        switch self {
        case .i32: return .i32
        case .i64: return .i64
        case .f32: return .f32
        case .f64: return .f64
        case .funcref: return .funcref
        case .externref: return .externref
        }
    }
}

/// An opaque, comparable funcref handle (the address of a `VMFuncRef`).
public struct FuncRef: Sendable, Equatable, Hashable {
    public let address: UInt
    public init(address: UInt) { self.address = address }
}

/// A wasm trap surfaced to the host: the kind, and the wasm function it happened in.
public struct Trap: Error, Sendable, CustomStringConvertible {
    public var kind: TrapKind
    /// Name of the wasm function that trapped (name section, export name or
    /// `function[N]`), when known.
    public var function: String?
    /// Extra detail for host errors (the message of the error the host function threw).
    public var detail: String?
    #if !hasFeature(Embedded)
        /// For a ``TrapKind/hostError`` trap: the error the host function threw, as itself,
        /// so a host can tell its own errors apart (WASI's `proc_exit` throws one carrying
        /// the exit code). Embedded Swift has no existentials: there only `detail` is kept.
        public var hostError: (any Error)?
    #endif
    public init(kind: TrapKind, function: String? = nil, detail: String? = nil) {
        self.kind = kind
        self.function = function
        self.detail = detail
    }
    public var description: String {
        var s = "wasm trap: \(kind.message)"
        if let function { s += " in \(function)" }
        if let detail { s += ": \(detail)" }
        return s
    }
}

/// Why an artifact could not be loaded. Each kind has a fixed message prefix tests match.
public struct LoadError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read (errno in the message).
        case io
        /// Not an ELF file at all.
        case notELF
        /// The file ends before a structure it declares.
        case truncated
        /// ELF for another machine, or metadata for another ISA.
        case wrongISA
        /// Metadata from another ABI version.
        case abiVersion
        /// The artifact's code needs instructions this CPU lacks.
        case unsupportedCPU
        /// The checksum over code, metadata, lazy funcrefs and table images does not match:
        /// the file was damaged after it was compiled.
        case checksumMismatch
        /// Anything else inconsistent (bad offsets, missing sections, bad metadata).
        case corrupt
    }
    public var kind: Kind
    public var message: String
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

/// Errors from instantiation and calls that are not traps.
public enum RuntimeError: Error, Sendable, CustomStringConvertible {
    /// A trap during the start function, a segment initialisation, or a call.
    case trap(Trap)
    /// Linking failed: `unknown import` or `incompatible import type` (spec wording),
    /// with the import's module and name.
    case link(message: String, module: String, name: String)
    /// The host used the API wrongly (no such export, wrong argument count or types).
    case usage(String)
    /// The operating system refused a resource (mmap failed, ...).
    case resource(String)

    public var description: String {
        switch self {
        case .trap(let t): return t.description
        case .link(let m, let module, let name): return "\(m): \(module)::\(name)"
        case .usage(let m): return m
        case .resource(let m): return m
        }
    }
}

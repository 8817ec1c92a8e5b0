import KilnABI
import KilnFrontend

/// The machine code for a whole module, as one `.text` blob plus where everything in it
/// is. Produced by a ``Backend``; the compiler facade turns it into an artifact.
public struct CompiledCode: Sendable {
    /// The contents of `.text`.
    public var text: [UInt8] = []
    /// Per defined function: offset and size in ``text``.
    public var functions: [(offset: UInt32, size: UInt32)] = []
    /// Every trapping instruction, sorted by offset.
    public var trapSites: [TrapSite] = []
    /// Per type index: offset of the host->wasm entry trampoline
    /// (``ArtifactMetadata/noCode`` if none was emitted).
    public var entryTrampolines: [UInt32] = []
    /// Per type index: offset of the wasm->host call stub
    /// (``ArtifactMetadata/noCode`` if none was emitted).
    public var hostCallStubs: [UInt32] = []
    /// Offset of the lazy-init trampoline (docs/tables.md), or ``ArtifactMetadata/noCode``.
    public var lazyTrampoline: UInt32 = ArtifactMetadata.noCode
    /// Ranges of ``text`` that hold data, not instructions (the optimizing tier's
    /// constant pools, jump tables and code arrays), sorted: AArch64 artifacts mark them
    /// with `$d` mapping symbols so disassemblers do not decode them.
    public var dataRanges: [Range<Int>] = []
    public init() {}
}

/// One instruction-set backend: compiles every function of a validated module and emits
/// the per-module trampolines, following the ABI in docs/abi.md.
public protocol Backend {
    var target: TargetISA { get }
    func compile(_ module: WasmModule) throws(CompileError) -> CompiledCode
}

/// Why compilation failed. `unsupported` means the module needs something Kiln does not
/// implement yet (the message names the operator and the function); `internal` is a
/// Kiln bug.
public struct CompileError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unsupported
        case `internal`
    }
    public var kind: Kind
    public var message: String
    public var functionIndex: UInt32?
    public var offset: Int?

    public init(kind: Kind, message: String, functionIndex: UInt32? = nil, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.functionIndex = functionIndex
        self.offset = offset
    }

    public static func unsupported(_ what: String, function: UInt32? = nil, offset: Int? = nil) -> CompileError {
        CompileError(kind: .unsupported, message: "unsupported: \(what)", functionIndex: function, offset: offset)
    }
    public static func internalError(_ what: String, function: UInt32? = nil, offset: Int? = nil) -> CompileError {
        CompileError(kind: .internal, message: "internal compiler error (a Kiln bug): \(what)", functionIndex: function, offset: offset)
    }

    public var description: String {
        var s = message
        if let functionIndex { s += " in function \(functionIndex)" }
        if let offset { s += " at offset 0x\(String(offset, radix: 16))" }
        return s
    }
}

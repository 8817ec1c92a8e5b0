/// The one definition of the instance context ("vmctx") layout, shared by the code
/// generators (which read offsets from here) and the runtime (which writes through the
/// same offsets). See docs/abi.md for the calling convention that uses it.
///
/// Fixed fields come first so the hot ones fit in 8-bit displacements; the per-module
/// arrays follow, their offsets computed from the module's counts.
public struct VMContextLayout: Sendable, Equatable {
    /// Base address of linear memory 0 (never moves: memory is reserved up front).
    public static let memoryBase = 0
    /// Pointer to the ``VMMemoryDefinition`` of memory 0 (shared with importers).
    public static let memoryDefinition = 8
    /// Pointer to the store's ``VMStoreContext`` (stack limit), shared by every instance
    /// of a store.
    public static let storeContext = 16
    /// Runtime-private handle of the owning instance.
    public static let instanceHandle = 24
    /// Builtin functions the generated code calls, C ABI (see ``Builtin``).
    public static let builtinsStart = 32
    public static func builtin(_ b: Builtin) -> Int { builtinsStart + Int(b.rawValue) * 8 }
    /// Size of the fixed header; per-module arrays start here.
    public static let headerSize = builtinsStart + Builtin.slotCount * 8

    /// Each imported function: `{ code, vmctx }` (``VMFunctionImport``), 16 bytes.
    public let importedFunctionsOffset: Int
    /// Each imported global: a pointer to the exporter's 8-byte value cell.
    public let importedGlobalsOffset: Int
    /// Each defined global: its 8-byte value cell, inline.
    public let definedGlobalsOffset: Int
    /// Total size in bytes (a multiple of 16).
    public let size: Int

    public let importedFunctionCount: Int
    public let importedGlobalCount: Int
    public let definedGlobalCount: Int

    public init(importedFunctions: Int, importedGlobals: Int, definedGlobals: Int) {
        importedFunctionCount = importedFunctions
        importedGlobalCount = importedGlobals
        definedGlobalCount = definedGlobals
        importedFunctionsOffset = Self.headerSize
        importedGlobalsOffset = importedFunctionsOffset + importedFunctions * VMFunctionImport.size
        definedGlobalsOffset = importedGlobalsOffset + importedGlobals * 8
        let end = definedGlobalsOffset + definedGlobals * 8
        size = (end + 15) & ~15
    }

    /// Offset of the `{code, vmctx}` pair of imported function `index`.
    public func importedFunction(_ index: Int) -> Int {
        importedFunctionsOffset + index * VMFunctionImport.size
    }
    /// Offset of the pointer to imported global `index`'s value cell.
    public func importedGlobalPointer(_ index: Int) -> Int { importedGlobalsOffset + index * 8 }
    /// Offset of defined global `index`'s value cell (index among defined globals).
    public func definedGlobal(_ index: Int) -> Int { definedGlobalsOffset + index * 8 }
}

/// Layout of an imported function's entry in the vmctx.
public enum VMFunctionImport {
    /// Code address to call with the internal calling convention.
    public static let code = 0
    /// The vmctx to put in the vmctx register for that call.
    public static let vmctx = 8
    public static let size = 16
}

/// Layout of a linear memory's definition (owned by the memory; importers point at it).
public enum VMMemoryDefinition {
    public static let base = 0
    /// Current length in bytes.
    public static let length = 8
    public static let size = 16
}

/// Layout of the per-store context every vmctx points to.
public enum VMStoreContext {
    /// Lowest stack address wasm code may use; prologues trap below it.
    public static let stackLimit = 0
    public static let size = 16
}

/// Context block a host-function import's `vmctx` slot points to; the per-signature host
/// call stub calls `callback(self, callerVmctx, values)` (C ABI) which returns 0 on
/// success and non-zero when the host function failed (the stub then traps with
/// ``TrapKind/hostError``).
public enum VMHostFunction {
    public static let callback = 0
    public static let context = 8
    public static let size = 16
}

/// Functions the runtime provides to generated code through the vmctx (C ABI, first
/// argument always the caller's vmctx).
public enum Builtin: UInt8, Sendable, CaseIterable {
    /// `int64_t memory_grow(vmctx, uint64_t deltaPages)`: old size in pages, or -1.
    case memoryGrow = 0
    /// Reserved for the table and bulk-memory builtins of later ABI versions.
    case reserved1, reserved2, reserved3, reserved4, reserved5, reserved6, reserved7

    public static let slotCount = 8
}

/// Size of one value slot in the buffer the entry trampolines and host call stubs use to
/// pass arguments and results (`uint64_t values[]`).
public enum ValueSlot {
    public static let size = 8
}

/// Wasm page size.
public enum WasmPage {
    public static let size = 65536
}

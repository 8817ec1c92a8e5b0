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
    /// Pointer to the module's array of canonical signature ids (`UInt64` per type
    /// index), for the runtime; generated code compares the vmctx's own copy
    /// (``typeId(_:)``, docs/tables.md).
    public static let typeIds = 32
    /// Builtin functions the generated code calls, C ABI (see ``Builtin``).
    public static let builtinsStart = 48
    public static func builtin(_ b: Builtin) -> Int { builtinsStart + Int(b.rawValue) * 8 }
    /// Size of the fixed header; per-module arrays start here.
    public static let headerSize = builtinsStart + Builtin.slotCount * 8

    /// Each imported function: `{ code, vmctx }` (``VMFunctionImport``), 16 bytes.
    public let importedFunctionsOffset: Int
    /// Each table (imported first): a pointer to its ``VMTableDefinition``.
    public let tablePointersOffset: Int
    /// Each defined table: its ``VMTableDefinition``, inline.
    public let definedTablesOffset: Int
    /// Each imported global: a pointer to the exporter's 8-byte value cell.
    public let importedGlobalsOffset: Int
    /// Each defined global: its 8-byte value cell, inline.
    public let definedGlobalsOffset: Int
    /// Each type index: its canonical signature id, copied in at instantiation, so
    /// `call_indirect` compares against one load from the vmctx.
    public let typeIdsOffset: Int
    /// Total size in bytes (a multiple of 16).
    public let size: Int

    public let importedFunctionCount: Int
    public let tableCount: Int
    public let definedTableCount: Int
    public let importedGlobalCount: Int
    public let definedGlobalCount: Int
    public let typeCount: Int

    public init(
        importedFunctions: Int, importedGlobals: Int, definedGlobals: Int, tables: Int = 0, definedTables: Int = 0,
        types: Int = 0
    ) {
        importedFunctionCount = importedFunctions
        tableCount = tables
        definedTableCount = definedTables
        importedGlobalCount = importedGlobals
        definedGlobalCount = definedGlobals
        typeCount = types
        importedFunctionsOffset = Self.headerSize
        tablePointersOffset = importedFunctionsOffset + importedFunctions * VMFunctionImport.size
        definedTablesOffset = tablePointersOffset + tables * 8
        importedGlobalsOffset = definedTablesOffset + definedTables * VMTableDefinition.size
        definedGlobalsOffset = importedGlobalsOffset + importedGlobals * 8
        typeIdsOffset = definedGlobalsOffset + definedGlobals * 8
        let end = typeIdsOffset + types * 8
        size = (end + 15) & ~15
    }

    /// Offset of the `{code, vmctx}` pair of imported function `index`.
    public func importedFunction(_ index: Int) -> Int {
        importedFunctionsOffset + index * VMFunctionImport.size
    }
    /// Offset of the pointer to table `index`'s definition (any table, imported first).
    public func tablePointer(_ index: Int) -> Int { tablePointersOffset + index * 8 }
    /// Offset of defined table `index`'s definition (index among defined tables).
    public func definedTable(_ index: Int) -> Int { definedTablesOffset + index * VMTableDefinition.size }
    /// Offset of the pointer to imported global `index`'s value cell.
    public func importedGlobalPointer(_ index: Int) -> Int { importedGlobalsOffset + index * 8 }
    /// Offset of defined global `index`'s value cell (index among defined globals).
    public func definedGlobal(_ index: Int) -> Int { definedGlobalsOffset + index * 8 }
    /// Offset of the canonical signature id of type `index`.
    public func typeId(_ index: Int) -> Int { typeIdsOffset + index * 8 }
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
    /// A leaf function (no calls, no builtins) whose frame is at most this many bytes may
    /// leave out the stack check: its caller's check passed, so it runs above the limit
    /// minus this, inside the headroom.
    public static let uncheckedLeafFrameBytes = 4096
    /// The least headroom the runtime leaves between the stack limit and the end of the
    /// stack, whatever the engine is configured with: room for unchecked leaf frames and
    /// the signal handler's first frames.
    public static let minimumHeadroom = 16 * 1024
}

/// Context block a host-function import's `vmctx` slot points to, one per import slot
/// of each importing instance; the per-signature host call stub calls
/// `callback(self, callerVmctx, values)` (C ABI) with the `callerVmctx` recorded here,
/// which returns 0 on success and non-zero when the host function failed (the stub then
/// traps with ``TrapKind/hostError``).
public enum VMHostFunction {
    /// `uint32_t (*)(VMHostFunction *, void *callerVmctx, uint64_t *values)`.
    public static let callback = 0
    /// Runtime-private: the host function and the import's name.
    public static let context = 8
    /// The vmctx of the instance that imported the function into this slot: what the
    /// stub reports as the caller (ABI 5 frames do not all keep the caller's vmctx at
    /// `[rbp-8]`). A funcref of the import carries this block, so an indirect call
    /// through it reports this instance too, whoever calls.
    public static let callerVmctx = 16
    public static let size = 24
}

/// Functions the runtime provides to generated code through the vmctx (C ABI, first
/// argument always the caller's vmctx). Signatures in docs/abi.md and docs/tables.md.
/// A builtin that traps does so itself, through the runtime's trap path.
public enum Builtin: UInt8, Sendable, CaseIterable {
    /// `int64_t memory_grow(vmctx, uint64_t deltaPages)`: old size in pages, or -1.
    case memoryGrow = 0
    /// `void (vmctx, uint32 dst, uint32 value, uint32 len)`; traps out of bounds.
    case memoryFill
    /// `void (vmctx, uint32 dst, uint32 src, uint32 len)` (memmove); traps out of bounds.
    case memoryCopy
    /// `void (vmctx, uint32 segment, uint32 dst, uint32 src, uint32 len)`.
    case memoryInit
    /// `void (vmctx, uint32 segment)`.
    case dataDrop
    /// `uint64 (vmctx, uint32 table, uint32 index)`: never a lazy funcref.
    case tableGet
    /// `void (vmctx, uint32 table, uint32 index, uint64 value)`.
    case tableSet
    /// `int64 (vmctx, uint32 table, uint32 delta, uint64 init)`: old size, or -1.
    case tableGrow
    /// `void (vmctx, uint32 table, uint32 dst, uint64 value, uint32 len)`.
    case tableFill
    /// `void (vmctx, uint32 dstTable, uint32 srcTable, uint32 dst, uint32 src, uint32 len)`.
    case tableCopy
    /// `void (vmctx, uint32 table, uint32 segment, uint32 dst, uint32 src, uint32 len)`.
    case tableInit
    /// `void (vmctx, uint32 segment)`.
    case elemDrop
    /// `const VMFuncRef *(vmctx, uint32 function)`: the instance's funcref, stable.
    case refFunc
    /// `uint64 (vmctx, uint32 table, uint32 index)`: `checked` strategy slow path;
    /// initializes the slot and returns its (untagged) value.
    case tableLazyInit
    /// `noreturn void (vmctx, uint32 kind)`: raises trap `kind` (a `TrapKind` raw value)
    /// naming the calling wasm function. The optimizing tier's explicit checks end here:
    /// a call LLVM must assume reads memory, so every earlier store is done before it.
    case trap

    public static let slotCount = 24
}

/// Layout of a `VMFuncRef`: what a funcref value points to (docs/tables.md).
public enum VMFuncRef {
    /// Entry point, internal calling convention.
    public static let code = 0
    /// Canonical signature id.
    public static let typeId = 8
    /// The owning instance's vmctx; for a lazy funcref (ABI 5), the address of the lazy
    /// funcref itself, so the lazy trampoline finds its record in the vmctx register.
    public static let vmctx = 16
    /// `u32`: function index in its module (lazy funcrefs use it).
    public static let functionIndex = 24
    /// `u32`, lazy funcrefs only: the lazy funcref's address minus its module's
    /// ``VMLazyContext`` address (0 on disk and in real funcrefs).
    public static let lazyContextOffset = 28
    public static let size = 32
}

/// Layout of a table's definition (owned by the table; importers point at it).
public enum VMTableDefinition {
    /// Address of slot 0 (never moves: tables are reserved up front).
    public static let base = 0
    /// Current number of elements.
    public static let length = 8
    public static let size = 16
}

/// Layout of a module's lazy context (one per loaded module, placed just before its
/// relocated lazy funcrefs): the lazy trampoline computes it from the lazy funcref
/// (``VMFuncRef/lazyContextOffset``) and calls `resolver(context, slot, lazyFuncRef)`
/// (C ABI), which returns the real funcref it patched into the slot (docs/tables.md).
public enum VMLazyContext {
    public static let resolver = 0
    public static let size = 16
}

/// How funcref tables with initializers are set up (`kiln compile --table-init`).
public enum TableInitStrategy: UInt8, Sendable, CaseIterable {
    /// A read-only trampoline-filled image mapped copy-on-write (the default).
    case image = 0
    /// Tables start uninitialized; every `call_indirect` checks and branches.
    case checked = 1
    /// Instantiation writes every slot.
    case eager = 2

    public var name: String {
        switch self {
        case .image: return "image"
        case .checked: return "checked"
        case .eager: return "eager"
        }
    }

    public init?(name: String) {
        guard let s = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }
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

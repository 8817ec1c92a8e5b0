/// Everything the runtime needs to know about a compiled module that is not machine
/// code: types, imports, exports, globals, limits, segments, the trap table and where
/// each function and trampoline starts. Encoded into the `.kiln.meta` section by
/// ``ArtifactMetadata/encode()`` and read back by ``ArtifactMetadata/decode(_:)``; the
/// byte layout is documented in docs/artifact-format.md.
public struct ArtifactMetadata: Sendable, Equatable {
    public var abiVersion: UInt32 = ABIVersion.current
    public var target: TargetISA
    /// The module's function types, by type index.
    public var types: [Signature] = []
    public var imports: [ImportEntry] = []
    /// Defined functions, in function-index order after the imported ones.
    public var functions: [FunctionEntry] = []
    /// Memory 0 when the module defines it (an imported memory is in ``imports``).
    public var memory: MemoryLimits?
    /// Defined globals, in global-index order after the imported ones.
    public var globals: [GlobalEntry] = []
    public var exports: [ExportEntry] = []
    public var startFunction: UInt32?
    /// Data segments, in module order. Active segments already laid out in the memory
    /// image have ``DataSegmentEntry/isInImage`` set and no bytes.
    public var dataSegments: [DataSegmentEntry] = []
    /// Where the memory image lands in linear memory, if the artifact has one.
    public var memoryImage: MemoryImageEntry?
    /// Trap sites, sorted by code offset.
    public var trapSites: [TrapSite] = []
    /// Per type index: offset in `.text` of the host->wasm entry trampoline, or
    /// ``ArtifactMetadata/noCode``.
    public var entryTrampolines: [UInt32] = []
    /// Per type index: offset in `.text` of the wasm->host call stub, or
    /// ``ArtifactMetadata/noCode``.
    public var hostCallStubs: [UInt32] = []
    /// How tables with initializers are set up; the code generator compiled
    /// `call_indirect` for this strategy.
    public var tableInit: TableInitStrategy = .image
    /// Which code generator compiled the functions (`kiln inspect` says it; the ABI is
    /// the same for both).
    public var codeTier: CodeTier = .baseline
    /// Defined tables, in table-index order after the imported ones.
    public var tables: [TableEntry] = []
    /// Element segments, in module order.
    public var elementSegments: [ElementSegmentEntry] = []
    /// Offset in `.text` of the lazy-init trampoline, or ``ArtifactMetadata/noCode``.
    public var lazyTrampoline: UInt32 = ArtifactMetadata.noCode

    public static let noCode = UInt32.max
    public static let magic: [UInt8] = Array("KILNMETA".utf8)

    public init(target: TargetISA) { self.target = target }

    public var importedFunctionCount: Int {
        imports.reduce(0) { if case .function = $1.kind { return $0 + 1 } else { return $0 } }
    }
    public var importedGlobalCount: Int {
        imports.reduce(0) { if case .global = $1.kind { return $0 + 1 } else { return $0 } }
    }
    public var importedTableCount: Int {
        imports.reduce(0) { if case .table = $1.kind { return $0 + 1 } else { return $0 } }
    }
    /// The vmctx layout of an instance of this module.
    public var vmContextLayout: VMContextLayout {
        VMContextLayout(
            importedFunctions: importedFunctionCount, importedGlobals: importedGlobalCount,
            definedGlobals: globals.count, tables: importedTableCount + tables.count, definedTables: tables.count,
            types: types.count)
    }
}

public struct ImportEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case function(typeIndex: UInt32)
        case memory(MemoryLimits)
        case global(GlobalTypeEntry)
        case table(TableTypeEntry)
    }
    public var module: String
    public var name: String
    public var kind: Kind
    public init(module: String, name: String, kind: Kind) {
        self.module = module
        self.name = name
        self.kind = kind
    }
}

public struct FunctionEntry: Sendable, Equatable {
    public var typeIndex: UInt32
    /// Offset of the function's first instruction in `.text`.
    public var codeOffset: UInt32
    public var codeSize: UInt32
    /// Name from the name section, or empty.
    public var name: String
    public init(typeIndex: UInt32, codeOffset: UInt32, codeSize: UInt32, name: String) {
        self.typeIndex = typeIndex
        self.codeOffset = codeOffset
        self.codeSize = codeSize
        self.name = name
    }
}

/// Limits in units of wasm pages (memories) or elements (tables).
public struct MemoryLimits: Sendable, Equatable {
    public var minimum: UInt64
    public var maximum: UInt64?
    public init(minimum: UInt64, maximum: UInt64?) {
        self.minimum = minimum
        self.maximum = maximum
    }
}

public struct TableTypeEntry: Sendable, Equatable {
    public var element: ValueKind
    public var limits: MemoryLimits
    public init(element: ValueKind, limits: MemoryLimits) {
        self.element = element
        self.limits = limits
    }
}

public struct GlobalTypeEntry: Sendable, Equatable {
    public var kind: ValueKind
    public var isMutable: Bool
    public init(kind: ValueKind, isMutable: Bool) {
        self.kind = kind
        self.isMutable = isMutable
    }
}

public struct GlobalEntry: Sendable, Equatable {
    public var type: GlobalTypeEntry
    public var initializer: ConstExpr
    public init(type: GlobalTypeEntry, initializer: ConstExpr) {
        self.type = type
        self.initializer = initializer
    }
}

public struct ExportEntry: Sendable, Equatable {
    public enum Kind: UInt8, Sendable { case function = 0, table = 1, memory = 2, global = 3 }
    public var name: String
    public var kind: Kind
    public var index: UInt32
    public init(name: String, kind: Kind, index: UInt32) {
        self.name = name
        self.kind = kind
        self.index = index
    }
}

public struct DataSegmentEntry: Sendable, Equatable {
    /// `nil` for a passive segment.
    public var offset: ConstExpr?
    public var isInImage: Bool
    public var bytes: [UInt8]
    public init(offset: ConstExpr?, isInImage: Bool, bytes: [UInt8]) {
        self.offset = offset
        self.isInImage = isInImage
        self.bytes = bytes
    }
}

public struct MemoryImageEntry: Sendable, Equatable {
    /// Linear-memory address of the image's first byte (page aligned).
    public var memoryOffset: UInt64
    /// Length of the image in bytes (a multiple of the host page size).
    public var length: UInt64
    public init(memoryOffset: UInt64, length: UInt64) {
        self.memoryOffset = memoryOffset
        self.length = length
    }
}

public struct TrapSite: Sendable, Equatable {
    /// Offset in `.text` of the faulting instruction.
    public var codeOffset: UInt32
    public var kind: TrapKind
    public init(codeOffset: UInt32, kind: TrapKind) {
        self.codeOffset = codeOffset
        self.kind = kind
    }
}

/// A constant expression (global initializers, segment offsets), as a flat list of
/// stack-machine operations. Covers the extended-constant proposal.
public struct ConstExpr: Sendable, Equatable {
    public enum Op: Sendable, Equatable {
        case i32Const(Int32)
        case i64Const(Int64)
        case f32Const(UInt32)
        case f64Const(UInt64)
        case globalGet(UInt32)
        case refNull(ValueKind)
        case refFunc(UInt32)
        case i32Add, i32Sub, i32Mul, i64Add, i64Sub, i64Mul
    }
    public var ops: [Op]
    public init(_ ops: [Op]) { self.ops = ops }
}

/// A defined table.
public struct TableEntry: Sendable, Equatable {
    public var type: TableTypeEntry
    /// Initial value of every slot (typed function references), or nil for null.
    public var initializer: ConstExpr?
    /// Whether the artifact has an image of this table (section
    /// ``SectionName/tableImage(_:)`` with its index among defined tables).
    public var hasImage: Bool
    public init(type: TableTypeEntry, initializer: ConstExpr?, hasImage: Bool) {
        self.type = type
        self.initializer = initializer
        self.hasImage = hasImage
    }
}

/// An element segment.
public struct ElementSegmentEntry: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        case passive
        case active(table: UInt32, offset: ConstExpr)
        case declarative
    }
    public var mode: Mode
    public var kind: ValueKind
    /// One constant expression per element (`ref.func f`, `ref.null`, `global.get`).
    public var items: [ConstExpr]
    /// Already laid out in its table's image (active segments only).
    public var isInImage: Bool
    public init(mode: Mode, kind: ValueKind, items: [ConstExpr], isInImage: Bool) {
        self.mode = mode
        self.kind = kind
        self.items = items
        self.isInImage = isInImage
    }
}

/// The code generator that compiled an artifact's functions (`kiln compile --tier`).
public enum CodeTier: UInt8, Sendable, CaseIterable {
    /// Kiln's single-pass code generator.
    case baseline = 0
    /// LLVM's optimizer and code generator.
    case optimizing = 1

    public var name: String { self == .baseline ? "baseline" : "optimizing" }
}

import WasmParser
import WasmTypes

/// A decoded and validated WebAssembly module: the frontend's output and the code
/// generators' input. Index spaces follow the spec: imported entities come first.
/// Everything here has been validated, so later stages may trust indices and types.
/// <https://webassembly.github.io/spec/core/syntax/modules.html>
public struct WasmModule: Sendable {
    /// Function types by type index (rec groups flattened; only function types are
    /// supported: a struct or array type (GC) stands here as `[] -> []` and its index is
    /// in `nonFunctionTypes`).
    public var types: [FunctionType] = []
    /// Type indices defined as struct or array types (GC), which Kiln does not support.
    public var nonFunctionTypes: Set<UInt32> = []
    public var imports: [Import] = []
    /// Type index of every function (imported first, then defined).
    public var functionTypeIndices: [UInt32] = []
    public var importedFunctionCount = 0
    /// Every table (imported first).
    public var tables: [TableType] = []
    public var importedTableCount = 0
    /// Every memory (imported first).
    public var memories: [MemoryType] = []
    public var importedMemoryCount = 0
    /// Every global's type (imported first).
    public var globals: [GlobalType] = []
    public var importedGlobalCount = 0
    /// Initializers of the defined globals.
    public var globalInitializers: [ConstExpression] = []
    /// Initializers of the defined tables (typed function references); `nil` where the
    /// table starts out filled with null.
    public var tableInitializers: [ConstExpression?] = []
    /// Type index of every tag (exception handling; imported first).
    public var tags: [UInt32] = []
    public var exports: [Export] = []
    public var start: UInt32?
    public var elements: [ElementSegment] = []
    public var data: [DataSegment] = []
    public var dataCount: UInt32?
    /// Bodies of the defined functions, in order.
    public var bodies: [Code] = []
    /// Names from the name section, by function index.
    public var functionNames: [UInt32: String] = [:]
    /// Features beyond the MVP core that this module uses (detected while decoding and
    /// validating), so a runner can say which feature a skipped module needs.
    public var usedFeatures: Set<WasmFeature> = []
    /// Features whose constructs the validator did not check (bodies or constant
    /// expressions it stopped at): a module with any is only known to be well formed
    /// and valid elsewhere, and no code generator should accept it yet.
    public var unvalidatedFeatures: Set<WasmFeature> = []

    /// Per defined function (in `bodies` order): facts the validator learned while walking
    /// the body, for the code generator (which locals are hot, whether it calls, how
    /// much it touches memory). Empty for a module not built by ``decodeModule(_:)``;
    /// stale if `bodies` is changed afterwards.
    public var functionUsage: [FunctionUsage] = []

    /// Whether the code section is the last thing in the binary (it decides how a
    /// missing final `end` is worded, as the spec's decoder reads past the body).
    var codeSectionIsLast = true
    /// Where each section starts in the binary, for errors found after decoding.
    var sectionOffsets = SectionOffsets()

    public init() {}

    public var definedFunctionCount: Int { bodies.count }

    /// What the validator learned about defined function `definedIndex` (an index into
    /// `bodies`), or `nil` when it did not walk that body (a module built without
    /// ``decodeModule(_:)``).
    public func usage(ofDefinedFunction definedIndex: Int) -> FunctionUsage? {
        functionUsage.indices.contains(definedIndex) ? functionUsage[definedIndex] : nil
    }

    /// The type of function `index` (an index in the whole function index space).
    public func functionType(of index: UInt32) -> FunctionType {
        types[Int(functionTypeIndices[Int(index)])]
    }
}

/// Post-MVP features a module can use; reported when Kiln cannot compile the module yet.
public enum WasmFeature: String, Sendable, Hashable, CaseIterable, Comparable {
    case referenceTypes = "reference types"
    case tables = "tables"
    case bulkMemory = "bulk memory"
    case tailCall = "tail calls"
    case simd = "SIMD"
    case multiMemory = "multi-memory"
    case memory64 = "memory64"
    case functionReferences = "typed function references"
    case gc = "GC"
    case exceptionHandling = "exception handling"
    case threads = "threads"
    case extendedConst = "extended constant expressions"

    public static func < (a: WasmFeature, b: WasmFeature) -> Bool { a.rawValue < b.rawValue }
}

/// Binary section ids. <https://webassembly.github.io/spec/core/binary/modules.html#sections>
enum SectionID: UInt8 {
    case custom = 0, type, `import`, function, table, memory, global, export, start, element, code, data, dataCount
    case tag = 13
}

/// Where each section starts in the binary (the last one, for custom sections), by id. A
/// fixed array rather than a dictionary: a `[SectionID: Int]` costs the first compile in a
/// process a runtime lookup of `SectionID`'s `Hashable` conformance (about 0.1 ms).
struct SectionOffsets: Sendable {
    private var offsets = [Int?](repeating: nil, count: Int(SectionID.tag.rawValue) + 1)

    subscript(id: SectionID) -> Int? {
        get { offsets[Int(id.rawValue)] }
        set { offsets[Int(id.rawValue)] = newValue }
    }
}

import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// What every function's lowering needs to know about the module: signatures in ABI
/// terms, global kinds and where they live, the vmctx layout. Built once per module.
public struct ModuleEnvironment: Sendable {
    public let module: WasmModule
    public let layout: VMContextLayout
    /// Per type index.
    public let signatures: [Signature]
    /// Per global index (imported first).
    public let globalKinds: [ValueKind]
    /// Per type index: where arguments and results go under the target's calling
    /// convention, computed once per module (see ``computeLocations(_:)``).
    public var locations: [CallLocations] = []
    /// Testing aid: compile unsupported operators as an `unreachable` trap instead of
    /// failing, so the supported rest of a module can run.
    public var trapOnUnsupported = false
    /// How `call_indirect` treats table slots (docs/tables.md, "Strategies").
    public var tableInit: TableInitStrategy = .image
    /// A tail call can leave a function through another instance, so a same-module
    /// call no longer guarantees the vmctx register survives: reload it after every
    /// call (only modules that use tail calls pay for this).
    public var reloadVMContextAfterCalls = false

    public init(module: WasmModule) throws(CompileError) {
        self.module = module
        layout = VMContextLayout(
            importedFunctions: module.importedFunctionCount, importedGlobals: module.importedGlobalCount,
            definedGlobals: module.globals.count - module.importedGlobalCount, tables: module.tables.count,
            definedTables: module.tables.count - module.importedTableCount, types: module.types.count)
        reloadVMContextAfterCalls = module.usedFeatures.contains(.tailCall)
        var sigs: [Signature] = []
        for t in module.types {
            sigs.append(Signature(parameters: try t.parameters.map(Self.kind), results: try t.results.map(Self.kind)))
        }
        signatures = sigs
        globalKinds = try module.globals.map { g throws(CompileError) in try Self.kind(g.valueType) }
    }

    /// The ABI kind of a wasm value type; v128 and typed references are not supported.
    public static func kind(_ t: ValueType) throws(CompileError) -> ValueKind {
        switch t {
        case .i32: return .i32
        case .i64: return .i64
        case .f32: return .f32
        case .f64: return .f64
        case .v128: throw CompileError.unsupported("v128 values (SIMD)")
        case .ref(let r):
            switch r.heapType {
            case .abstract(.funcRef): return .funcref
            case .abstract(.externRef): return .externref
            default: throw CompileError.unsupported("reference type \(r)")
            }
        }
    }

    /// Fills ``locations`` for the target's calling convention.
    public mutating func computeLocations<C: CallingConvention>(_ convention: C.Type) {
        locations = signatures.map { sig in
            let p = C.parameterLocations(sig.parameters)
            let r = C.resultLocations(sig.results)
            let stackParameters = p.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } }
            return CallLocations(
                parameters: p, results: r,
                stackParameters: stackParameters,
                stackResults: r.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } },
                argumentSlots: C.argumentSlots(stackParameters))
        }
    }

    @inlinable public func typeIndex(ofFunction index: UInt32) -> Int {
        Int(module.functionTypeIndices[Int(index)])
    }

    public func signature(ofFunction index: UInt32) -> Signature {
        signatures[Int(module.functionTypeIndices[Int(index)])]
    }

    /// Where table `index`'s definition is: inline for a defined table, behind a
    /// pointer for an imported one.
    public func tablePlace(_ index: UInt32) -> TablePlace {
        let i = Int(index)
        if i < module.importedTableCount { return TablePlace(offset: layout.tablePointer(i), indirect: true) }
        return TablePlace(offset: layout.definedTable(i - module.importedTableCount), indirect: false)
    }

    /// Where global `index`'s cell is: inline in the vmctx, or behind a pointer.
    public func globalPlace(_ index: UInt32) -> (offset: Int, indirect: Bool) {
        let i = Int(index)
        if i < module.importedGlobalCount { return (layout.importedGlobalPointer(i), true) }
        return (layout.definedGlobal(i - module.importedGlobalCount), false)
    }
}

/// The argument and result places of one signature under a calling convention.
public struct CallLocations: Sendable {
    public var parameters: [ArgLocation]
    public var results: [ArgLocation]
    public var stackParameters: Int
    public var stackResults: Int
    /// 8-byte slots of the stack-argument area, which the callee pops
    /// (``CallingConvention/argumentSlots(_:)``: on x86-64 `stackParameters` rounded up
    /// to odd, so even a function without stack parameters pops one slot; on AArch64
    /// rounded up to even). A result buffer, when the caller needs one, starts right
    /// after it in the caller's outgoing area.
    public var argumentSlots: Int
    /// Whether the results go to a caller-provided buffer (every result in ``results``
    /// is then `.stack(k)`, at byte `8k` of the buffer).
    @inlinable public var resultsInBuffer: Bool { stackResults > 0 }
}

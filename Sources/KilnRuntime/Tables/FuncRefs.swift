// Per-instance funcrefs (docs/tables.md, "Per-instance funcrefs"): one `VMFuncRef` slot
// per function index in a zero-filled array (`calloc`: large arrays come straight from
// fresh zero pages, so instantiation does no per-function work and untouched parts cost
// no memory). A funcref is created on first use (`ref.func`, the resolver, `table.get`,
// a global initializer, the host) and then never moves, so funcref identity is stable.
import CKilnRuntime
import KilnABI

/// The per-instance array of `VMFuncRef`s, and the check that a host-provided address
/// is one of them.
enum FuncRefs {
    /// A zeroed array of `count` funcrefs (at least one, so the base is unique).
    static func allocate(count: Int) -> UnsafeMutableRawPointer {
        // SAFETY: `calloc` returns 16-aligned zeroed memory; freed by `release`.
        guard let p = calloc(max(count, 1), VMFuncRef.size) else {
            fatalError("out of memory allocating \(count) funcrefs")
        }
        return p
    }

    static func release(_ p: UnsafeMutableRawPointer) { free(p) }

    /// Whether `address` is a created funcref of a live instance (what the host may pass
    /// as a `Value.funcref`); lazy funcrefs and arbitrary addresses are not.
    static func isReal(_ address: UInt) -> Bool {
        guard let (start, owner) = RangeRegistry.lookup(address), case .funcRefs = owner else { return false }
        guard (address - start) % UInt(VMFuncRef.size) == 0 else { return false }
        // SAFETY: inside a registered, live funcref array, at a funcref boundary.
        return UnsafeRawPointer(bitPattern: address)!.load(fromByteOffset: VMFuncRef.code, as: UInt.self) != 0
    }

    /// The instance owning the funcref at `address` and the function's index in it.
    static func owner(of address: UInt) -> (instance: Instance, index: Int)? {
        guard isReal(address), let (start, owner) = RangeRegistry.lookup(address), case .funcRefs(let i) = owner else {
            return nil
        }
        return (i.takeUnretainedValue(), Int((address - start) / UInt(VMFuncRef.size)))
    }
}

extension Instance {
    /// The real funcref of function `index` (imports first), created on first use and
    /// then stable. An imported wasm function's funcref is its exporter's.
    func funcRef(index: Int) -> UnsafeMutableRawPointer {
        let p = funcRefArray + index * VMFuncRef.size
        // SAFETY: `index` < function count (checked by callers / at load); the array has
        // one 32-byte slot per function.
        if p.load(fromByteOffset: VMFuncRef.code, as: UInt.self) != 0 { return p }
        let module = self.module
        let support = module.tableSupport
        let typeIndex = Int(module.functionTypeIndex(index))
        let code: UInt
        let vmctx: UnsafeMutableRawPointer
        if index < module.importedFunctionCount {
            if case .wasm(let exporter, let exporterIndex, _, _) = importedFunctions[index].kind {
                return exporter.funcRef(index: exporterIndex)
            }
            // A host function: its call stub and `VMHostFunction` block, as in the vmctx.
            let target = context.importedFunction(index)
            code = UInt(bitPattern: target.code)
            vmctx = target.vmctx
        } else {
            code = support.functionCode[index - module.importedFunctionCount]
            vmctx = self.vmctx
        }
        p.storeBytes(of: support.typeIds[typeIndex], toByteOffset: VMFuncRef.typeId, as: UInt64.self)
        p.storeBytes(of: vmctx, toByteOffset: VMFuncRef.vmctx, as: UnsafeMutableRawPointer.self)
        p.storeBytes(of: UInt32(index), toByteOffset: VMFuncRef.functionIndex, as: UInt32.self)
        p.storeBytes(of: 0, toByteOffset: VMFuncRef.lazyContextOffset, as: UInt32.self)
        p.storeBytes(of: code, toByteOffset: VMFuncRef.code, as: UInt.self)  // last: marks it created
        return p
    }

    /// The funcref of the function `function` of this instance (for the host).
    public func funcRef(of function: Function) -> FuncRef? {
        switch function.kind {
        case .wasm(let instance, let index, _, _):
            return FuncRef(address: UInt(bitPattern: instance.funcRef(index: index)))
        case .host:
            return nil
        }
    }
}

extension Function {
    /// The function a funcref (from a table, a global or a wasm result) refers to, so the
    /// host can call it; nil for null or an address that is not a live funcref.
    public init?(_ ref: FuncRef) {
        guard let (instance, index) = FuncRefs.owner(of: ref.address) else { return nil }
        self = instance.function(index: index)
    }

    /// This function's funcref (a wasm function's, stable); nil for a host function
    /// that no instance imports.
    public var funcRef: FuncRef? {
        guard case .wasm(let instance, let index, _, _) = kind else { return nil }
        return FuncRef(address: UInt(bitPattern: instance.funcRef(index: index)))
    }
}

// The one place that reads and writes an instance's vmctx block, at the offsets KilnABI
// defines (docs/abi.md). Generated code reads the same offsets from KilnABI.
import KilnABI

/// A handle to one instance's vmctx: a 16-aligned block of `layout.size` bytes.
struct VMContext {
    let raw: UnsafeMutableRawPointer
    let layout: VMContextLayout

    /// Wraps an existing block (the caller vouches it has `layout`).
    init(unsafe raw: UnsafeMutableRawPointer, layout: VMContextLayout) {
        self.raw = raw
        self.layout = layout
    }

    /// A zeroed block for `layout`; its instance frees it with `deallocate()`.
    static func allocate(_ layout: VMContextLayout) -> VMContext {
        // SAFETY: `layout.size` bytes, 16-aligned, zeroed; owned by one Instance.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: layout.size, alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: layout.size)
        return VMContext(unsafe: raw, layout: layout)
    }

    func deallocate() { raw.deallocate() }

    private func store<T>(_ value: T, at offset: Int) {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= layout.size, "Kiln bug: vmctx offset \(offset)")
        raw.storeBytes(of: value, toByteOffset: offset, as: T.self)
    }
    private func load<T>(_ type: T.Type, at offset: Int) -> T {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= layout.size, "Kiln bug: vmctx offset \(offset)")
        return raw.load(fromByteOffset: offset, as: T.self)
    }

    /// Memory 0: its (constant) base and its shared `VMMemoryDefinition`.
    func setMemory(base: UnsafeMutableRawPointer, definition: UnsafeMutableRawPointer) {
        store(base, at: VMContextLayout.memoryBase)
        store(definition, at: VMContextLayout.memoryDefinition)
    }
    func setStoreContext(_ context: UnsafeMutableRawPointer) { store(context, at: VMContextLayout.storeContext) }
    /// The owning instance, unretained (see ``Instance/from(vmctx:)``).
    func setInstanceHandle(_ handle: UnsafeMutableRawPointer) { store(handle, at: VMContextLayout.instanceHandle) }
    func setBuiltin(_ builtin: Builtin, _ function: UnsafeRawPointer) {
        store(function, at: VMContextLayout.builtin(builtin))
    }

    /// The module's canonical type ids (one `UInt64` per type index): the pointer to the
    /// module's array, and the copy `call_indirect` compares against.
    func setTypeIds(_ ids: UnsafeMutablePointer<UInt64>) {
        store(UnsafeRawPointer(ids), at: VMContextLayout.typeIds)
        for i in 0..<layout.typeCount { store(ids[i], at: layout.typeId(i)) }
    }

    /// Table `index` (imports first): the pointer to its `VMTableDefinition`.
    func setTablePointer(_ index: Int, _ definition: UnsafeMutableRawPointer) {
        precondition(index < layout.tableCount)
        store(UnsafeRawPointer(definition), at: layout.tablePointer(index))
    }

    /// Imported function `index`: the code to call and the vmctx to call it with.
    func setImportedFunction(_ index: Int, code: UnsafeRawPointer, vmctx: UnsafeMutableRawPointer) {
        precondition(index < layout.importedFunctionCount)
        store(code, at: layout.importedFunction(index) + VMFunctionImport.code)
        store(vmctx, at: layout.importedFunction(index) + VMFunctionImport.vmctx)
    }
    func importedFunction(_ index: Int) -> (code: UnsafeRawPointer, vmctx: UnsafeMutableRawPointer) {
        precondition(index < layout.importedFunctionCount)
        return (
            load(UnsafeRawPointer.self, at: layout.importedFunction(index) + VMFunctionImport.code),
            load(UnsafeMutableRawPointer.self, at: layout.importedFunction(index) + VMFunctionImport.vmctx)
        )
    }

    /// Imported global `index` lives in the exporter's cell.
    func setImportedGlobal(_ index: Int, cell: UnsafeMutableRawPointer) {
        precondition(index < layout.importedGlobalCount)
        store(cell, at: layout.importedGlobalPointer(index))
    }
    /// The inline value cell of defined global `index`.
    func definedGlobalCell(_ index: Int) -> UnsafeMutableRawPointer {
        precondition(index < layout.definedGlobalCount)
        return raw + layout.definedGlobal(index)
    }

    /// The instance handle stored in any vmctx Kiln made.
    static func instanceHandle(of vmctx: UnsafeRawPointer) -> UnsafeRawPointer {
        vmctx.load(fromByteOffset: VMContextLayout.instanceHandle, as: UnsafeRawPointer.self)
    }
}

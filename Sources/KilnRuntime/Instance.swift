import CKilnRuntime
import KilnABI

// Instantiation: link imports, allocate the vmctx, set up memory (CoW image + segments),
// evaluate globals, run the start function.
#if canImport(Glibc)
    import Glibc
#endif

/// An instance of a ``Module`` in a ``Store``
/// (https://webassembly.github.io/spec/core/exec/runtime.html#module-instances): its own
/// vmctx, memory and globals, linked to its imports.
public final class Instance {
    public let module: Module
    public let store: Store
    /// The instance context generated code runs with (docs/abi.md).
    let context: VMContext
    var vmctx: UnsafeMutableRawPointer { context.raw }
    /// Memory 0, defined or imported.
    public let memory: Memory?
    /// What each function import resolved to (kept alive by this instance).
    let importedFunctions: [Function]
    /// What each global import resolved to.
    let importedGlobals: [Global]
    /// `VMHostFunction` blocks of host-function imports, freed in deinit.
    private let hostBlocks: [UnsafeMutableRawPointer]
    /// One `VMFuncRef` per function (imports first), created on first use
    /// (Tables/FuncRefs.swift); registered so host-provided funcrefs can be checked. The
    /// array itself is allocated on the first funcref this instance hands out, so an
    /// instance that never creates one pays neither the clearing nor the memory.
    var funcRefArray: UnsafeMutableRawPointer {
        if let funcRefStorage { return funcRefStorage }
        let count = module.functionTypeIndices.count
        let p = FuncRefs.allocate(count: count)
        RangeRegistry.register(
            start: UInt(bitPattern: p), length: max(count, 1) * VMFuncRef.size, .funcRefs(Unmanaged.passUnretained(self)))
        funcRefStorage = p
        return p
    }
    private var funcRefStorage: UnsafeMutableRawPointer?

    /// Whether `address` lies in this instance's funcref array (false before it exists).
    func ownsFuncRef(at address: UInt) -> Bool {
        guard let funcRefStorage else { return false }
        let start = UInt(bitPattern: funcRefStorage)
        return address >= start && address < start + UInt(max(module.functionTypeIndices.count, 1) * VMFuncRef.size)
    }
    /// Every table, imported first (the storage of an imported table is its exporter's).
    private(set) var tables: [TableStorage] = []
    /// What each table import resolved to (keeps the exporting instance alive).
    private let importedTables: [Table]
    /// Passive element / data segments dropped by `elem.drop` / `data.drop` (active and
    /// declarative segments count as dropped from the start).
    var droppedElements: Set<Int> = []
    var droppedData: Set<Int> = []

    /// Instantiates `module` in `store`, linking its imports against `imports`, then runs
    /// its start function.
    public init(module: Module, store: Store, imports: Imports) throws(RuntimeError) {
        guard module.engine === store.engine else {
            throw RuntimeError.usage("the module and the store belong to different engines")
        }
        let m = module.metadata
        // 1. Resolve imports (no side effects yet).
        var functions: [Function] = []
        var globals: [Global] = []
        var importedMemory: Memory? = nil
        var tableImports: [Table] = []
        for entry in m.imports {
            guard let value = imports.lookup(module: entry.module, name: entry.name) else {
                throw RuntimeError.link(message: "unknown import", module: entry.module, name: entry.name)
            }
            let incompatible = RuntimeError.link(
                message: "incompatible import type", module: entry.module, name: entry.name)
            switch (entry.kind, value) {
            case (.function(let t), .function(let f)):
                guard f.type == m.types[Int(t)] else { throw incompatible }
                switch f.kind {
                case .wasm(let exporter, _, _, _):
                    guard exporter.store === store else {
                        throw RuntimeError.usage(
                            "import \(entry.module).\(entry.name): linking instances of different stores is not supported"
                        )
                    }
                case .host:
                    guard m.hostCallStubs[Int(t)] != ArtifactMetadata.noCode else {
                        throw RuntimeError.usage(
                            "import \(entry.module).\(entry.name): the artifact has no host call stub for type \(t)")
                    }
                }
                functions.append(f)
            case (.memory(let want), .memory(let mem)):
                let have = mem.limits
                guard have.minimum >= want.minimum else { throw incompatible }
                if let wantMax = want.maximum {
                    guard let haveMax = have.maximum, haveMax <= wantMax else { throw incompatible }
                }
                importedMemory = mem
            case (.global(let want), .global(let g)):
                guard g.type == want else { throw incompatible }
                globals.append(g)
            case (.table(let want), .table(let t)):
                // Element types equal; limits: current size >= the import's minimum, and if
                // the import has a maximum the table has one no larger.
                guard t.element == want.element, t.size >= want.limits.minimum else { throw incompatible }
                if let wantMax = want.limits.maximum {
                    guard let haveMax = t.storage.maximum, haveMax <= wantMax else { throw incompatible }
                }
                guard t.storage.encoding == .plain || m.tableInit == .checked else {
                    throw RuntimeError.usage(
                        "import \(entry.module).\(entry.name): a table defined by a `checked` artifact can only be imported by `checked` artifacts"
                    )
                }
                tableImports.append(t)
            default:
                throw incompatible
            }
        }
        // 2. Memory.
        let memory: Memory?
        if let limits = m.memory {
            memory = try Memory(limits: limits)
        } else {
            memory = importedMemory
        }
        // 3. vmctx and host-function blocks: allocated last, freed by deinit from here on.
        let context = VMContext.allocate(m.vmContextLayout)
        var blocks: [UnsafeMutableRawPointer] = []
        var functionImport = 0
        for entry in m.imports {
            guard case .function = entry.kind else { continue }
            if case .host(let h) = functions[functionImport].kind {
                blocks.append(h.makeBlock(importName: "\(entry.module).\(entry.name)", importer: context.raw))
            }
            functionImport += 1
        }
        self.module = module
        self.store = store
        self.context = context
        self.memory = memory
        self.importedFunctions = functions
        self.importedGlobals = globals
        self.hostBlocks = blocks
        self.importedTables = tableImports

        // 4. Fill the vmctx.
        if let memory { context.setMemory(base: memory.base, definition: memory.definition) }
        context.setStoreContext(store.context)
        context.setInstanceHandle(Unmanaged.passUnretained(self).toOpaque())
        context.setTypeIds(module.tableSupport.typeIds)
        Builtins.install(into: context)
        var hostIndex = 0
        var functionImportIndex = 0
        for entry in m.imports {
            guard case .function(let t) = entry.kind else { continue }
            switch functions[functionImportIndex].kind {
            case .wasm(let exporter, _, _, let code):
                context.setImportedFunction(functionImportIndex, code: code, vmctx: exporter.vmctx)
            case .host:
                context.setImportedFunction(
                    functionImportIndex, code: module.codeAddress(m.hostCallStubs[Int(t)]), vmctx: blocks[hostIndex])
                hostIndex += 1
            }
            functionImportIndex += 1
        }
        for (i, g) in globals.enumerated() { context.setImportedGlobal(i, cell: g.cell) }

        // 5. Globals, in order (an initializer may read imported and earlier globals).
        for (i, g) in m.globals.enumerated() {
            let v = try evaluate(g.initializer, definedGlobalsReady: i)
            context.definedGlobalCell(i).storeBytes(of: v, as: UInt64.self)
        }

        // 6. Tables: imported ones point at their exporter's definition; defined ones get
        //    their definition inline in the vmctx and, with an image, map it copy-on-write.
        try setUpTables()

        // 7. Memory image (copy-on-write from the artifact), then the other data segments.
        if let image = m.memoryImage, let memory, image.length > 0 {
            let (end, overflow) = image.memoryOffset.addingReportingOverflow(image.length)
            guard !overflow, end <= memory.byteCount else {
                throw RuntimeError.trap(Trap(kind: .outOfBoundsMemoryAccess))
            }
            try mapImage(image, into: memory)
        }
        for segment in m.dataSegments where !segment.isInImage {
            guard let offsetExpr = segment.offset else { continue }  // passive
            let offset = try evaluate(offsetExpr, definedGlobalsReady: m.globals.count)
            guard let memory else { throw RuntimeError.usage("corrupt artifact: a data segment without a memory") }
            // A 32-bit memory: the offset is an i32, zero-extended.
            let start = offset & 0xFFFF_FFFF
            guard memory.checkRange(start, segment.bytes.count) else {
                throw RuntimeError.trap(Trap(kind: .outOfBoundsMemoryAccess))
            }
            try memory.write(segment.bytes, at: start)
        }

        // 8. Start function.
        if let start = m.startFunction {
            _ = try function(index: Int(start)).call([])
        }
    }

    deinit {
        if let funcRefStorage { RangeRegistry.unregister(start: UInt(bitPattern: funcRefStorage)) }
        tables = []  // before the vmctx that holds defined tables' definitions
        if let funcRefStorage { FuncRefs.release(funcRefStorage) }
        for b in hostBlocks { HostFunction.freeBlock(b) }
        context.deallocate()
    }

    /// Creates the tables, evaluates their initializers and applies the active element
    /// segments no image holds, in order (spec bounds checks: the first that does not fit
    /// traps). Per table, no per-slot work unless it has a non-null initializer or
    /// segments outside an image.
    private func setUpTables() throws(RuntimeError) {
        let m = module.metadata
        let layout = context.layout
        for (i, t) in importedTables.enumerated() {
            tables.append(t.storage)
            context.setTablePointer(i, t.storage.definition)
        }
        let support = module.tableSupport
        for (d, entry) in m.tables.enumerated() {
            let definition = vmctx + layout.definedTable(d)
            let image = support.images[d]
            let storage = try TableStorage(
                element: entry.type.element, minimum: entry.type.limits.minimum, maximum: entry.type.limits.maximum,
                encoding: m.tableInit == .checked ? .tagged : .plain, definition: definition,
                image: image, mapImage: m.tableInit == .image, lazyRange: support.lazyRange)
            storage.setOwner(self)
            tables.append(storage)
            context.setTablePointer(importedTables.count + d, definition)
            if let initializer = entry.initializer {
                let v = try evaluate(initializer, definedGlobalsReady: m.globals.count)
                if v != 0 { _ = storage.fill(0, v, count: storage.length) }
            }
        }
        for segment in m.elementSegments {
            guard case .active(let t, let offsetExpr) = segment.mode, !segment.isInImage else { continue }
            let offset = try evaluate(offsetExpr, definedGlobalsReady: m.globals.count) & 0xFFFF_FFFF
            var values: [UInt64] = []
            values.reserveCapacity(segment.items.count)
            for item in segment.items { values.append(try evaluate(item, definedGlobalsReady: m.globals.count)) }
            guard tables[Int(t)].write(values, at: offset) else {
                throw RuntimeError.trap(Trap(kind: .outOfBoundsTableAccess))
            }
        }
    }

    /// The instance whose vmctx is `vmctx` (from the runtime-private handle at +24).
    static func from(vmctx: UnsafeRawPointer) -> Instance {
        // SAFETY: every vmctx Kiln hands to generated code stores its unretained owner at
        // `instanceHandle`; the instance outlives any call running with its vmctx.
        Unmanaged<Instance>.fromOpaque(
            VMContext.instanceHandle(of: vmctx)
        ).takeUnretainedValue()
    }

    private func mapImage(_ image: MemoryImageEntry, into memory: Memory) throws(RuntimeError) {
        guard let section = module.memoryImageSection else { return }  // checked at load
        if Self.canMapImage(
            fileOffset: section.offset, memoryOffset: image.memoryOffset, length: image.length,
            pageSize: UInt64(module.hostPageSize))
        {
            memoryImagePlacement = .mapped
            do {
                try memory.mapImage(
                    module.file, fileOffset: section.offset, memoryOffset: image.memoryOffset, length: Int(image.length)
                )
                return
            } catch {
                throw RuntimeError.resource("cannot map the memory image: \(error)")
            }
        }
        // Host pages larger than the artifact's alignment: copy instead.
        memoryImagePlacement = .copied
        let bytes: [UInt8]
        do {
            bytes = try Posix.pread(module.file, offset: section.offset, count: Int(image.length))
        } catch {
            throw RuntimeError.resource("cannot read the memory image: \(error)")
        }
        try memory.write(bytes, at: image.memoryOffset)
    }

    /// How the memory image was placed at instantiation (nil without one): tests check the
    /// loader maps what the host page allows and copies the rest.
    package private(set) var memoryImagePlacement: ImagePlacement?

    /// Whether a memory image can be mapped straight from the file: its file offset, its
    /// place in linear memory and its length all fall on host pages (artifacts align them
    /// to their target's ``TargetISA/artifactPageSize``, 4 KiB for x86-64; a host with
    /// larger pages cannot map a 4 KiB-aligned image).
    static func canMapImage(fileOffset: UInt64, memoryOffset: UInt64, length: UInt64, pageSize: UInt64) -> Bool {
        fileOffset % pageSize == 0 && memoryOffset % pageSize == 0 && length % pageSize == 0
    }

    // MARK: - Constant expressions

    /// Evaluates a constant expression; `definedGlobalsReady` defined globals may be read.
    func evaluate(_ expr: ConstExpr, definedGlobalsReady: Int) throws(RuntimeError) -> UInt64 {
        var stack: [UInt64] = []
        func pop() throws(RuntimeError) -> UInt64 {
            guard let v = stack.popLast() else {
                throw RuntimeError.usage("corrupt artifact: constant expression underflows")
            }
            return v
        }
        for op in expr.ops {
            switch op {
            case .i32Const(let v): stack.append(UInt64(UInt32(bitPattern: v)))
            case .i64Const(let v): stack.append(UInt64(bitPattern: v))
            case .f32Const(let v): stack.append(UInt64(v))
            case .f64Const(let v): stack.append(v)
            case .refNull: stack.append(0)
            case .refFunc(let index):
                guard Int(index) < module.functionTypeIndices.count else {
                    throw RuntimeError.usage("corrupt artifact: ref.func \(index) out of range")
                }
                stack.append(UInt64(UInt(bitPattern: funcRef(index: Int(index)))))
            case .globalGet(let index):
                let i = Int(index)
                if i < importedGlobals.count {
                    stack.append(importedGlobals[i].cell.load(as: UInt64.self))
                } else if i - importedGlobals.count < definedGlobalsReady {
                    stack.append(
                        context.definedGlobalCell(i - importedGlobals.count).load(as: UInt64.self))
                } else {
                    throw RuntimeError.usage("corrupt artifact: global.get \(index) in a constant expression")
                }
            case .i32Add, .i32Sub, .i32Mul:
                let b = UInt32(truncatingIfNeeded: try pop())
                let a = UInt32(truncatingIfNeeded: try pop())
                let r: UInt32 = op == .i32Add ? a &+ b : op == .i32Sub ? a &- b : a &* b
                stack.append(UInt64(r))
            case .i64Add, .i64Sub, .i64Mul:
                let b = try pop()
                let a = try pop()
                stack.append(op == .i64Add ? a &+ b : op == .i64Sub ? a &- b : a &* b)
            }
        }
        guard stack.count == 1 else {
            throw RuntimeError.usage("corrupt artifact: constant expression leaves \(stack.count) values")
        }
        return stack[0]
    }

    // MARK: - Exports

    /// Function `index` (imports first) as a callable ``Function``.
    func function(index: Int) -> Function {
        if index < importedFunctions.count { return importedFunctions[index] }
        return Function(instance: self, index: index)
    }

    /// Table `index` (imports first) as a host-visible ``Table``.
    public func table(index: Int) -> Table? {
        guard index < tables.count else { return nil }
        if index < importedTables.count { return importedTables[index] }
        return Table(storage: tables[index], owner: self)
    }

    /// The export as an `Extern`.
    private func extern(_ e: ExportEntry) -> Extern? {
        let i = Int(e.index)
        switch e.kind {
        case .function:
            return .function(function(index: i))
        case .memory:
            return .memory(memory!)
        case .global:
            if i < importedGlobals.count { return .global(importedGlobals[i]) }
            let d = i - importedGlobals.count
            return .global(
                Global(type: module.metadata.globals[d].type, cell: context.definedGlobalCell(d), owner: self))
        case .table:
            return table(index: i).map { .table($0) }
        }
    }

    /// The export called `name`, if any.
    public func export(named name: String) -> Extern? {
        guard let i = module.exportIndex[WasmName(name)] else { return nil }
        return extern(module.metadata.exports[i])
    }

    /// Every export, in module order.
    public var exports: [(name: String, value: Extern)] {
        module.metadata.exports.compactMap { e in extern(e).map { (e.name, $0) } }
    }

    /// The exported function called `name`, if any.
    public func function(named name: String) -> Function? {
        if case .function(let f)? = export(named: name) { return f }
        return nil
    }

    /// Calls the exported function `name` with `args`.
    @discardableResult
    public func call(_ name: String, _ args: [Value] = []) throws(RuntimeError) -> [Value] {
        guard let f = function(named: name) else { throw RuntimeError.usage("no exported function named \"\(name)\"") }
        return try f.call(args)
    }
}

extension Module {
    /// Instantiates this module in `store` (the same as ``Instance/init(module:store:imports:)``).
    public func instantiate(store: Store, imports: Imports = Imports()) throws(RuntimeError) -> Instance {
        try Instance(module: self, store: store, imports: imports)
    }
}

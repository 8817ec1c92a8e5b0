import Foundation
import KilnABI
import KilnCodegen
import KilnCodegenX64
import KilnFrontend
import Testing
import WasmParser

/// Runs compiled code without the real runtime: `.text` in an R+X mapping, a vmctx
/// laid out by `VMContextLayout`, an 8 GiB memory reservation, a stack limit, the
/// memory.grow builtin, host functions through the host call stubs.
final class TestInstance {
    let module: WasmModule
    let code: CompiledCode
    let text: UnsafeMutableRawPointer
    let textSize: Int
    let vmctx: UnsafeMutableRawPointer
    let layout: VMContextLayout
    var memory: UnsafeMutableRawPointer?
    let memoryDefinition: UnsafeMutablePointer<UInt64>
    let storeContext: UnsafeMutablePointer<UInt64>
    var hostFunctions: [UnsafeMutablePointer<UInt64>] = []
    var importedGlobalCells: [UnsafeMutablePointer<UInt64>] = []
    static let reservation = 8 << 30
    let strategy: TableInitStrategy
    var maxPages: UInt64 = 65536
    /// Canonical type ids (structural: 1 + the first equal type's index).
    let typeIds: UnsafeMutablePointer<UInt64>
    /// One `VMFuncRef` per function (imports included), real.
    let funcRefs: UnsafeMutableRawPointer
    /// One lazy `VMFuncRef` per function (ABI 5): code = the lazy trampoline, vmctx =
    /// itself, lazy-context offset = its distance from ``lazyContext``.
    let lazyFuncRefs: UnsafeMutableRawPointer
    /// `VMLazyContext {resolver, instance}`, 16 bytes before ``lazyFuncRefs`` in one
    /// allocation.
    let lazyContext: UnsafeMutablePointer<UInt64>
    /// Slots of every defined table (capacity `tableCapacity`).
    var tableSlots: [UnsafeMutablePointer<UInt64>] = []
    static let tableCapacity = 4096
    /// How many times the resolver ran.
    var resolverCalls = 0
    var lazyInitCalls = 0

    typealias HostCallback = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt64>?) -> UInt32
    typealias Entry = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutablePointer<UInt64>?) -> Void

    convenience init(
        wat: String, imports: [HostCallback] = [], globals: [UInt64] = [], importedGlobals: [UInt64] = [],
        strategy: TableInitStrategy = .image, compile: ((WasmModule) throws -> CompiledCode)? = nil
    ) throws {
        try self.init(
            binary: try assemble(text: wat), imports: imports, globals: globals, importedGlobals: importedGlobals,
            strategy: strategy, compile: compile)
    }

    init(
        binary bytes: [UInt8], imports: [HostCallback] = [], globals: [UInt64] = [], importedGlobals: [UInt64] = [],
        trapOnUnsupported: Bool = false, strategy: TableInitStrategy = .image,
        compile: ((WasmModule) throws -> CompiledCode)? = nil
    ) throws {
        module = try decodeModule(bytes)
        self.strategy = strategy
        if let compile {
            code = try compile(module)
        } else {
            var backend = X64Backend(tableInit: strategy)
            backend.trapOnUnsupported = trapOnUnsupported
            code = try backend.compile(module)
        }
        if let path = ProcessInfo.processInfo.environment["KILN_DUMP"] {
            _ = FileManager.default.createFile(atPath: path, contents: Data(code.text))
        }
        let page = 4096
        textSize = max(page, (code.text.count + page - 1) / page * page)
        let t = mmap(nil, textSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        code.text.withUnsafeBytes { t.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        precondition(mprotect(t, textSize, PROT_READ | PROT_EXEC) == 0)
        text = t

        layout = VMContextLayout(
            importedFunctions: module.importedFunctionCount, importedGlobals: module.importedGlobalCount,
            definedGlobals: module.globals.count - module.importedGlobalCount, tables: module.tables.count,
            definedTables: module.tables.count - module.importedTableCount, types: module.types.count)
        typeIds = .allocate(capacity: max(1, module.types.count))
        for (i, t) in module.types.enumerated() {
            typeIds[i] = UInt64(module.types.firstIndex(where: { $0 == t })! + 1)
        }
        let functionCount = module.functionTypeIndices.count
        funcRefs = .allocate(byteCount: max(1, functionCount) * VMFuncRef.size, alignment: 16)
        let lazyBlock = UnsafeMutableRawPointer.allocate(
            byteCount: VMLazyContext.size + max(1, functionCount) * VMFuncRef.size, alignment: 16)
        lazyContext = lazyBlock.bindMemory(to: UInt64.self, capacity: 2)
        lazyFuncRefs = lazyBlock + VMLazyContext.size
        vmctx = UnsafeMutableRawPointer.allocate(byteCount: layout.size + 64, alignment: 16)
        vmctx.initializeMemory(as: UInt8.self, repeating: 0, count: layout.size + 64)
        memoryDefinition = .allocate(capacity: 2)
        memoryDefinition.initialize(repeating: 0, count: 2)
        storeContext = .allocate(capacity: 2)
        storeContext.initialize(repeating: 0, count: 2)
        if let mem = module.memories.first {
            let m = mmap(nil, Self.reservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)!
            memory = m
            let bytes = Int(mem.min) * 65536
            if bytes > 0 { precondition(mprotect(m, bytes, PROT_READ | PROT_WRITE) == 0) }
            memoryDefinition[0] = UInt64(UInt(bitPattern: m))
            memoryDefinition[1] = UInt64(bytes)
            vmctx.storeBytes(of: m, toByteOffset: VMContextLayout.memoryBase, as: UnsafeMutableRawPointer.self)
            maxPages = mem.max ?? 65536
        }
        vmctx.storeBytes(of: typeIds, toByteOffset: VMContextLayout.typeIds, as: UnsafeMutablePointer<UInt64>.self)
        for i in 0..<module.types.count { vmctx.storeBytes(of: typeIds[i], toByteOffset: layout.typeId(i), as: UInt64.self) }
        vmctx.storeBytes(of: memoryDefinition, toByteOffset: VMContextLayout.memoryDefinition, as: UnsafeMutablePointer<UInt64>.self)
        vmctx.storeBytes(of: storeContext, toByteOffset: VMContextLayout.storeContext, as: UnsafeMutablePointer<UInt64>.self)
        let grow: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Int64 = { ctx, delta in
            let ctx = ctx!
            let def = ctx.load(fromByteOffset: VMContextLayout.memoryDefinition, as: UnsafeMutablePointer<UInt64>.self)
            let maxPages = TestInstance.from(ctx).maxPages
            let old = def[1] / 65536
            if old + delta > maxPages { return -1 }
            let base = UnsafeMutableRawPointer(bitPattern: UInt(def[0]))!
            if delta > 0 { precondition(mprotect(base, Int((old + delta) * 65536), PROT_READ | PROT_WRITE) == 0) }
            def[1] = (old + delta) * 65536
            return Int64(old)
        }
        vmctx.storeBytes(of: unsafeBitCast(grow, to: UnsafeRawPointer.self), toByteOffset: VMContextLayout.builtin(.memoryGrow), as: UnsafeRawPointer.self)
        // Imported functions.
        for i in 0..<module.importedFunctionCount {
            let hf = UnsafeMutablePointer<UInt64>.allocate(capacity: 2)
            hf[0] = UInt64(UInt(bitPattern: unsafeBitCast(imports[i], to: UnsafeRawPointer.self)))
            hf[1] = 0
            hostFunctions.append(hf)
            let t = Int(module.functionTypeIndices[i])
            let stub = text + Int(code.hostCallStubs[t])
            vmctx.storeBytes(of: stub, toByteOffset: layout.importedFunction(i) + VMFunctionImport.code, as: UnsafeMutableRawPointer.self)
            vmctx.storeBytes(of: hf, toByteOffset: layout.importedFunction(i) + VMFunctionImport.vmctx, as: UnsafeMutablePointer<UInt64>.self)
        }
        // Defined globals: constant initializers, then explicit overrides.
        for (i, ini) in module.globalInitializers.enumerated() {
            var v: UInt64 = 0
            switch ini.first {
            case .i32Const(let x)?: v = UInt64(UInt32(bitPattern: x))
            case .i64Const(let x)?: v = UInt64(bitPattern: x)
            case .f32Const(let x)?: v = UInt64(x.bitPattern)
            case .f64Const(let x)?: v = x.bitPattern
            default: break
            }
            vmctx.storeBytes(of: v, toByteOffset: layout.definedGlobal(i), as: UInt64.self)
        }
        // Active data segments with constant offsets.
        for d in module.data {
            if case .active(let a) = d, case .i32Const(let off)? = a.offset.first, let memory {
                let bytes = Array(a.initializer)
                (memory + Int(UInt32(bitPattern: off))).copyMemory(from: bytes, byteCount: bytes.count)
            }
        }
        // Imported globals: a cell per import, initialised from `importedGlobals`.
        for i in 0..<module.importedGlobalCount {
            let cell = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
            cell.initialize(to: i < importedGlobals.count ? importedGlobals[i] : 0)
            importedGlobalCells.append(cell)
            vmctx.storeBytes(of: cell, toByteOffset: layout.importedGlobalPointer(i), as: UnsafeMutablePointer<UInt64>.self)
        }
        for (i, g) in globals.enumerated() {
            vmctx.storeBytes(of: g, toByteOffset: layout.definedGlobal(i), as: UInt64.self)
        }
        vmctx.storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), toByteOffset: VMContextLayout.instanceHandle, as: UnsafeMutableRawPointer.self)
        setUpTables()
        installBuiltins()
    }

    static func from(_ vmctx: UnsafeMutableRawPointer) -> TestInstance {
        Unmanaged<TestInstance>.fromOpaque(vmctx.load(fromByteOffset: VMContextLayout.instanceHandle, as: UnsafeMutableRawPointer.self)).takeUnretainedValue()
    }

    func funcRef(_ index: Int) -> UInt64 { UInt64(UInt(bitPattern: funcRefs + index * VMFuncRef.size)) }
    func lazyFuncRef(_ index: Int) -> UInt64 { UInt64(UInt(bitPattern: lazyFuncRefs + index * VMFuncRef.size)) }
    func definition(_ table: Int) -> UnsafeMutableRawPointer { vmctx + layout.definedTable(table - module.importedTableCount) }
    func tableLength(_ table: Int) -> Int { definition(table).load(fromByteOffset: VMTableDefinition.length, as: Int.self) }
    var tagged: Bool { strategy == .checked }

    /// Funcrefs (real and lazy), the lazy context and the tables: element segments are
    /// applied per strategy (lazy funcrefs for `image`, real for `eager`, nothing for
    /// `checked`, whose slow path computes the element).
    func setUpTables() {
        for i in 0..<module.functionTypeIndices.count {
            let code: UnsafeMutableRawPointer
            if i < module.importedFunctionCount {
                code = text + Int(code_hostStub(i))
            } else {
                code = text + Int(self.code.functions[i - module.importedFunctionCount].offset)
            }
            let id = typeIds[Int(module.functionTypeIndices[i])]
            let real = funcRefs + i * VMFuncRef.size
            real.storeBytes(of: code, toByteOffset: VMFuncRef.code, as: UnsafeMutableRawPointer.self)
            real.storeBytes(of: id, toByteOffset: VMFuncRef.typeId, as: UInt64.self)
            let callee = i < module.importedFunctionCount ? UnsafeMutableRawPointer(hostFunctions[i]) : vmctx
            real.storeBytes(of: callee, toByteOffset: VMFuncRef.vmctx, as: UnsafeMutableRawPointer.self)
            real.storeBytes(of: UInt64(i), toByteOffset: VMFuncRef.functionIndex, as: UInt64.self)
            let lazy = lazyFuncRefs + i * VMFuncRef.size
            let trampoline = text + Int(self.code.lazyTrampoline == UInt32.max ? 0 : self.code.lazyTrampoline)
            lazy.storeBytes(of: trampoline, toByteOffset: VMFuncRef.code, as: UnsafeMutableRawPointer.self)
            lazy.storeBytes(of: id, toByteOffset: VMFuncRef.typeId, as: UInt64.self)
            lazy.storeBytes(of: lazy, toByteOffset: VMFuncRef.vmctx, as: UnsafeMutableRawPointer.self)
            lazy.storeBytes(of: UInt32(i), toByteOffset: VMFuncRef.functionIndex, as: UInt32.self)
            lazy.storeBytes(
                of: UInt32(lazy - UnsafeMutableRawPointer(lazyContext)), toByteOffset: VMFuncRef.lazyContextOffset,
                as: UInt32.self)
        }
        let resolver: @convention(c) (UnsafeMutablePointer<UInt64>?, UnsafeMutablePointer<UInt64>?, UnsafeMutableRawPointer?) -> UInt64 = { ctx, slot, lazy in
            let instance = Unmanaged<TestInstance>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(ctx![1]))!).takeUnretainedValue()
            instance.resolverCalls += 1
            let index = lazy!.load(fromByteOffset: VMFuncRef.functionIndex, as: UInt32.self)
            let real = instance.funcRef(Int(index))
            slot!.pointee = real
            return real
        }
        lazyContext[0] = UInt64(UInt(bitPattern: unsafeBitCast(resolver, to: UnsafeRawPointer.self)))
        lazyContext[1] = UInt64(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()))
        for t in module.importedTableCount..<module.tables.count {
            let slots = UnsafeMutablePointer<UInt64>.allocate(capacity: Self.tableCapacity)
            slots.initialize(repeating: 0, count: Self.tableCapacity)  // null, or `checked`: uninitialized
            tableSlots.append(slots)
            let def = definition(t)
            def.storeBytes(of: slots, toByteOffset: VMTableDefinition.base, as: UnsafeMutablePointer<UInt64>.self)
            def.storeBytes(of: Int(module.tables[t].limits.min), toByteOffset: VMTableDefinition.length, as: Int.self)
        }
        guard !tagged else { return }
        for segment in module.elements {
            guard case .active(let table, let offset) = segment.mode, case .i32Const(let start)? = offset.first else { continue }
            let slots = tableSlots[Int(table) - module.importedTableCount]
            for (j, item) in segment.initializer.enumerated() {
                slots[Int(start) + j] = element(item)
            }
        }
    }

    /// The (real or lazy, per strategy) value of an element item.
    func element(_ item: ConstExpression, lazyAllowed: Bool = true) -> UInt64 {
        switch item.first {
        case .refFunc(let f)?:
            return strategy == .image && lazyAllowed && Int(f) >= module.importedFunctionCount ? lazyFuncRef(Int(f)) : funcRef(Int(f))
        default: return 0
        }
    }

    /// The value of slot `i` of defined table `t` as wasm sees it (never lazy).
    func readSlot(_ t: Int, _ i: Int) -> UInt64 {
        let slots = tableSlots[t - module.importedTableCount]
        var v = slots[i]
        if tagged && module.tables[t].elementType == .funcRef {
            if v == 0 {
                lazyInitCalls += 1
                v = initialValue(t, i)
                slots[i] = v | 1
            }
            return v & ~1
        }
        let lazyRange = UInt64(UInt(bitPattern: lazyFuncRefs))..<UInt64(UInt(bitPattern: lazyFuncRefs + module.functionTypeIndices.count * VMFuncRef.size))
        if lazyRange.contains(v) {
            v = funcRef(Int((v - lazyRange.lowerBound) / UInt64(VMFuncRef.size)))
            slots[i] = v
        }
        return v
    }

    func writeSlot(_ t: Int, _ i: Int, _ v: UInt64) {
        tableSlots[t - module.importedTableCount][i] = tagged && module.tables[t].elementType == .funcRef ? v | 1 : v
    }

    /// `checked`: what the element segments put in slot `i` (null if nothing).
    func initialValue(_ t: Int, _ i: Int) -> UInt64 {
        var v: UInt64 = 0
        for segment in module.elements {
            guard case .active(let table, let offset) = segment.mode, Int(table) == t, case .i32Const(let start)? = offset.first else { continue }
            let j = i - Int(start)
            if j >= 0 && j < segment.initializer.count { v = element(segment.initializer[j], lazyAllowed: false) }
        }
        return v
    }

    func installBuiltins() {
        typealias B2 = @convention(c) (UnsafeMutableRawPointer?, UInt32, UInt32) -> UInt64
        typealias B3 = @convention(c) (UnsafeMutableRawPointer?, UInt32, UInt32, UInt64) -> UInt64
        typealias B4 = @convention(c) (UnsafeMutableRawPointer?, UInt32, UInt32, UInt64, UInt32) -> Void
        typealias B1 = @convention(c) (UnsafeMutableRawPointer?, UInt32) -> UInt64
        typealias M3 = @convention(c) (UnsafeMutableRawPointer?, UInt32, UInt32, UInt32) -> Void
        let get: B2 = { ctx, t, i in
            let m = TestInstance.from(ctx!)
            precondition(Int(i) < m.tableLength(Int(t)), "table.get out of bounds")
            return m.readSlot(Int(t), Int(i))
        }
        let set: B3 = { ctx, t, i, v in
            let m = TestInstance.from(ctx!)
            precondition(Int(i) < m.tableLength(Int(t)), "table.set out of bounds")
            m.writeSlot(Int(t), Int(i), v)
            return 0
        }
        let grow: B3 = { ctx, t, delta, v in
            let m = TestInstance.from(ctx!)
            let old = m.tableLength(Int(t))
            if old + Int(delta) > TestInstance.tableCapacity { return UInt64(bitPattern: -1) }
            for i in old..<(old + Int(delta)) { m.writeSlot(Int(t), i, v) }
            m.definition(Int(t)).storeBytes(of: old + Int(delta), toByteOffset: VMTableDefinition.length, as: Int.self)
            return UInt64(old)
        }
        let fill: B4 = { ctx, t, dst, v, len in
            let m = TestInstance.from(ctx!)
            precondition(Int(dst) + Int(len) <= m.tableLength(Int(t)), "table.fill out of bounds")
            for i in Int(dst)..<(Int(dst) + Int(len)) { m.writeSlot(Int(t), i, v) }
        }
        let refFunc: B1 = { ctx, f in TestInstance.from(ctx!).funcRef(Int(f)) }
        let lazyInit: B2 = { ctx, t, i in TestInstance.from(ctx!).readSlot(Int(t), Int(i)) }
        let memFill: M3 = { ctx, dst, v, len in
            let m = TestInstance.from(ctx!)
            memset(m.memory! + Int(dst), Int32(v & 0xFF), Int(len))
        }
        let memCopy: M3 = { ctx, dst, src, len in
            let m = TestInstance.from(ctx!)
            memmove(m.memory! + Int(dst), m.memory! + Int(src), Int(len))
        }
        func put(_ b: Builtin, _ p: UnsafeRawPointer) {
            vmctx.storeBytes(of: p, toByteOffset: VMContextLayout.builtin(b), as: UnsafeRawPointer.self)
        }
        put(.tableGet, unsafeBitCast(get, to: UnsafeRawPointer.self))
        put(.tableSet, unsafeBitCast(set, to: UnsafeRawPointer.self))
        put(.tableGrow, unsafeBitCast(grow, to: UnsafeRawPointer.self))
        put(.tableFill, unsafeBitCast(fill, to: UnsafeRawPointer.self))
        put(.refFunc, unsafeBitCast(refFunc, to: UnsafeRawPointer.self))
        put(.tableLazyInit, unsafeBitCast(lazyInit, to: UnsafeRawPointer.self))
        put(.memoryFill, unsafeBitCast(memFill, to: UnsafeRawPointer.self))
        put(.memoryCopy, unsafeBitCast(memCopy, to: UnsafeRawPointer.self))
    }

    func code_hostStub(_ i: Int) -> UInt32 { code.hostCallStubs[Int(module.functionTypeIndices[i])] }

    deinit {
        munmap(text, textSize)
        if let memory { munmap(memory, Self.reservation) }
        vmctx.deallocate()
        memoryDefinition.deallocate()
        storeContext.deallocate()
        for h in hostFunctions { h.deallocate() }
        for c in importedGlobalCells { c.deallocate() }
        for t in tableSlots { t.deallocate() }
        typeIds.deallocate()
        funcRefs.deallocate()
        lazyContext.deallocate()
    }

    func global(_ definedIndex: Int) -> UInt64 {
        vmctx.load(fromByteOffset: layout.definedGlobal(definedIndex), as: UInt64.self)
    }

    /// Calls an exported function with raw 8-byte slots; returns the result slots.
    func call(_ name: String, _ args: [UInt64]) -> [UInt64] {
        guard let export = module.exports.first(where: { $0.name == name }), case .function(let index) = export.descriptor else {
            fatalError("no exported function \(name)")
        }
        let t = Int(module.functionTypeIndices[Int(index)])
        let type = module.types[t]
        let def = Int(index) - module.importedFunctionCount
        let entry = unsafeBitCast(text + Int(code.entryTrampolines[t]), to: Entry.self)
        var values = args + Array(repeating: 0, count: max(0, type.results.count - args.count) + 1)
        // A generous stack limit: the current stack minus 256 KiB.
        var probe = 0
        withUnsafeMutablePointer(to: &probe) { p in
            storeContext[0] = UInt64(UInt(bitPattern: p)) - 256 * 1024
        }
        values.withUnsafeMutableBufferPointer { buf in
            entry(vmctx, text + Int(code.functions[def].offset), buf.baseAddress)
        }
        return Array(values.prefix(type.results.count))
    }

    func i32(_ name: String, _ args: Int32...) -> Int32 {
        Int32(truncatingIfNeeded: call(name, args.map { UInt64(UInt32(bitPattern: $0)) })[0])
    }
    func i64(_ name: String, _ args: Int64...) -> Int64 {
        Int64(bitPattern: call(name, args.map { UInt64(bitPattern: $0) })[0])
    }
}

/// Raw value helpers.
func f32(_ x: Float) -> UInt64 { UInt64(x.bitPattern) }
func f64(_ x: Double) -> UInt64 { x.bitPattern }
func asF32(_ v: UInt64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: v)) }
func asF64(_ v: UInt64) -> Double { Double(bitPattern: v) }

import Foundation
import KilnABI
import Testing

@testable import KilnRuntime

/// Calls builtin `b` of `instance` the way generated code does (C ABI, vmctx first,
/// through the vmctx's function pointer), inside `kiln_invoke`, so a trap it raises
/// comes back as a `Trap`.
func callBuiltin(_ instance: Instance, _ b: Builtin, _ args: [UInt64]) -> (result: UInt64, trap: Trap?) {
    let fn = instance.vmctx.load(fromByteOffset: VMContextLayout.builtin(b), as: UnsafeRawPointer.self)
    var values = [UInt64](repeating: 0, count: 8)
    for (i, a) in args.enumerated() { values[i] = a }
    let outcome = values.withUnsafeMutableBufferPointer { buf in
        instance.store.enterWasm(
            entry: unsafeBitCast(builtinEntry, to: UnsafeRawPointer.self), vmctx: instance.vmctx, code: fn,
            values: buf.baseAddress!)
    }
    if case .trap(let t)? = outcome { return (0, t) }
    return (values[7], nil)
}

/// An "entry trampoline" in Swift: calls `code` (a builtin) with five arguments (extra
/// ones are ignored by the C ABI) and stores the result in `values[7]`. It holds no
/// references, so a trap's `siglongjmp` over it leaks nothing.
private let builtinEntry:
    @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutablePointer<UInt64>?) -> Void = {
        vmctx, code, v in
        typealias F5 = @convention(c) (UnsafeMutableRawPointer?, UInt64, UInt64, UInt64, UInt64, UInt64) -> UInt64
        let f = unsafeBitCast(code, to: F5.self)
        v![7] = f(vmctx, v![0], v![1], v![2], v![3], v![4])
    }

func tableInstance(_ o: TableFixture.Options = .init(), store: Store? = nil, imports: Imports = Imports()) throws
    -> Instance
{
    try Instance(module: try TableFixture.module(o), store: store ?? Store(engine: engine), imports: imports)
}

func trapKind(_ body: () throws -> Void) -> TrapKind? { trap(body)?.kind }

extension Instance {
    func funcRefValue(_ name: String) -> Value {
        .funcref(funcRef(of: function(named: name)!))
    }
}

@Suite struct TableTests {
    @Test func typeIdsAreCanonicalAcrossModules() throws {
        let a = try TableFixture.module()
        let b = try Module(bytes: HandAssembled.standard, engine: engine)
        // `() -> i32` is type 0 in both, `(i32) -> i32` type 1 here and 3 there.
        #expect(a.tableSupport.typeIds[0] == b.tableSupport.typeIds[0])
        #expect(a.tableSupport.typeIds[1] == b.tableSupport.typeIds[3])
        #expect(a.tableSupport.typeIds[0] != a.tableSupport.typeIds[1])
        for (i, t) in TableFixture.types.enumerated() {
            #expect(a.tableSupport.typeIds[i] == engine.typeId(of: t))
            #expect(a.tableSupport.typeIds[i] != 0)
        }
        // Every vmctx points at its module's array.
        let instance = try Instance(module: a, store: Store(engine: engine), imports: Imports())
        #expect(
            instance.vmctx.load(fromByteOffset: VMContextLayout.typeIds, as: UnsafeRawPointer.self)
                == UnsafeRawPointer(a.tableSupport.typeIds))
    }

    @Test func loaderRelocatesLazyFuncRefsAndImages() throws {
        let module = try TableFixture.module()
        let support = module.tableSupport
        let lazy = try #require(support.lazyFuncRefs)
        let code = UInt(bitPattern: module.codeBase!)
        for i in 0..<6 {
            let p = lazy + i * VMFuncRef.size
            #expect(
                p.load(fromByteOffset: VMFuncRef.code, as: UInt.self) == code + UInt(TableFixture.At.lazyTrampoline))
            let type = module.metadata.functions[i].typeIndex
            #expect(p.load(fromByteOffset: VMFuncRef.typeId, as: UInt64.self) == support.typeIds[Int(type)])
            // ABI 5: a lazy funcref is its own vmctx, and finds its module's lazy context
            // through its u32 offset.
            #expect(p.load(fromByteOffset: VMFuncRef.vmctx, as: UnsafeRawPointer.self) == UnsafeRawPointer(p))
            #expect(p.load(fromByteOffset: VMFuncRef.functionIndex, as: UInt32.self) == UInt32(i))
            let context = p - Int(p.load(fromByteOffset: VMFuncRef.lazyContextOffset, as: UInt32.self))
            #expect(
                context.load(fromByteOffset: VMLazyContext.resolver, as: UnsafeRawPointer.self)
                    == unsafeBitCast(lazyResolver, to: UnsafeRawPointer.self))
        }
        let image = try #require(support.images[0])
        #expect(image.slotCount == 1024)
        for i in 0..<1024 {
            let expected = TableFixture.item(i).map { UInt64(UInt(bitPattern: lazy) + UInt($0) * 32) } ?? 0
            #expect(image.slot(UInt64(i)) == expected)
        }
    }

    @Test func loaderRejectsBadImages() throws {
        var o = TableFixture.Options()
        o.slots = 3
        var m = TableFixture.metadata(o)
        // An image slot naming a function the module does not define.
        let good = TableFixture.assembly(o, layout: m.vmContextLayout)
        let bad = good.replacingOccurrences(of: " .quad 1\n .quad 2\n .quad 0", with: " .quad 1\n .quad 99\n .quad 0")
        #expect(bad != good)
        let e1 = #expect(throws: LoadError.self) {
            try Module(bytes: try TableFixture.link(assembly: bad, metadata: m), engine: engine)
        }
        #expect(e1?.kind == .corrupt)
        // The image's size disagrees with the table's minimum.
        m.tables[0].type.limits.minimum = 4
        let e2 = #expect(throws: LoadError.self) {
            try Module(bytes: try TableFixture.link(assembly: good, metadata: m), engine: engine)
        }
        #expect(e2?.kind == .corrupt)
        // A lazy funcref that does not match the metadata.
        m = TableFixture.metadata(o)
        let badLazy = good.replacingOccurrences(
            of: " .quad \(TableFixture.At.lazyTrampoline), 0, 0, 1",
            with: " .quad \(TableFixture.At.lazyTrampoline), 1, 0, 1")
        #expect(badLazy != good)
        let e3 = #expect(throws: LoadError.self) {
            try Module(bytes: try TableFixture.link(assembly: badLazy, metadata: m), engine: engine)
        }
        #expect(e3?.kind == .corrupt)
        // An element segment naming a missing table.
        m.elementSegments[0].mode = .active(table: 3, offset: ConstExpr([.i32Const(0)]))
        #expect(throws: LoadError.self) {
            try Module(bytes: try TableFixture.link(assembly: good, metadata: m), engine: engine)
        }
    }

    @Test func lazySlotFirstReachedByCallIndirectPatchesItsPage() throws {
        let instance = try tableInstance()
        let table = instance.tables[0]
        #expect(table.state(0) == .lazy)
        #expect(table.state(2) == .null)
        #expect(try instance.call("callIndirect", [.i32(0)]) == [.i32(1)])
        #expect(try instance.call("callIndirect", [.i32(4)]) == [.i32(2)])
        // The whole first page (512 slots) is patched, the second is untouched.
        for i in 0..<512 {
            #expect(table.state(UInt64(i)) == (TableFixture.item(i) == nil ? .null : .real))
        }
        for i in 512..<1024 where TableFixture.item(i) != nil { #expect(table.state(UInt64(i)) == .lazy) }
        #expect(try instance.call("callIndirect", [.i32(1000)]) == [.i32(TableFixture.item(1000) == 0 ? 1 : 2)])
        #expect(table.state(513) == .real)
        // Patched slots hold the instance's funcref: the same as ref.func.
        #expect(try instance.table(index: 0)!.get(0) == instance.funcRefValue("one"))
        // Every slot calls the right function, in any order.
        for i in (0..<1024).reversed() {
            guard let f = TableFixture.item(i), f <= 1 else { continue }
            #expect(try instance.call("callIndirect", [.i32(UInt32(i))]) == [.i32(f + 1)])
        }
    }

    @Test func callIndirectTraps() throws {
        for strategy in TableInitStrategy.allCases {
            var o = TableFixture.Options()
            o.strategy = strategy
            let instance = try tableInstance(o)
            let t1 = trap { _ = try instance.call("callIndirect", [.i32(2)]) }
            #expect(t1?.kind == .uninitializedElement)
            #expect(t1?.function == "callIndirect")
            #expect(trapKind { _ = try instance.call("callIndirect", [.i32(5)]) } == .indirectCallTypeMismatch)
            #expect(trapKind { _ = try instance.call("callIndirect", [.i32(1024)]) } == .undefinedElement)
            // A trap inside a function reached through a lazy slot names that function.
            let t2 = trap { _ = try instance.call("callIndirect", [.i32(8)]) }
            #expect(t2?.kind == .unreachable)
            #expect(t2?.function == "boom")
            #expect(try instance.call("callIndirect", [.i32(9)]) == [.i32(1)])
        }
    }

    @Test func tableGetNeverReturnsALazyFuncRef() throws {
        let instance = try tableInstance()
        let storage = instance.tables[0]
        let table = try #require(instance.table(index: 0))
        #expect(storage.state(700) == .lazy)
        let v = try table.get(700)
        #expect(storage.state(700) == .real)
        guard case .funcref(let ref?) = v else {
            Issue.record("\(v)")
            return
        }
        #expect(FuncRefs.isReal(ref.address))
        #expect(v == instance.funcRefValue(TableFixture.item(700) == 0 ? "one" : "two"))
        // The builtin (what table.get compiles to) too.
        #expect(storage.state(703) == .lazy)
        let (r, t) = callBuiltin(instance, .tableGet, [0, 703])
        #expect(t == nil)
        #expect(storage.state(703) == .real)
        #expect(r == UInt64(UInt(bitPattern: instance.funcRef(index: Int(TableFixture.item(703)!)))))
        // Handed to the host and called from there.
        let f = try #require(Function(ref))
        #expect(try f.call([]) == [.i32(TableFixture.item(700)! + 1)])
        #expect(try table.get(2) == .funcref(nil))
    }

    @Test func refFuncIdentityIsStable() throws {
        let instance = try tableInstance()
        let one = instance.function(named: "one")!
        let a = try #require(instance.funcRef(of: one))
        #expect(instance.funcRef(of: one) == a)
        #expect(one.funcRef == a)
        #expect(callBuiltin(instance, .refFunc, [0]).result == UInt64(a.address))
        #expect(callBuiltin(instance, .refFunc, [0]).result == UInt64(a.address))
        #expect(try instance.table(index: 0)!.get(0) == .funcref(a))
        #expect(try instance.call("callIndirect", [.i32(3)]) == [.i32(1)])
        #expect(try instance.table(index: 0)!.get(3) == .funcref(a))
        // The funcref is a real VMFuncRef of this instance.
        let p = UnsafeRawPointer(bitPattern: a.address)!
        #expect(p.load(fromByteOffset: VMFuncRef.vmctx, as: UnsafeRawPointer.self) == UnsafeRawPointer(instance.vmctx))
        #expect(p.load(fromByteOffset: VMFuncRef.typeId, as: UInt64.self) == engine.typeId(of: TableFixture.types[0]))
        // Other instances have their own.
        let other = try tableInstance()
        #expect(other.funcRef(of: other.function(named: "one")!) != a)
    }

    @Test func checkedStrategyInitializesOnFirstUse() throws {
        var o = TableFixture.Options()
        o.strategy = .checked
        let instance = try tableInstance(o)
        let storage = instance.tables[0]
        for i in 0..<1024 { #expect(storage.state(UInt64(i)) == .uninitialized) }
        #expect(try instance.call("callIndirect", [.i32(0)]) == [.i32(1)])
        #expect(storage.state(0) == .real)
        #expect(storage.state(3) == .uninitialized)
        #expect(trapKind { _ = try instance.call("callIndirect", [.i32(2)]) } == .uninitializedElement)
        #expect(storage.state(2) == .null)
        let (r, t) = callBuiltin(instance, .tableLazyInit, [0, 4])
        #expect(t == nil)
        #expect(r == UInt64(UInt(bitPattern: instance.funcRef(index: 1))))
        #expect(storage.state(4) == .real)
        #expect(try instance.table(index: 0)!.get(7) == instance.funcRefValue("two"))
        #expect(try instance.call("callIndirect", [.i32(7)]) == [.i32(2)])
        // Writes store tagged values that read back untagged.
        try instance.table(index: 0)!.set(10, instance.funcRefValue("one"))
        #expect(try instance.call("callIndirect", [.i32(10)]) == [.i32(1)])
        try instance.table(index: 0)!.set(0, .funcref(nil))
        #expect(trapKind { _ = try instance.call("callIndirect", [.i32(0)]) } == .uninitializedElement)
    }

    @Test func eagerStrategyFillsEverySlot() throws {
        var o = TableFixture.Options()
        o.strategy = .eager
        let instance = try tableInstance(o)
        let storage = instance.tables[0]
        for i in 0..<1024 { #expect(storage.state(UInt64(i)) == (TableFixture.item(i) == nil ? .null : .real)) }
        #expect(try instance.call("callIndirect", [.i32(1)]) == [.i32(2)])
        #expect(try instance.table(index: 0)!.get(1) == instance.funcRefValue("two"))
    }

    @Test func importedTableResolvesAgainstItsOwner() throws {
        let store = Store(engine: engine)
        let exporter = try tableInstance(store: store)
        var imports = Imports()
        imports.define(module: "env", instance: exporter)
        var o = TableFixture.Options()
        o.importsTable = true
        o.base = 10
        let importer = try tableInstance(o, store: store, imports: imports)
        #expect(exporter.tables[0].state(0) == .lazy)
        // The importer's call_indirect fires the exporter's lazy slot: the exporter's `one`.
        #expect(try importer.call("callIndirect", [.i32(0)]) == [.i32(1)])
        #expect(try importer.call("callIndirect", [.i32(600)]) == [.i32(TableFixture.item(600)! + 1)])
        #expect(try importer.table(index: 0)!.get(0) == exporter.funcRefValue("one"))
        #expect(try importer.call("one") == [.i32(11)])
        // The importer writes its own function into the shared table.
        try importer.table(index: 0)!.set(1, importer.funcRefValue("two"))
        #expect(try exporter.call("callIndirect", [.i32(1)]) == [.i32(12)])
    }

    @Test func tableImportsAreTypeChecked() throws {
        var o = TableFixture.Options()
        o.importsTable = true
        let module = try TableFixture.module(o)
        func link(_ t: Table) -> RuntimeError? {
            var imports = Imports()
            imports.define(module: "env", name: "tab", .table(t))
            do {
                _ = try Instance(module: module, store: Store(engine: engine), imports: imports)
                return nil
            } catch { return error }
        }
        func isIncompatible(_ e: RuntimeError?) -> Bool {
            if case .link(let m, _, _)? = e { return m == "incompatible import type" }
            return false
        }
        #expect(isIncompatible(link(try Table(element: .externref, minimum: 1024, maximum: 2048))))
        #expect(isIncompatible(link(try Table(element: .funcref, minimum: 10, maximum: 2048))))
        #expect(isIncompatible(link(try Table(element: .funcref, minimum: 1024))))
        #expect(isIncompatible(link(try Table(element: .funcref, minimum: 1024, maximum: 4096))))
        #expect(link(try Table(element: .funcref, minimum: 1024, maximum: 2048)) == nil)
        #expect(link(try Table(element: .funcref, minimum: 2000, maximum: 2000)) == nil)
        var imports = Imports()
        imports.define(
            module: "env", name: "tab", .global(try Global(type: .init(kind: .i32, isMutable: false), value: .i32(0))))
        #expect(throws: RuntimeError.self) {
            try Instance(module: module, store: Store(engine: engine), imports: imports)
        }
    }

    @Test func hostTables() throws {
        let instance = try tableInstance()
        let t = try Table(element: .funcref, minimum: 10, maximum: 20)
        #expect(t.size == 10)
        #expect(try t.get(3) == .funcref(nil))
        let one = instance.funcRefValue("one")
        try t.set(3, one)
        #expect(try t.get(3) == one)
        #expect(throws: RuntimeError.self) { try t.set(10, one) }
        #expect(throws: RuntimeError.self) { try t.get(10) }
        #expect(throws: RuntimeError.self) { try t.set(0, .funcref(FuncRef(address: 0x1000))) }
        #expect(throws: RuntimeError.self) { try t.set(0, .externref(1)) }
        // A lazy funcref is not a funcref the host may hand in.
        let lazy = UInt(bitPattern: instance.module.tableSupport.lazyFuncRefs!)
        #expect(throws: RuntimeError.self) { try t.set(0, .funcref(FuncRef(address: lazy))) }
        #expect(try t.grow(by: 5, initialValue: one) == 10)
        #expect(try t.get(14) == one)
        #expect(try t.grow(by: 6) == nil)
        #expect(t.size == 15)
        let e = try Table(element: .externref, minimum: 2, initialValue: .externref(7))
        #expect(try e.get(1) == .externref(7))
        try e.set(0, .externref(0))
        #expect(try e.get(0) == .externref(0))
        try e.set(0, .externref(nil))
        #expect(try e.get(0) == .externref(nil))
        // Host funcrefs are checked when passed to wasm too.
        #expect(throws: RuntimeError.self) {
            try Function(HostFunction(parameters: [.funcref], results: []) { _, _ in [] }).call([
                .funcref(FuncRef(address: 0x1000))
            ])
        }
    }

    @Test func exportsIncludeTables() throws {
        let instance = try tableInstance()
        guard case .table(let t)? = instance.export(named: "tab") else {
            Issue.record("no table export")
            return
        }
        #expect(t.size == 1024)
        #expect(t.type == TableTypeEntry(element: .funcref, limits: MemoryLimits(minimum: 1024, maximum: 2048)))
        #expect(
            instance.module.exports.contains {
                $0.name == "tab"
                    && $0.type
                        == .table(TableTypeEntry(element: .funcref, limits: MemoryLimits(minimum: 1024, maximum: 2048)))
            })
        #expect(instance.exports.contains { $0.name == "tab" })
    }
}

@Suite struct FuncRefValueTests {
    @Test func hostFuncRefsMustBeReal() throws {
        let instance = try tableInstance()
        let one = instance.funcRefValue("one")
        let bogus = Value.funcref(FuncRef(address: 0x1000))
        let g = try Global(type: GlobalTypeEntry(kind: .funcref, isMutable: true), value: one)
        #expect(g.value == one)
        #expect(throws: RuntimeError.self) { try g.set(bogus) }
        #expect(throws: RuntimeError.self) {
            try Global(type: GlobalTypeEntry(kind: .funcref, isMutable: true), value: bogus)
        }
        let host = HostFunction(parameters: [], results: [.funcref]) { _, _ in [bogus] }
        #expect(trap { _ = try Function(host).call([]) }?.kind == .hostError)
        // A funcref of a freed instance is no longer accepted.
        var address: UInt = 0
        do {
            let temporary = try tableInstance()
            address = temporary.funcRef(of: temporary.function(named: "two")!)!.address
            #expect(FuncRefs.isReal(address))
        }
        #expect(!FuncRefs.isReal(address))
    }
}

@Suite struct TableLifetimeTests {
    @Test func aTableKeepsTheInstancesOfItsFuncRefsAlive() throws {
        let host = try Table(element: .funcref, minimum: 1024, maximum: 2048)
        var address: UInt = 0
        do {
            var imports = Imports()
            imports.define(module: "env", name: "tab", .table(host))
            var o = TableFixture.Options()
            o.importsTable = true
            let writer = try tableInstance(o, imports: imports)
            address = writer.funcRef(of: writer.function(named: "one")!)!.address
            // The writer stores its own funcref into the host's table (table.set).
            #expect(callBuiltin(writer, .tableSet, [0, 3, UInt64(address)]).trap == nil)
        }
        // The writer is gone from the host's hands, but the table keeps it alive.
        #expect(FuncRefs.isReal(address))
        guard case .funcref(let ref?) = try host.get(3) else {
            Issue.record("null")
            return
        }
        #expect(ref.address == address)
        #expect(try Function(ref)?.call([]) == [.i32(1)])
    }
}

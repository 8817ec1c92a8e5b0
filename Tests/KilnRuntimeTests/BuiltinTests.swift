import Foundation
import KilnABI
import Testing

@testable import KilnRuntime

/// Every builtin called as generated code calls it, with the spec's bounds rules: a trap
/// before any write.
@Suite struct BuiltinTests {
    let oobMemory = TrapKind.outOfBoundsMemoryAccess
    let oobTable = TrapKind.outOfBoundsTableAccess

    @Test func memoryFillAndCopy() throws {
        let instance = try tableInstance()
        let memory = instance.memory!
        #expect(callBuiltin(instance, .memoryFill, [65530, 7, 10]).trap?.kind == oobMemory)
        #expect(try memory.read(at: 65530, count: 6) == [0, 0, 0, 0, 0, 0])
        #expect(callBuiltin(instance, .memoryFill, [65530, 0x107, 6]).trap == nil)
        #expect(try memory.read(at: 65530, count: 6) == [7, 7, 7, 7, 7, 7])
        #expect(callBuiltin(instance, .memoryFill, [65536, 7, 0]).trap == nil)
        #expect(callBuiltin(instance, .memoryFill, [65537, 7, 0]).trap?.kind == oobMemory)
        try memory.write(Array(1...10), at: 0)
        #expect(callBuiltin(instance, .memoryCopy, [2, 0, 8]).trap == nil)  // overlapping, forwards
        #expect(try memory.read(at: 0, count: 10) == [1, 2, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(callBuiltin(instance, .memoryCopy, [0, 2, 8]).trap == nil)  // overlapping, backwards
        #expect(try memory.read(at: 0, count: 10) == [1, 2, 3, 4, 5, 6, 7, 8, 7, 8])
        #expect(callBuiltin(instance, .memoryCopy, [0, 65530, 7]).trap?.kind == oobMemory)
        #expect(callBuiltin(instance, .memoryCopy, [65530, 0, 7]).trap?.kind == oobMemory)
        #expect(try memory.read(at: 0, count: 10) == [1, 2, 3, 4, 5, 6, 7, 8, 7, 8])
        // Large copies run at memmove speed (a byte loop would take seconds here).
        _ = memory.grow(by: 1)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<1000 { _ = callBuiltin(instance, .memoryCopy, [0, 65536, 65536]) }
        #expect(DispatchTime.now().uptimeNanoseconds - start < 2_000_000_000)
    }

    @Test func memoryInitAndDataDrop() throws {
        let instance = try tableInstance()
        let memory = instance.memory!
        #expect(try memory.read(at: 100, count: 2) == [9, 9])  // the active segment
        #expect(callBuiltin(instance, .memoryInit, [0, 10, 1, 3]).trap == nil)
        #expect(try memory.read(at: 10, count: 3) == [2, 3, 4])
        #expect(callBuiltin(instance, .memoryInit, [0, 20, 3, 3]).trap?.kind == oobMemory)  // past the segment
        #expect(callBuiltin(instance, .memoryInit, [0, 65535, 0, 2]).trap?.kind == oobMemory)  // past memory
        #expect(try memory.read(at: 20, count: 2) == [0, 0])
        #expect(callBuiltin(instance, .memoryInit, [0, 65536, 5, 0]).trap == nil)
        // An active segment has been dropped by instantiation.
        #expect(callBuiltin(instance, .memoryInit, [1, 0, 0, 0]).trap == nil)
        #expect(callBuiltin(instance, .memoryInit, [1, 0, 0, 1]).trap?.kind == oobMemory)
        #expect(callBuiltin(instance, .dataDrop, [0]).trap == nil)
        #expect(callBuiltin(instance, .memoryInit, [0, 0, 0, 0]).trap == nil)
        #expect(callBuiltin(instance, .memoryInit, [0, 0, 0, 1]).trap?.kind == oobMemory)
        #expect(callBuiltin(instance, .dataDrop, [0]).trap == nil)  // twice is fine
        // Per instance: another instance still has the segment.
        let other = try tableInstance()
        #expect(callBuiltin(other, .memoryInit, [0, 0, 0, 5]).trap == nil)
    }

    @Test func tableGetSetGrowFill() throws {
        for strategy in TableInitStrategy.allCases {
            var o = TableFixture.Options()
            o.strategy = strategy
            let instance = try tableInstance(o)
            let storage = instance.tables[0]
            let one = UInt64(UInt(bitPattern: instance.funcRef(index: 0)))
            let two = UInt64(UInt(bitPattern: instance.funcRef(index: 1)))
            #expect(callBuiltin(instance, .tableGet, [0, 1024]).trap?.kind == oobTable)
            #expect(callBuiltin(instance, .tableGet, [0, 1]).result == two)
            #expect(callBuiltin(instance, .tableSet, [0, 1024, one]).trap?.kind == oobTable)
            #expect(callBuiltin(instance, .tableSet, [0, 2, one]).trap == nil)
            #expect(callBuiltin(instance, .tableGet, [0, 2]).result == one)
            #expect(try instance.call("callIndirect", [.i32(2)]) == [.i32(1)])
            #expect(callBuiltin(instance, .tableSet, [0, 2, 0]).trap == nil)
            #expect(callBuiltin(instance, .tableGet, [0, 2]).result == 0)
            // fill: bounds first, nothing written on a trap.
            #expect(callBuiltin(instance, .tableFill, [0, 1020, two, 5]).trap?.kind == oobTable)
            #expect(callBuiltin(instance, .tableGet, [0, 1022]).result == 0)
            #expect(callBuiltin(instance, .tableFill, [0, 1020, two, 4]).trap == nil)
            #expect(callBuiltin(instance, .tableGet, [0, 1022]).result == two)
            #expect(callBuiltin(instance, .tableFill, [0, 1024, two, 0]).trap == nil)
            #expect(callBuiltin(instance, .tableFill, [0, 1025, two, 0]).trap?.kind == oobTable)
            // grow: old size, or -1 past the maximum (2048).
            #expect(callBuiltin(instance, .tableGrow, [0, 1025, 0]).result == UInt64(bitPattern: -1))
            #expect(callBuiltin(instance, .tableGrow, [0, 24, one]).result == 1024)
            #expect(storage.length == 1048)
            #expect(callBuiltin(instance, .tableGet, [0, 1047]).result == one)
            #expect(callBuiltin(instance, .tableGrow, [0, 1000, 0]).result == 1048)
            #expect(callBuiltin(instance, .tableGet, [0, 2047]).result == 0)
            #expect(try instance.call("callIndirect", [.i32(1047)]) == [.i32(1)])
            #expect(trapKind { _ = try instance.call("callIndirect", [.i32(2047)]) } == .uninitializedElement)
            #expect(callBuiltin(instance, .tableGrow, [0, 1, 0]).result == UInt64(bitPattern: -1))
            #expect(callBuiltin(instance, .tableGrow, [0, 0, 0]).result == 2048)
        }
    }

    @Test func tableCopyResolvesLazySlots() throws {
        let instance = try tableInstance()
        let storage = instance.tables[0]
        #expect(callBuiltin(instance, .tableCopy, [0, 0, 1000, 600, 25]).trap?.kind == oobTable)
        #expect(callBuiltin(instance, .tableCopy, [0, 0, 600, 1000, 25]).trap?.kind == oobTable)
        #expect(storage.state(600) == .lazy)
        #expect(storage.state(1000) == .lazy)
        #expect(callBuiltin(instance, .tableCopy, [0, 0, 1024, 0, 0]).trap == nil)
        #expect(callBuiltin(instance, .tableCopy, [0, 0, 1025, 0, 0]).trap?.kind == oobTable)
        // Copy lazy slots 600..<603 to 10..<13: the copies are real funcrefs.
        #expect(callBuiltin(instance, .tableCopy, [0, 0, 10, 600, 3]).trap == nil)
        for i in 0..<3 {
            let expected = TableFixture.item(600 + i)
            #expect(storage.state(UInt64(10 + i)) == (expected == nil ? .null : .real))
            #expect(
                callBuiltin(instance, .tableGet, [0, UInt64(10 + i)]).result
                    == (expected.map { UInt64(UInt(bitPattern: instance.funcRef(index: Int($0)))) } ?? 0))
        }
        // Overlapping copies in both directions.
        let ref = { (i: Int) in UInt64(UInt(bitPattern: instance.funcRef(index: i))) }
        for (i, f) in [0, 1, 4, 0, 1].enumerated() {
            _ = callBuiltin(instance, .tableSet, [0, UInt64(900 + i), ref(f)])
        }
        #expect(callBuiltin(instance, .tableCopy, [0, 0, 901, 900, 4]).trap == nil)
        #expect(
            (900..<905).map { callBuiltin(instance, .tableGet, [0, UInt64($0)]).result } == [0, 0, 1, 4, 0].map(ref))
        #expect(callBuiltin(instance, .tableCopy, [0, 0, 900, 901, 4]).trap == nil)
        #expect(
            (900..<905).map { callBuiltin(instance, .tableGet, [0, UInt64($0)]).result } == [0, 1, 4, 0, 0].map(ref))
    }

    @Test func tableCopyByAnImporterResolvesAgainstTheOwner() throws {
        let store = Store(engine: engine)
        let exporter = try tableInstance(store: store)
        var imports = Imports()
        imports.define(module: "env", instance: exporter)
        var o = TableFixture.Options()
        o.importsTable = true
        o.base = 10
        let importer = try tableInstance(o, store: store, imports: imports)
        // table.copy run by the importer on the imported table: lazy sources resolve to
        // the exporter's functions.
        #expect(callBuiltin(importer, .tableCopy, [0, 0, 10, 600, 6]).trap == nil)
        for i in 0..<6 {
            let f = TableFixture.item(600 + i)
            #expect(
                callBuiltin(importer, .tableGet, [0, UInt64(10 + i)]).result
                    == (f.map { UInt64(UInt(bitPattern: exporter.funcRef(index: Int($0)))) } ?? 0))
            if let f, f <= 1 { #expect(try importer.call("callIndirect", [.i32(UInt32(10 + i))]) == [.i32(f + 1)]) }
        }
        // Into a host table (another table), then called from the importer.
        let host = try Table(element: .funcref, minimum: 1024, maximum: 2048)
        var imports2 = Imports()
        imports2.define(module: "env", name: "tab", .table(host))
        let second = try tableInstance(o, store: store, imports: imports2)
        for i in 0..<6 { try host.set(UInt64(i), try exporter.table(index: 0)!.get(UInt64(700 + i))) }
        for i in 0..<6 {
            if let f = TableFixture.item(700 + i), f <= 1 {
                #expect(try second.call("callIndirect", [.i32(UInt32(i))]) == [.i32(f + 1)])
            }
        }
    }

    @Test func tableInitAndElemDrop() throws {
        let instance = try tableInstance()
        let ref = { (i: Int) in UInt64(UInt(bitPattern: instance.funcRef(index: i))) }
        // The passive segment is [two, null, one] (segment 1).
        #expect(callBuiltin(instance, .tableInit, [0, 1, 20, 0, 3]).trap == nil)
        #expect((20..<23).map { callBuiltin(instance, .tableGet, [0, UInt64($0)]).result } == [ref(1), 0, ref(0)])
        #expect(callBuiltin(instance, .tableInit, [0, 1, 30, 1, 3]).trap?.kind == oobTable)
        #expect(callBuiltin(instance, .tableInit, [0, 1, 1022, 0, 3]).trap?.kind == oobTable)
        #expect(instance.tables[0].state(1022) == .null)
        #expect(callBuiltin(instance, .tableInit, [0, 1, 1024, 3, 0]).trap == nil)
        // Active (in the image) and declarative segments count as dropped.
        #expect(callBuiltin(instance, .tableInit, [0, 0, 0, 0, 0]).trap == nil)
        #expect(callBuiltin(instance, .tableInit, [0, 0, 0, 0, 1]).trap?.kind == oobTable)
        #expect(callBuiltin(instance, .tableInit, [0, 2, 0, 0, 1]).trap?.kind == oobTable)
        #expect(callBuiltin(instance, .elemDrop, [1]).trap == nil)
        #expect(callBuiltin(instance, .tableInit, [0, 1, 20, 0, 1]).trap?.kind == oobTable)
        #expect(callBuiltin(instance, .tableInit, [0, 1, 20, 0, 0]).trap == nil)
    }

    @Test func builtinTrapNamesTheWasmFunction() throws {
        let instance = try tableInstance()
        let t = trap { _ = try instance.call("fill", [.i32(1020), .i32(10)]) }
        #expect(t?.kind == oobTable)
        #expect(t?.function == "fill")
        #expect(instance.tables[0].state(1020) == .lazy)  // nothing written
        try instance.call("fill", [.i32(1020), .i32(4)])
        #expect(instance.tables[0].state(1020) == .null)
        // The instance stays usable; a trap storm through builtins leaks no invoke records.
        for _ in 0..<1000 { _ = trap { _ = try instance.call("fill", [.i32(2000), .i32(1)]) } }
        #expect(kilnInvokeDepth() == 0)
        #expect(try instance.call("callIndirect", [.i32(0)]) == [.i32(1)])
    }

    @Test func activeSegmentsOutsideAnImageTrapAtInstantiation() throws {
        var o = TableFixture.Options()
        o.strategy = .eager
        var m = TableFixture.metadata(o)
        m.elementSegments.insert(
            ElementSegmentEntry(
                mode: .active(table: 0, offset: ConstExpr([.i32Const(1023)])), kind: .funcref,
                items: [ConstExpr([.refFunc(0)]), ConstExpr([.refFunc(0)])], isInImage: false), at: 1)
        let bytes = try TableFixture.link(assembly: TableFixture.assembly(o, layout: m.vmContextLayout), metadata: m)
        let module = try Module(bytes: bytes, engine: engine)
        do {
            _ = try Instance(module: module, store: Store(engine: engine), imports: Imports())
            Issue.record("instantiated")
        } catch {
            guard case .trap(let t) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(t.kind == .outOfBoundsTableAccess)
        }
    }
}

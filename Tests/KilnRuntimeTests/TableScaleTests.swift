import Foundation
import KilnABI
import Testing

@testable import KilnRuntime

/// Instantiation with an `image` table does no per-slot work, and instances of one module
/// run on several threads at once.
@Suite(.serialized) struct TableScaleTests {
    static func median(_ xs: [UInt64]) -> UInt64 { xs.sorted()[xs.count / 2] }

    static func instantiationTimes(_ module: Module, count: Int) throws -> [UInt64] {
        let store = Store(engine: engine)
        var times: [UInt64] = []
        for _ in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            let instance = try Instance(module: module, store: store, imports: Imports())
            times.append(DispatchTime.now().uptimeNanoseconds - start)
            withExtendedLifetime(instance) {}
        }
        return times
    }

    @Test func millionSlotImageTableInstantiatesFlat() throws {
        var big = TableFixture.Options()
        big.slots = 1 << 20
        big.maximum = nil
        big.segmentInMetadata = false
        big.memory = false
        var smallOptions = TableFixture.Options()
        smallOptions.memory = false
        let small = try TableFixture.module(smallOptions)
        let large = try TableFixture.module(big)
        #expect(large.tableSupport.images[0]?.slotCount == 1 << 20)
        _ = try Self.instantiationTimes(small, count: 20)  // warm up
        _ = try Self.instantiationTimes(large, count: 20)
        let s = Self.median(try Self.instantiationTimes(small, count: 200))
        let l = Self.median(try Self.instantiationTimes(large, count: 200))
        // Flat in table size: an O(slots) instantiation would take milliseconds here.
        #expect(l < s * 2 + 20_000, "1k slots: \(s) ns, 1M slots: \(l) ns")
        // Resident memory: 100 live instances of the 1M-slot module cost a few pages each
        // (vmctx, funcref array), not the 8 MiB table each.
        let store = Store(engine: engine)
        let before = residentPages()
        var instances: [Instance] = []
        for _ in 0..<100 { instances.append(try Instance(module: large, store: store, imports: Imports())) }
        let grown = (residentPages() - before) * Posix.pageSize
        #expect(grown < 100 * 64 * 1024, "100 instances added \(grown) bytes")
        print(
            "image table instantiation (no memory): 1k slots \(s) ns, 1M slots \(l) ns; 100 live 1M-slot instances +\(grown) bytes resident"
        )
        // A call through the last slot copies one page of the table, not all of it.
        let last = UInt32((1 << 20) - 1)  // slot 1048575: 1048575 % 3 == 0 -> one
        #expect(try instances[0].call("callIndirect", [.i32(last)]) == [.i32(1)])
        #expect(instances[0].tables[0].state(UInt64(last)) == .real)
        #expect(instances[0].tables[0].state(0) == .lazy)
        #expect(instances[1].tables[0].state(UInt64(last)) == .lazy)
        // A sweep over every slot works and patches a page per trampoline.
        for i in stride(from: 0, to: 1 << 20, by: 3) {
            if try instances[2].call("callIndirect", [.i32(UInt32(i))]) != [.i32(1)] {
                Issue.record("slot \(i)")
                break
            }
        }
        instances.removeAll()
    }

    @Test func firstSweepPatchesWholePages() throws {
        var o = TableFixture.Options()
        o.slots = 1 << 20
        o.maximum = nil
        o.segmentInMetadata = false
        o.dense = true
        let instance = try Instance(module: try TableFixture.module(o), store: Store(engine: engine), imports: Imports())
        let sweep = try instance.typedFunction(named: "sweep", params: Int32.self, results: Int32.self)
        let n: Int32 = 1 << 20
        let expected = Int32(truncatingIfNeeded: (1 << 19) * 3)  // 1 + 2 per pair
        var t = DispatchTime.now().uptimeNanoseconds
        #expect(try sweep(n) == expected)
        let first = DispatchTime.now().uptimeNanoseconds - t
        t = DispatchTime.now().uptimeNanoseconds
        #expect(try sweep(n) == expected)
        let second = DispatchTime.now().uptimeNanoseconds - t
        for i in stride(from: 0, to: 1 << 20, by: 4099) { #expect(instance.tables[0].state(UInt64(i)) == .real) }
        print(
            "1M-slot sweep: first \(first / 1_000_000) ms (\(first >> 20) ns/slot), second \(second / 1_000_000) ms (\(second >> 20) ns/slot)"
        )
        // One trampoline per page of 512 slots: the first sweep stays within a small
        // factor of the warm one (generous here: a debug build, a shared machine).
        #expect(first < second * 20 + 200_000_000)
    }

    @Test func threadsEachDriveTheirOwnInstance() throws {
        let module = try TableFixture.module()
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            do {
                for _ in 0..<5 {
                    let instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
                    var order = Array(0..<1024)
                    order.shuffle()
                    for i in order {
                        guard let f = TableFixture.item(i), f <= 1 else { continue }
                        if try instance.call("callIndirect", [.i32(UInt32(i))]) != [.i32(f + 1)] {
                            failures.add("thread \(t): slot \(i)")
                        }
                    }
                    let expected = instance.funcRefValue("two")
                    if try instance.table(index: 0)!.get(1) != expected { failures.add("thread \(t): get") }
                }
            } catch {
                failures.add("thread \(t): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
    }
}

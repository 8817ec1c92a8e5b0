import Foundation
import KilnABI
import Testing

@testable import KilnRuntime

struct HostFailure: Error, CustomStringConvertible {
    var description: String { "the host says no" }
}

/// Imports for the hand-assembled fixture: `env.double` doubles, or fails on 13.
func fixtureImports() -> Imports {
    var imports = Imports()
    imports.define(
        module: "env", name: "double",
        HostFunction(parameters: [.i32], results: [.i32]) { caller, args in
            guard case .i32(let x) = args[0] else { return [] }
            if x == 13 { throw HostFailure() }
            if x == 99 {
                // Reads the caller's memory through Caller.
                let b = try caller.memory!.read(at: 0, count: 1)
                return [.i32(UInt32(b[0]))]
            }
            return [.i32(x &* 2)]
        })
    return imports
}

func fixtureInstance(store: Store? = nil) throws -> Instance {
    let module = try Module(bytes: HandAssembled.standard, engine: engine)
    return try Instance(module: module, store: store ?? Store(engine: engine), imports: fixtureImports())
}

@Suite struct InstanceTests {
    @Test func callReturnsAValue() throws {
        let instance = try fixtureInstance()
        #expect(try instance.call("answer") == [.i32(42)])
        #expect(try instance.call("add", [.i32(40), .i32(2)]) == [.i32(42)])
        #expect(try instance.call("add", [.i32(UInt32.max), .i32(2)]) == [.i32(1)])
    }

    @Test func typedCall() throws {
        let instance = try fixtureInstance()
        let add = try instance.typedFunction(named: "add", params: Int32.self, Int32.self, results: Int32.self)
        #expect(try add(20, 22) == 42)
        #expect(try add(-5, 2) == -3)
        let answer = try instance.typedFunction(named: "answer", results: Int32.self)
        #expect(try answer() == 42)
        let boom = try instance.typedFunction(named: "boom", results: NoResults.self)
        #expect(throws: RuntimeError.self) { try boom() }
        // Wrong types are refused once, up front.
        #expect(throws: RuntimeError.self) {
            try instance.typedFunction(named: "add", params: Int64.self, Int32.self, results: Int32.self)
        }
    }

    @Test func dynamicCallChecksArguments() throws {
        let instance = try fixtureInstance()
        for args: [Value] in [[], [.i32(1)], [.i32(1), .i64(2)]] {
            do {
                _ = try instance.call("add", args)
                Issue.record("accepted \(args)")
            } catch {
                guard case .usage = error else {
                    Issue.record("\(error)")
                    continue
                }
            }
        }
        #expect(throws: RuntimeError.self) { try instance.call("nope") }
    }

    @Test func globalsAreInitialisedAndShared() throws {
        let instance = try fixtureInstance()
        #expect(try instance.call("getGlobal") == [.i64(42)])
        guard case .global(let g)? = instance.export(named: "g") else {
            Issue.record("no global")
            return
        }
        #expect(g.value == .i64(42))
        try g.set(.i64(7))
        #expect(try instance.call("getGlobal") == [.i64(7)])
        #expect(throws: RuntimeError.self) { try g.set(.i32(1)) }
    }

    @Test func memoryImageAndSegments() throws {
        let instance = try fixtureInstance()
        let memory = try #require(instance.memory)
        #expect(memory.pageCount == 1)
        // The image (CoW from the file), then the segment at 16 written over it.
        #expect(try memory.read(at: 0, count: 5) == Array("hello".utf8))
        #expect(try memory.read(at: 16, count: 4) == [1, 2, 3, 4])
        #expect(try instance.call("load", [.i32(16)]) == [.i32(0x0403_0201)])
        try memory.write([9, 9, 9, 9], at: 100)
        #expect(try instance.call("load", [.i32(100)]) == [.i32(0x0909_0909)])
        #expect(throws: RuntimeError.self) { try memory.read(at: 65535, count: 2) }
        #expect(throws: RuntimeError.self) { try memory.write([1], at: 65536) }
        // A second instance sees the pristine image: the first one's writes were private.
        let other = try fixtureInstance()
        #expect(try other.memory!.read(at: 100, count: 4) == [0, 0, 0, 0])
        try instance.memory!.write(Array("HELLO".utf8), at: 0)
        #expect(try other.memory!.read(at: 0, count: 5) == Array("hello".utf8))
    }

    @Test func memoryGrowBuiltin() throws {
        let instance = try fixtureInstance()
        #expect(try instance.call("grow", [.i32(1)]) == [.i32(1)])
        #expect(instance.memory!.pageCount == 2)
        #expect(try instance.call("load", [.i32(70000)]) == [.i32(0)])
        #expect(try instance.call("grow", [.i32(5)]) == [.i32(UInt32(bitPattern: -1))])  // past max 3
        #expect(instance.memory!.grow(by: 1) == 2)
        #expect(instance.memory!.grow(by: 1) == nil)
    }

    @Test func hostFunctionImport() throws {
        let instance = try fixtureInstance()
        #expect(try instance.call("callHost", [.i32(20)]) == [.i32(41)])
        // The host function sees the caller's memory.
        #expect(try instance.call("callHost", [.i32(99)]) == [.i32(UInt32(UInt8(ascii: "h")) + 1)])
        // Re-exported host function, called from the host.
        #expect(try instance.call("double", [.i32(4)]) == [.i32(8)])
    }

    @Test func hostErrorBecomesATrapWithDetail() throws {
        let instance = try fixtureInstance()
        do {
            _ = try instance.call("callHost", [.i32(13)])
            Issue.record("no trap")
        } catch {
            guard case .trap(let trap) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(trap.kind == .hostError)
            #expect(trap.detail == "the host says no")
            #expect(trap.function == "env.double")
        }
        #expect(try instance.call("callHost", [.i32(1)]) == [.i32(3)])
    }

    @Test func linkErrors() throws {
        let module = try Module(bytes: HandAssembled.standard, engine: engine)
        let store = Store(engine: engine)
        func linkMessage(_ imports: Imports) -> String? {
            do {
                _ = try Instance(module: module, store: store, imports: imports)
                return nil
            } catch {
                guard case .link(let message, let m, let n) = error else { return "\(error)" }
                #expect(m == "env" && n == "double")
                return message
            }
        }
        #expect(linkMessage(Imports()) == "unknown import")
        var wrongType = Imports()
        wrongType.define(
            module: "env", name: "double", HostFunction(parameters: [.i64], results: [.i32]) { _, _ in [] })
        #expect(linkMessage(wrongType) == "incompatible import type")
        var wrongKind = Imports()
        wrongKind.define(module: "env", name: "double", .memory(try Memory(minimumPages: 1)))
        #expect(linkMessage(wrongKind) == "incompatible import type")
    }

    @Test func instancesLinkToEachOther() throws {
        let store = Store(engine: engine)
        let a = try fixtureInstance(store: store)
        // B imports A's wasm `add`... the fixture imports (i32)->i32, so export A's `grow`
        // (type 3) as B's env.double: B.callHost(x) = A.grow(x) + 1.
        var imports = Imports()
        imports.define(module: "env", name: "double", a.export(named: "grow")!)
        let module = try Module(bytes: HandAssembled.standard, engine: engine)
        let b = try Instance(module: module, store: store, imports: imports)
        #expect(try b.call("callHost", [.i32(1)]) == [.i32(2)])  // A's memory grew from 1 page
        #expect(a.memory!.pageCount == 2)
        #expect(b.memory!.pageCount == 1)
        // B re-exports A's function; calling it from the host runs in A.
        #expect(try b.call("double", [.i32(0)]) == [.i32(2)])
        // register-style: every export of A under "a".
        var all = Imports()
        all.define(module: "a", instance: a)
        #expect(all.lookup(module: "a", name: "answer") != nil)
    }

    @Test func memoryImportLimits() throws {
        var m = HandAssembled.metadata()
        m.memory = nil
        m.memoryImage = nil
        m.dataSegments = [DataSegmentEntry(offset: ConstExpr([.i32Const(10)]), isInImage: false, bytes: [7])]
        m.imports.append(
            ImportEntry(module: "spectest", name: "memory", kind: .memory(MemoryLimits(minimum: 1, maximum: 2))))
        let module = try Module(bytes: try HandAssembled.build(m), engine: engine)
        let store = Store(engine: engine)
        func instantiate(_ memory: Memory) throws(RuntimeError) -> Instance {
            var imports = fixtureImports()
            imports.define(module: "spectest", name: "memory", .memory(memory))
            return try Instance(module: module, store: store, imports: imports)
        }
        let shared = try Memory(minimumPages: 1, maximumPages: 2)
        let instance = try instantiate(shared)
        #expect(try shared.read(at: 10, count: 1) == [7])
        #expect(try instance.call("load", [.i32(10)]) == [.i32(7)])
        #expect(throws: RuntimeError.self) { try instantiate(try Memory(minimumPages: 1)) }  // no max
        #expect(throws: RuntimeError.self) { try instantiate(try Memory(minimumPages: 1, maximumPages: 3)) }
        #expect(throws: RuntimeError.self) { try instantiate(try Memory(minimumPages: 0, maximumPages: 2)) }
    }

    @Test func outOfBoundsDataSegmentTraps() throws {
        var m = HandAssembled.metadata()
        m.dataSegments.append(
            DataSegmentEntry(offset: ConstExpr([.i32Const(65534)]), isInImage: false, bytes: [1, 2, 3]))
        let module = try Module(bytes: try HandAssembled.build(m), engine: engine)
        do {
            _ = try Instance(module: module, store: Store(engine: engine), imports: fixtureImports())
            Issue.record("instantiated")
        } catch {
            guard case .trap(let t) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(t.kind == .outOfBoundsMemoryAccess)
        }
    }

    @Test func importedGlobalInInitializer() throws {
        var m = HandAssembled.metadata()
        m.imports.append(
            ImportEntry(module: "env", name: "base", kind: .global(GlobalTypeEntry(kind: .i64, isMutable: false))))
        m.globals[0].initializer = ConstExpr([.globalGet(0), .i64Const(2), .i64Add])
        let module = try Module(bytes: try HandAssembled.build(m), engine: engine)
        var imports = fixtureImports()
        imports.define(
            module: "env", name: "base",
            .global(try Global(type: GlobalTypeEntry(kind: .i64, isMutable: false), value: .i64(40))))
        let instance = try Instance(module: module, store: Store(engine: engine), imports: imports)
        #expect(try instance.call("getGlobal") == [.i64(42)])
        var wrong = fixtureImports()
        wrong.define(
            module: "env", name: "base",
            .global(try Global(type: GlobalTypeEntry(kind: .i64, isMutable: true), value: .i64(40))))
        #expect(throws: RuntimeError.self) {
            try Instance(module: module, store: Store(engine: engine), imports: wrong)
        }
    }

    /// Wasm names are byte strings: canonically equivalent but different UTF-8 names are
    /// different exports and imports (names.wast).
    @Test func namesCompareByBytes() throws {
        var m = HandAssembled.metadata()
        m.exports.append(ExportEntry(name: "\u{C5}", kind: .function, index: 1))  // answer
        m.exports.append(ExportEntry(name: "A\u{30A}", kind: .function, index: 3))  // add
        let instance = try Instance(
            module: try Module(bytes: try HandAssembled.build(m), engine: engine), store: Store(engine: engine),
            imports: fixtureImports())
        #expect(try instance.call("\u{C5}") == [.i32(42)])
        #expect(try instance.call("A\u{30A}", [.i32(1), .i32(2)]) == [.i32(3)])
        var imports = Imports()
        imports.define(
            module: "m", name: "\u{C5}",
            .global(try Global(type: GlobalTypeEntry(kind: .i32, isMutable: false), value: .i32(1))))
        #expect(imports.lookup(module: "m", name: "A\u{30A}") == nil)
        #expect(imports.lookup(module: "m", name: "\u{C5}") != nil)
    }
}

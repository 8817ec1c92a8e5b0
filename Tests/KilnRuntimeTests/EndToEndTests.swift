import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

@testable import KilnRuntime

/// Compiles WebAssembly text with the real compiler and loads it.
func compile(_ wat: String) throws -> Module {
    let wasm = try assemble(text: wat)
    let artifact = try Compiler.compile(wasm: wasm)
    return try Module(bytes: artifact.bytes, engine: engine)
}

func instantiate(_ wat: String, imports: Imports = Imports(), store: Store? = nil) throws -> Instance {
    try Instance(module: try compile(wat), store: store ?? Store(engine: engine), imports: imports)
}

@Suite struct EndToEndTests {
    static let fib = """
        (module
          (func $fib (export "fib") (param $n i32) (result i32)
            (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
              (then (local.get $n))
              (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                             (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
        """

    @Test func fibDynamicAndTyped() throws {
        let instance = try compile(Self.fib).instantiate(store: Store(engine: engine))
        #expect(try instance.call("fib", [.i32(20)]) == [.i32(6765)])
        let fib = try instance.typedFunction(named: "fib", params: Int32.self, results: Int32.self)
        #expect(try fib(25) == 75025)
    }

    @Test func trapsNameTheFunction() throws {
        let instance = try instantiate(
            """
            (module
              (memory 1)
              (func $unreach (export "unreachable") unreachable)
              (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
              (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
              (func $deep (export "deep") (param i32) (result i32)
                (i32.add (call $deep (local.get 0)) (i32.const 1))))
            """)
        let t1 = try #require(trap { _ = try instance.call("unreachable") })
        #expect(t1.kind == .unreachable)
        #expect(t1.function == "unreach" || t1.function == "unreachable")
        #expect(trap { _ = try instance.call("div", [.i32(1), .i32(0)]) }?.kind == .integerDivideByZero)
        #expect(trap { _ = try instance.call("div", [.i32(0x8000_0000), .i32(UInt32.max)]) }?.kind == .integerOverflow)
        let t2 = try #require(trap { _ = try instance.call("load", [.i32(65534)]) })
        #expect(t2.kind == .outOfBoundsMemoryAccess)
        let t3 = try #require(trap { _ = try instance.call("deep", [.i32(0)]) })
        #expect(t3.kind == .callStackExhausted)
        for i in 0..<100 {
            #expect(
                trap { _ = try instance.call("load", [.i32(UInt32.max - UInt32(i))]) }?.kind == .outOfBoundsMemoryAccess
            )
        }
        #expect(try instance.call("div", [.i32(84), .i32(2)]) == [.i32(42)])
    }

    @Test func hostFunctionsAndErrors() throws {
        var imports = Imports()
        imports.define(
            module: "env", name: "twice",
            HostFunction(parameters: [.i64], results: [.i64]) { _, args in
                guard case .i64(let x) = args[0] else { return [] }
                if x == 13 { throw HostFailure() }
                return [.i64(x &* 2)]
            })
        imports.define(
            module: "env", name: "peek",
            HostFunction(parameters: [.i32], results: [.i32]) { caller, args in
                guard case .i32(let at) = args[0] else { return [] }
                return [.i32(UInt32(try caller.memory!.read(at: UInt64(at), count: 1)[0]))]
            })
        let instance = try instantiate(
            """
            (module
              (import "env" "twice" (func $twice (param i64) (result i64)))
              (import "env" "peek" (func $peek (param i32) (result i32)))
              (memory 1)
              (data (i32.const 8) "\\2a")
              (func (export "f") (param i64) (result i64) (i64.add (call $twice (local.get 0)) (i64.const 1)))
              (func (export "p") (result i32) (call $peek (i32.const 8))))
            """, imports: imports)
        #expect(try instance.call("f", [.i64(20)]) == [.i64(41)])
        #expect(try instance.call("p") == [.i32(42)])
        let t = try #require(trap { _ = try instance.call("f", [.i64(13)]) })
        #expect(t.kind == .hostError)
        #expect(t.detail == "the host says no")
        #expect(try instance.call("f", [.i64(1)]) == [.i64(3)])
    }

    @Test func globalsMemoryAndSegments() throws {
        var imports = Imports()
        let base = try Global(type: GlobalTypeEntry(kind: .i32, isMutable: false), value: .i32(16))
        imports.define(module: "env", name: "base", .global(base))
        let memory = try Memory(minimumPages: 1, maximumPages: 4)
        imports.define(module: "env", name: "memory", .memory(memory))
        let instance = try instantiate(
            """
            (module
              (import "env" "base" (global $base i32))
              (import "env" "memory" (memory 1 4))
              (global $g (export "g") (mut i32) (i32.add (global.get $base) (i32.const 2)))
              (data (global.get $base) "kiln")
              (func (export "get") (result i32) (global.get $g))
              (func (export "set") (param i32) (global.set $g (local.get 0)))
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "size") (result i32) (memory.size))
              (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
            """, imports: imports)
        #expect(try memory.read(at: 16, count: 4) == Array("kiln".utf8))
        #expect(try instance.call("get") == [.i32(18)])
        try instance.call("set", [.i32(7)])
        guard case .global(let g)? = instance.export(named: "g") else {
            Issue.record("no global")
            return
        }
        #expect(g.value == .i32(7))
        #expect(try instance.call("grow", [.i32(2)]) == [.i32(1)])
        #expect(memory.pageCount == 3)
        #expect(try instance.call("size") == [.i32(3)])
        try memory.write([99], at: 3 * 65536 - 1)
        #expect(try instance.call("load8", [.i32(3 * 65536 - 1)]) == [.i32(99)])
        #expect(try instance.call("grow", [.i32(2)]) == [.i32(UInt32.max)])
    }

    @Test func memoryImageIsCopyOnWrite() throws {
        let module = try compile(
            """
            (module (memory (export "mem") 2)
              (data (i32.const 70000) "image")
              (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))
            """)
        #expect(module.metadata.memoryImage != nil)
        let a = try Instance(module: module, store: Store(engine: engine), imports: Imports())
        let b = try Instance(module: module, store: Store(engine: engine), imports: Imports())
        try a.call("poke", [.i32(70000), .i32(UInt32(UInt8(ascii: "I")))])
        #expect(try a.memory!.read(at: 70000, count: 5) == Array("Image".utf8))
        #expect(try b.memory!.read(at: 70000, count: 5) == Array("image".utf8))
    }

    @Test func instancesLinkAndRegister() throws {
        let store = Store(engine: engine)
        let a = try instantiate(
            """
            (module
              (memory (export "mem") 1)
              (global (export "counter") (mut i32) (i32.const 0))
              (func (export "inc") (result i32)
                (global.set 0 (i32.add (global.get 0) (i32.const 1))) (global.get 0)))
            """, store: store)
        var imports = Imports()
        imports.define(module: "a", instance: a)
        let b = try instantiate(
            """
            (module
              (import "a" "inc" (func $inc (result i32)))
              (import "a" "mem" (memory 1))
              (import "a" "counter" (global $c (mut i32)))
              (func (export "twice") (result i32) (drop (call $inc)) (call $inc))
              (func (export "read") (result i32) (global.get $c))
              (func (export "store") (i32.store (i32.const 0) (i32.const 77))))
            """, imports: imports, store: store)
        #expect(try b.call("twice") == [.i32(2)])
        #expect(try a.call("inc") == [.i32(3)])
        #expect(try b.call("read") == [.i32(3)])
        try b.call("store")
        #expect(try a.memory!.read(at: 0, count: 1) == [77])
        // Link errors in the spec's words.
        do {
            _ = try instantiate(#"(module (import "a" "nope" (func)))"#, imports: imports, store: store)
            Issue.record("linked")
        } catch {
            guard case .link(let message, _, _) = error as? RuntimeError else {
                Issue.record("\(error)")
                return
            }
            #expect(message == "unknown import")
        }
        do {
            _ = try instantiate(#"(module (import "a" "inc" (func (param i32))))"#, imports: imports, store: store)
            Issue.record("linked")
        } catch {
            guard case .link(let message, _, _) = error as? RuntimeError else {
                Issue.record("\(error)")
                return
            }
            #expect(message == "incompatible import type")
        }
    }

    @Test func startFunctionAndOutOfBoundsSegment() throws {
        let started = try instantiate(
            """
            (module (global $g (mut i32) (i32.const 0))
              (func $s (global.set $g (i32.const 5))) (start $s)
              (func (export "g") (result i32) (global.get $g)))
            """)
        #expect(try started.call("g") == [.i32(5)])
        do {
            _ = try instantiate(#"(module (memory 1) (data (i32.const 65535) "ab"))"#)
            Issue.record("instantiated")
        } catch {
            guard case .trap(let t) = error as? RuntimeError else {
                Issue.record("\(error)")
                return
            }
            #expect(t.kind == .outOfBoundsMemoryAccess)
        }
    }

    @Test func oneModuleManyThreads() throws {
        let module = try compile(Self.fib)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            do {
                let instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
                let fib = try instance.typedFunction(named: "fib", params: Int32.self, results: Int32.self)
                for _ in 0..<5 where try fib(20) != 6765 { failures.add("thread \(i)") }
            } catch {
                failures.add("thread \(i): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
    }
}

import Foundation
import KilnABI
import KilnCodegen
import KilnCompiler
import KilnFrontend
import KilnRuntime
import Testing

/// Internal functions (reachable only through direct calls from their own module) are
/// called under `swiftcc` in the optimizing tier, not the shared `swifttailcc`
/// (docs/abi.md, "Internal functions"): which functions qualify, that they return with a
/// plain `ret`, and that the things the shared convention guarantees still hold around
/// them — the vmctx after a call that left through another instance, stack and
/// result-buffer arguments, i32 values, stack exhaustion.
@Suite struct InternalCallTests {
    @Test func whichFunctionsAreInternal() throws {
        let module = try decodeModule(
            try assemble(
                text: """
                    (module
                      (import "m" "f" (func $imported))
                      (table 2 funcref)
                      (global funcref (ref.func $inGlobal))
                      (elem (i32.const 0) $inTable)
                      (elem declare func $declared)
                      (start $start)
                      (func $exported (export "e") (call $plain) (call $callsTail))
                      (func $start)
                      (func $inTable)
                      (func $inGlobal)
                      (func $declared (drop (ref.func $declared)))
                      (func $plain (call $plain2))
                      (func $plain2 (call $imported))
                      (func $callsTail (return_call $tailTarget))
                      (func $tailTarget)
                      (func $indirectTail (return_call_indirect (i32.const 0))))
                    """))
        // Defined functions in order: exported, start, inTable, inGlobal, declared, plain,
        // plain2, callsTail, tailTarget, indirectTail.
        #expect(
            InternalFunctions(module).isInternal
                == [false, false, false, false, false, true, true, false, false, false])
    }

    /// A private uniform table's functions are internal, all of them or none; a table
    /// read by `table.get`, tail-called through, or holding one shared function is not.
    @Test func internalTables() throws {
        let module = try decodeModule(
            try assemble(
                text: """
                    (module
                      (type $v (func))
                      (table $private 2 funcref)
                      (table $read 1 funcref)
                      (table $mixed 2 funcref)
                      (table $tail 1 funcref)
                      (elem (table $private) (i32.const 0) func $p0 $p1)
                      (elem (table $read) (i32.const 0) func $r0)
                      (elem (table $mixed) (i32.const 0) func $m0 $exported)
                      (elem (table $tail) (i32.const 0) func $t0)
                      (func $p0) (func $p1) (func $r0) (func $m0) (func $t0)
                      (func $exported (export "e")
                        (call_indirect $private (type $v) (i32.const 0))
                        (drop (table.get $read (i32.const 0)))
                        (call_indirect $mixed (type $v) (i32.const 0)))
                      (func $tailer (export "t") (return_call_indirect $tail (type $v) (i32.const 0))))
                    """))
        let analysis = InternalFunctions(module, uniformTables: UniformTables.analyze(module))
        #expect(analysis.isInternal == [true, true, false, false, false, false, false])
        #expect(analysis.internalTables == [0])
    }

    /// Calls through an internal table: the right function, a signature mismatch and a
    /// null slot trap as before.
    @Test func callsThroughAnInternalTable() throws {
        let instance = try instantiate(
            """
            (module
              (type $ii (func (param i32) (result i32)))
              (type $i (func (result i32)))
              (table 3 funcref)
              (elem (i32.const 0) $twice $square)
              (func $twice (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
              (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
              (func (export "call") (param i32 i32) (result i32)
                (call_indirect (type $ii) (local.get 1) (local.get 0)))
              (func (export "wrong") (param i32) (result i32) (call_indirect (type $i) (local.get 0))))
            """, .optimizing)
        #expect(try instance.call("call", [.i32(0), .i32(21)]) == [.i32(42)])
        #expect(try instance.call("call", [.i32(1), .i32(9)]) == [.i32(81)])
        #expect(trap { _ = try instance.call("call", [.i32(2), .i32(1)]) }?.kind == .uninitializedElement)
        #expect(trap { _ = try instance.call("call", [.i32(3), .i32(1)]) }?.kind == .undefinedElement)
        #expect(trap { _ = try instance.call("wrong", [.i32(0)]) }?.kind == .indirectCallTypeMismatch)
    }

    /// A private table with two signatures stays shared: a `call_indirect` of either type
    /// reaches its functions through the general path (the shape of spec
    /// `left-to-right.wast`).
    @Test func mixedSignatureTableStaysShared() throws {
        let wat = """
            (module
              (type $ii (func (param i32) (result i32)))
              (type $i (func (result i32)))
              (table funcref (elem $twice $seven))
              (func $twice (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
              (func $seven (result i32) (i32.const 7))
              (func (export "call") (param i32 i32) (result i32)
                (call_indirect (type $ii) (local.get 1) (local.get 0)))
              (func (export "seven") (param i32) (result i32) (call_indirect (type $i) (local.get 0))))
            """
        let module = try decodeModule(try assemble(text: wat))
        #expect(InternalFunctions(module, uniformTables: UniformTables.analyze(module)).internalTables.isEmpty)
        let instance = try instantiate(wat, .optimizing)
        #expect(try instance.call("call", [.i32(0), .i32(21)]) == [.i32(42)])
        #expect(try instance.call("seven", [.i32(1)]) == [.i32(7)])
        #expect(trap { _ = try instance.call("seven", [.i32(0)]) }?.kind == .indirectCallTypeMismatch)
    }

    /// Without the validator's usage (a hand-built module), nothing is internal.
    @Test func unknownUsageMeansShared() throws {
        var module = try decodeModule(try assemble(text: "(module (func) (func (call 0)))"))
        module.functionUsage = []
        #expect(InternalFunctions(module).isInternal == [false, false])
    }

    static let importer = """
        (module
          (import "a" "leave" (func $leave (result i64)))
          (global $mine (mut i64) (i64.const 5))
          (memory (export "mem") 1)
          ;; Internal: its call to $leave returns with r13 holding the other instance's
          ;; vmctx, and it still uses this instance's memory and global afterwards.
          (func $inner (param i32 i64) (result i64)
            (local $r i64)
            (local.set $r (call $leave))
            (i64.store (local.get 0) (local.get $r))
            (i64.add (local.get $r) (i64.add (global.get $mine) (local.get 1))))
          (func (export "run") (result i64)
            (i64.add (call $inner (i32.const 16) (i64.const 1)) (global.get $mine)))
          ;; Eight integer and ten float parameters (stack arguments), five results (a
          ;; result buffer), i32 parameters made from wider values.
          (func $many (param i64 i64 i64 i64 i64 i64 i64 i32 f64 f64 f64 f64 f64 f64 f64 f64 f64 f32)
            (result i64 i64 i64 i64 i32)
            (local.get 0) (local.get 6) (i64.extend_i32_u (local.get 7))
            (i64.trunc_f64_s (f64.add (local.get 8) (local.get 16)))
            (i32.trunc_f32_s (local.get 17)))
          (func (export "many") (param i64) (result i64)
            (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $e i32)
            (call $many (local.get 0) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6)
              (i64.const 7) (i32.wrap_i64 (i64.or (local.get 0) (i64.const 0xffffffff00000000)))
              (f64.const 100) (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5)
              (f64.const 6) (f64.const 7) (f64.const 20) (f32.const 9))
            (local.set $e) (local.set $d) (local.set $c) (local.set $b) (local.set $a)
            (i64.add (local.get $a)
              (i64.add (i64.mul (local.get $b) (i64.const 10))
                (i64.add (i64.mul (local.get $c) (i64.const 100))
                  (i64.add (i64.mul (local.get $d) (i64.const 1000))
                    (i64.mul (i64.extend_i32_u (local.get $e)) (i64.const 100000)))))))
          (func $deep (param i64) (result i64) (i64.add (i64.const 1) (call $deep (local.get 0))))
          (func (export "deep") (result i64) (call $deep (i64.const 0))))
        """

    static let exporter = """
        (module
          (import "b" "value" (func $value (result i64)))
          (func (export "leave") (result i64) (return_call $value)))
        """

    static let valueModule = """
        (module
          (global $g (mut i64) (i64.const 1000))
          (func (export "value") (result i64) (global.get $g)))
        """

    @Test(arguments: CompilerTier.allCases)
    func vmctxAndArgumentsSurvive(_ exporterTier: CompilerTier) throws {
        let store = Store(engine: engine)
        let b = try instantiate(Self.valueModule, exporterTier, store: store)
        var importsA = Imports()
        importsA.define(module: "b", instance: b)
        let a = try instantiate(Self.exporter, exporterTier, imports: importsA, store: store)
        var imports = Imports()
        imports.define(module: "a", instance: a)
        let c = try instantiate(Self.importer, .optimizing, imports: imports, store: store)

        #expect(try c.call("run", []) == [.i64(1000 + 5 + 1 + 5)])
        #expect(try memoryBytes(c, at: 16, count: 8) == [0xe8, 0x03, 0, 0, 0, 0, 0, 0])
        // a = 11, b = 7, c = 11 (the i32 from a wider value), d = 120, e = 9
        #expect(try c.call("many", [.i64(11)]) == [.i64(11 + 70 + 1100 + 120_000 + 900_000)])
        #expect(trap { _ = try c.call("deep", []) }?.kind == .callStackExhausted)
        #expect(try c.call("run", []) == [.i64(1011)])
    }

    /// The internal function returns with a plain `ret`; the exported one pops the
    /// shared convention's argument area.
    @Test func internalFunctionsReturnPlainly() throws {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: Self.importer), options: CompileOptions(tier: .optimizing))
        let functions = try disassembly(of: artifact)
        func returns(of name: String) -> [String] { (functions[name] ?? []).filter { $0.hasPrefix("ret") } }
        #expect(!returns(of: "wasm_function_1").isEmpty)  // $inner (no name section)
        #expect(returns(of: "wasm_function_1").allSatisfy { $0 == "retq" })
        #expect(!returns(of: "run").isEmpty)
        #expect(returns(of: "run").allSatisfy { $0 == "retq $8" })
    }
}

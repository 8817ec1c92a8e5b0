import KilnFrontend
import Testing
import WAT

/// The per-function facts the validator records for the code generator
/// (`WasmModule.functionUsage`).
@Suite struct FunctionUsageTests {
    func usage(_ text: String) throws -> [FunctionUsage] {
        try decodeModule(try assemble(text: text)).functionUsage
    }

    @Test func weightsGrowByEightPerLoopUpToFour() {
        #expect((0...6).map { FunctionUsage.weight(loopDepth: $0) } == [1, 8, 64, 512, 4096, 4096, 4096])
    }

    @Test func nestedLoopsCallsAndMemory() throws {
        let found = try usage(
            """
            (module
              (import "env" "h" (func $h))
              (memory 1)
              (func $f (param $p i32) (result i32) (local $a i32) (local $b f64) (local $unused i64)
                (local.set $a (i32.const 1))
                (loop $outer
                  (local.set $a (i32.add (local.get $a) (i32.load (local.get $p))))
                  (block
                    (loop $inner
                      (local.set $b (f64.const 0))
                      (br_if $inner (local.get $a))))
                  (if (local.get $p)
                    (then (call $h))
                    (else (drop (memory.grow (i32.const 0)))))
                  (br_if $outer (i32.const 0)))
                (loop (loop (loop (loop (loop (local.set $a (local.get $a)))))))
                (local.get $a))
              (func $g))
            """)
        // Defined functions only, in order; the import has none.
        #expect(found.count == 2)
        // $p: the load's address and the `if` condition, one loop deep.
        // $a: 1 (set) + 8 + 8 (in $outer) + 64 (in $inner) + 2 * 4096 (five loops deep,
        // capped at four) + 1 (the result).
        // $b: one set two loops deep; the `else` and the `block` add no depth.
        #expect(found[0].localWeights == [16, 1 + 16 + 64 + 8192 + 1, 64, 0])
        #expect(found[0].makesCalls)
        #expect(found[0].callWeight == 8 + 8)
        #expect(found[0].memoryWeight == 8)
        #expect(found[1] == FunctionUsage(localWeights: []))
    }

    @Test func everyCallLikeOperatorAndUnreachableCodeCount() throws {
        let found = try usage(
            """
            (module
              (type $t (func))
              (table 1 funcref)
              (memory 1)
              (func $callee)
              (func (param i32) (local i64)
                (call_indirect (type $t) (i32.const 0))
                (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
                (memory.copy (i32.const 0) (i32.const 0) (i32.const 0))
                (i32.store (local.get 0) (i32.const 1))
                (return_call $callee)
                (local.set 1 (i64.load (local.get 0)))))
            """)
        #expect(found.count == 2)
        #expect(found[1].localWeights == [2, 1])
        #expect(found[1].makesCalls)
        #expect(found[1].callWeight == 4)
        #expect(found[1].memoryWeight == 2)
    }

    /// Operators lowered as C calls (builtins) count as calls: a function with one is not
    /// a leaf, so it keeps its stack check. `table.size` is inline and does not count.
    @Test func builtinOperatorsCountAsCalls() throws {
        let bodies = [
            "(drop (table.get 0 (i32.const 0)))", "(table.set 0 (i32.const 0) (ref.null func))",
            "(drop (table.grow 0 (ref.null func) (i32.const 1)))", "(table.fill 0 (i32.const 0) (ref.null func) (i32.const 0))",
            "(table.copy (i32.const 0) (i32.const 0) (i32.const 0))", "(table.init 0 (i32.const 0) (i32.const 0) (i32.const 0))",
            "(elem.drop 0)", "(drop (ref.func $f))", "(memory.init 0 (i32.const 0) (i32.const 0) (i32.const 0))",
            "(data.drop 0)", "(drop (memory.grow (i32.const 0)))",
        ]
        for body in bodies {
            let found = try usage(
                """
                (module (table 1 funcref) (memory 1) (elem func $f) (data "x") (func $f)
                  (func \(body)) (func (drop (table.size 0))))
                """)
            #expect(found[1].makesCalls, "\(body)")
            #expect(!found[2].makesCalls)
        }
    }
}

import KilnABI
import KilnCompiler
import KilnRuntime
import Testing

/// ABI 5's result rules (docs/abi.md, "Results"), under both tiers and across them: up
/// to four integer-class results in rax, rdx, rcx, r8 and four float results in
/// xmm0-xmm3; more of either class and every result goes to a buffer the caller provides
/// (its address in rax, `sret`). Returned to the host (entry trampoline), across a call,
/// through call_indirect, through a host function (host call stub), and through tail
/// calls that pass the incoming buffer on.
@Suite struct ResultBufferTests {
    /// Everything with results: defined here, exported for the other module.
    static let callee = """
        (module
          (type $five (func (param i64) (result i64 i64 i64 i64 i64)))
          (import "host" "five" (func $host_five (param i64) (result i64 i64 i64 i64 i64)))
          (type $many (func (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64 i64 i64 i64 i64)))
          (table (export "tab") 4 funcref)
          (elem (i32.const 0) $five_i64 $five_i64_other $five_many)
          (func $five_i64 (export "five_i64") (param i64) (result i64 i64 i64 i64 i64)
            (local.get 0)
            (i64.add (local.get 0) (i64.const 1))
            (i64.add (local.get 0) (i64.const 2))
            (i64.add (local.get 0) (i64.const 3))
            (i64.add (local.get 0) (i64.const 4)))
          (func $five_i64_other (param i64) (result i64 i64 i64 i64 i64)
            (i64.const -1) (local.get 0) (i64.const -2) (local.get 0) (i64.const -3))
          (func $five_f64 (export "five_f64") (param f64) (result f64 f64 f64 f64 f64)
            (local.get 0)
            (f64.add (local.get 0) (f64.const 0.5))
            (f64.add (local.get 0) (f64.const 1.5))
            (f64.neg (local.get 0))
            (f64.mul (local.get 0) (f64.const 4)))
          (func $mixed44 (export "mixed44") (param i64 f64)
            (result i64 f64 i64 f64 i64 f64 i64 f64)
            (local.get 0) (local.get 1)
            (i64.mul (local.get 0) (i64.const 2)) (f64.mul (local.get 1) (f64.const 2))
            (i64.mul (local.get 0) (i64.const 3)) (f64.mul (local.get 1) (f64.const 3))
            (i64.mul (local.get 0) (i64.const 4)) (f64.mul (local.get 1) (f64.const 4)))
          (func $nine (export "nine") (param i32)
            (result i32 i64 f32 f64 i64 i32 i64 i64 f64)
            (local.get 0)
            (i64.extend_i32_u (local.get 0))
            (f32.convert_i32_s (local.get 0))
            (f64.const -2.25)
            (i64.const 0x123456789)
            (i32.const -7)
            (i64.const -1)
            (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 40))
            (f64.convert_i32_s (local.get 0)))
          ;; Eight parameters: two go on the stack, with a result buffer.
          (func $five_many (export "five_many") (param i64 i64 i64 i64 i64 i64 i64 i64)
            (result i64 i64 i64 i64 i64)
            (i64.add (local.get 0) (local.get 7))
            (local.get 6) (local.get 5) (local.get 1) (local.get 2))
          ;; Across a call: the results of a buffered callee, summed or passed on.
          (func (export "sum_five") (param i64) (result i64)
            (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $e i64)
            (call $five_i64 (local.get 0))
            (local.set $e) (local.set $d) (local.set $c) (local.set $b) (local.set $a)
            (i64.add (local.get $a)
              (i64.add (i64.mul (local.get $b) (i64.const 10))
                (i64.add (i64.mul (local.get $c) (i64.const 100))
                  (i64.add (i64.mul (local.get $d) (i64.const 1000)) (i64.mul (local.get $e) (i64.const 10000)))))))
          (func (export "pass_five") (param i64) (result i64 i64 i64 i64 i64)
            (call $five_i64 (i64.add (local.get 0) (i64.const 1))))
          (func (export "pass_nine") (param i32) (result i32 i64 f32 f64 i64 i32 i64 i64 f64)
            (call $nine (local.get 0)))
          (func (export "pass_f64") (param f64) (result f64 f64 f64 f64 f64)
            (call $five_f64 (local.get 0)))
          (func (export "pass_mixed44") (param i64 f64) (result i64 f64 i64 f64 i64 f64 i64 f64)
            (call $mixed44 (local.get 0) (local.get 1)))
          (func (export "indirect_five") (param i64 i32) (result i64 i64 i64 i64 i64)
            (call_indirect (type $five) (local.get 0) (local.get 1)))
          (func (export "tail_five") (param i64) (result i64 i64 i64 i64 i64)
            (return_call $five_i64 (local.get 0)))
          (func (export "tail_indirect_five") (param i64 i32) (result i64 i64 i64 i64 i64)
            (return_call_indirect (type $five) (local.get 0) (local.get 1)))
          ;; A tail call to a callee with a larger argument area, passing the buffer on.
          (func (export "tail_grow") (param i64) (result i64 i64 i64 i64 i64)
            (return_call $five_many
              (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3)
              (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7)))
          ;; Stack arguments and a result buffer through a (lazy, at first) table slot.
          (func (export "indirect_many") (param i64 i32) (result i64 i64 i64 i64 i64)
            (call_indirect (type $many)
              (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3)
              (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (local.get 1)))
          (func (export "tail_indirect_many") (param i64 i32) (result i64 i64 i64 i64 i64)
            (return_call_indirect (type $many)
              (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3)
              (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (local.get 1)))
          (func (export "host_five") (param i64) (result i64 i64 i64 i64 i64)
            (call $host_five (local.get 0)))
          (func (export "tail_host_five") (param i64) (result i64 i64 i64 i64 i64)
            (return_call $host_five (local.get 0)))
          ;; Four integer results (rax, rdx, rcx, r8) while many heavy locals want
          ;; registers, r8 among them.
          (func $four (param i64) (result i64 i64 i64 i64)
            (local.get 0) (i64.const 2) (i64.const 3) (i64.const 4))
          (func (export "locals_across_four") (param i64) (result i64)
            (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $e i64) (local $f i64)
            (local $i i64) (local $w i64) (local $x i64) (local $y i64) (local $z i64)
            (loop $l
              (local.set $a (i64.add (local.get $a) (i64.const 1)))
              (local.set $b (i64.add (local.get $b) (i64.const 2)))
              (local.set $c (i64.add (local.get $c) (i64.const 3)))
              (local.set $d (i64.add (local.get $d) (i64.const 4)))
              (local.set $e (i64.add (local.get $e) (i64.const 5)))
              (local.set $f (i64.add (local.get $f) (i64.const 6)))
              (local.set $i (i64.add (local.get $i) (i64.const 1)))
              (br_if $l (i64.lt_u (local.get $i) (i64.const 10))))
            (call $four (local.get 0))
            (local.set $z) (local.set $y) (local.set $x) (local.set $w)
            (i64.add
              (i64.add (i64.add (local.get $a) (local.get $b)) (i64.add (local.get $c) (local.get $d)))
              (i64.add
                (i64.add (local.get $e) (local.get $f))
                (i64.add
                  (i64.add (local.get $w) (i64.mul (local.get $x) (i64.const 10)))
                  (i64.add (i64.mul (local.get $y) (i64.const 100)) (i64.mul (local.get $z) (i64.const 1000)))))))
        )
        """

    /// Calls the other module's functions (imported, through its table, tail calls).
    static let caller = """
        (module
          (type $five (func (param i64) (result i64 i64 i64 i64 i64)))
          (import "a" "five_i64" (func $five_i64 (param i64) (result i64 i64 i64 i64 i64)))
          (import "a" "nine" (func $nine (param i32) (result i32 i64 f32 f64 i64 i32 i64 i64 f64)))
          (import "a" "five_many" (func $five_many (param i64 i64 i64 i64 i64 i64 i64 i64)
            (result i64 i64 i64 i64 i64)))
          (import "a" "tab" (table 4 funcref))
          (type $many (func (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64 i64 i64 i64 i64)))
          (func (export "tail_indirect_many") (param i64 i32) (result i64 i64 i64 i64 i64)
            (return_call_indirect (type $many)
              (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3)
              (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (local.get 1)))
          (func (export "pass_five") (param i64) (result i64 i64 i64 i64 i64)
            (call $five_i64 (local.get 0)))
          (func (export "pass_nine") (param i32) (result i32 i64 f32 f64 i64 i32 i64 i64 f64)
            (call $nine (local.get 0)))
          (func (export "indirect_five") (param i64 i32) (result i64 i64 i64 i64 i64)
            (call_indirect (type $five) (local.get 0) (local.get 1)))
          (func (export "tail_five") (param i64) (result i64 i64 i64 i64 i64)
            (return_call $five_i64 (local.get 0)))
          (func (export "tail_indirect_five") (param i64 i32) (result i64 i64 i64 i64 i64)
            (return_call_indirect (type $five) (local.get 0) (local.get 1)))
          (func (export "tail_grow") (param i64) (result i64 i64 i64 i64 i64)
            (return_call $five_many
              (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3)
              (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7)))
        )
        """

    static func hostImports() -> Imports {
        var imports = Imports()
        imports.define(
            module: "host", name: "five",
            HostFunction(parameters: [.i64], results: [.i64, .i64, .i64, .i64, .i64]) { _, args in
                guard case .i64(let v) = args[0] else { return [] }
                return [.i64(v), .i64(v &* 2), .i64(v &* 3), .i64(v &* 4), .i64(v &* 5)]
            })
        return imports
    }

    static func five(_ p: UInt64) -> [Value] { (0..<5).map { .i64(p &+ UInt64($0)) } }

    static func other(_ p: UInt64) -> [Value] {
        [.i64(UInt64(bitPattern: -1)), .i64(p), .i64(UInt64(bitPattern: -2)), .i64(p), .i64(UInt64(bitPattern: -3))]
    }

    static func nine(_ p: UInt32) -> [Value] {
        [
            .i32(p), .i64(UInt64(p)), .f32(Float(Int32(bitPattern: p)).bitPattern), .f64((-2.25).bitPattern),
            .i64(0x1_2345_6789), .i32(UInt32(bitPattern: -7)), .i64(.max), .i64(UInt64(p) << 40),
            .f64(Double(Int32(bitPattern: p)).bitPattern),
        ]
    }

    @Test(arguments: CompilerTier.allCases)
    func withinOneModule(_ tier: CompilerTier) throws {
        // A fresh instance: the first call through a slot goes through the lazy
        // trampoline (rax = the buffer, stack arguments in place), as a tail call too.
        let fresh = try instantiate(Self.callee, tier, imports: Self.hostImports())
        #expect(try fresh.call("tail_indirect_many", [.i64(10), .i32(2)]) == [17, 6, 5, 1, 2].map { .i64($0) })
        #expect(try fresh.call("tail_indirect_five", [.i64(1), .i32(1)]) == Self.other(1))
        #expect(try fresh.call("indirect_many", [.i64(20), .i32(2)]) == [27, 6, 5, 1, 2].map { .i64($0) })
        let a = try instantiate(Self.callee, tier, imports: Self.hostImports())
        #expect(try a.call("indirect_many", [.i64(30), .i32(2)]) == [37, 6, 5, 1, 2].map { .i64($0) })
        // Returned to the host through the entry trampoline.
        #expect(try a.call("five_i64", [.i64(10)]) == Self.five(10))
        #expect(
            try a.call("five_f64", [.f64(2.0.bitPattern)])
                == [2.0, 2.5, 3.5, -2.0, 8.0].map { .f64($0.bitPattern) })
        #expect(
            try a.call("mixed44", [.i64(3), .f64(1.5.bitPattern)])
                == [.i64(3), .f64(1.5.bitPattern), .i64(6), .f64(3.0.bitPattern), .i64(9), .f64(4.5.bitPattern),
                    .i64(12), .f64(6.0.bitPattern)])
        #expect(try a.call("nine", [.i32(0x8000_0003)]) == Self.nine(0x8000_0003))
        #expect(
            try a.call("five_many", (1...8).map { .i64(UInt64($0)) }) == [.i64(9), .i64(7), .i64(6), .i64(2), .i64(3)])
        // Across a call.
        #expect(try a.call("sum_five", [.i64(1)]) == [.i64(1 + 20 + 300 + 4000 + 50000)])
        #expect(try a.call("pass_five", [.i64(4)]) == Self.five(5))
        #expect(try a.call("pass_nine", [.i32(5)]) == Self.nine(5))
        #expect(
            try a.call("pass_f64", [.f64(1.0.bitPattern)]) == [1.0, 1.5, 2.5, -1.0, 4.0].map { .f64($0.bitPattern) })
        #expect(
            try a.call("pass_mixed44", [.i64(1), .f64(1.0.bitPattern)])
                == [.i64(1), .f64(1.0.bitPattern), .i64(2), .f64(2.0.bitPattern), .i64(3), .f64(3.0.bitPattern),
                    .i64(4), .f64(4.0.bitPattern)])
        // Through call_indirect (slot 0 is lazy the first time under `image`).
        #expect(try a.call("indirect_five", [.i64(7), .i32(0)]) == Self.five(7))
        #expect(try a.call("indirect_five", [.i64(7), .i32(0)]) == Self.five(7))
        #expect(try a.call("indirect_five", [.i64(9), .i32(1)]) == Self.other(9))
        // Through tail calls, the incoming buffer passed on.
        #expect(try a.call("tail_five", [.i64(20)]) == Self.five(20))
        #expect(try a.call("tail_indirect_five", [.i64(30), .i32(0)]) == Self.five(30))
        #expect(try a.call("tail_grow", [.i64(100)]) == [.i64(107), .i64(6), .i64(5), .i64(1), .i64(2)])
        // Through a host function (host call stub), called and tail-called.
        #expect(try a.call("host_five", [.i64(3)]) == [3, 6, 9, 12, 15].map { .i64($0) })
        #expect(try a.call("tail_host_five", [.i64(4)]) == [4, 8, 12, 16, 20].map { .i64($0) })
        // r8 carries the fourth integer result while a caller-saved local may live there.
        let locals: UInt64 = 10 * (1 + 2 + 3 + 4 + 5 + 6)
        #expect(try a.call("locals_across_four", [.i64(1)]) == [.i64(locals + 1 + 20 + 300 + 4000)])
    }

    static let pairings: [(CompilerTier, CompilerTier)] = CompilerTier.allCases.flatMap { a in
        CompilerTier.allCases.map { (a, $0) }
    }

    @Test(arguments: pairings)
    func acrossModules(_ tiers: (callee: CompilerTier, caller: CompilerTier)) throws {
        let store = Store(engine: engine)
        let a = try instantiate(Self.callee, tiers.callee, imports: Self.hostImports(), store: store)
        var imports = Imports()
        imports.define(module: "a", instance: a)
        let b = try instantiate(Self.caller, tiers.caller, imports: imports, store: store)
        let label = "\(tiers.callee) called from \(tiers.caller)"
        // First use of slot 2, from the other module: the lazy trampoline binds it to A's
        // function (the table's owner), with stack arguments and a result buffer.
        #expect(
            try b.call("tail_indirect_many", [.i64(1), .i32(2)]) == [8, 6, 5, 1, 2].map { .i64($0) }, "\(label)")
        #expect(try b.call("pass_five", [.i64(1)]) == Self.five(1), "\(label)")
        #expect(try b.call("pass_nine", [.i32(77)]) == Self.nine(77), "\(label)")
        #expect(try b.call("indirect_five", [.i64(2), .i32(0)]) == Self.five(2), "\(label)")
        #expect(try b.call("tail_five", [.i64(3)]) == Self.five(3), "\(label)")
        #expect(try b.call("tail_indirect_five", [.i64(4), .i32(0)]) == Self.five(4), "\(label)")
        #expect(try b.call("tail_grow", [.i64(5)]) == [.i64(12), .i64(6), .i64(5), .i64(1), .i64(2)], "\(label)")
    }
}

import Testing

/// Values kept in registers (docs/codegen.md, "Locals in registers"): every local case makes
/// its locals heavy enough (used in a loop) to get registers, then checks a value that
/// would come out wrong if a register were clobbered or read at the wrong time.
@Suite struct RegisterAllocationTests {
    /// A pending comparison (or select, or br_if condition) that reads a local's register
    /// must see the value from before a later `local.set` of that local.
    @Test func pendingComparisonSeesValueBeforeLocalSet() throws {
        let m = try TestInstance(wat: """
            (module
              (func (export "if") (param $x i32) (result i32) (local $i i32)
                (loop $l (local.set $i (i32.add (local.get $i) (local.get $x)))
                  (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
                local.get $x i32.const 5 i32.lt_s
                (local.set $x (i32.const 100))
                if (result i32) i32.const 1 else i32.const 0 end
                local.get $x i32.add)
              (func (export "select") (param $x i32) (param $y i32) (result i32) (local $i i32)
                (loop $l (local.set $i (i32.add (local.get $i) (i32.add (local.get $x) (local.get $y))))
                  (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
                i32.const 7 i32.const 8 local.get $x local.get $y i32.gt_u
                (local.set $y (i32.const 0)) (local.set $x (i32.const 1000))
                select local.get $x i32.add local.get $y i32.add)
              (func (export "tee-chain") (param $a i32) (result i32) (local $b i32) (local $i i32)
                (loop $l
                  (local.set $b (i32.add (local.tee $a (i32.add (local.get $a) (i32.const 1))) (local.get $b)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
                local.get $b local.get $a local.get $b local.set $a i32.sub local.get $a i32.add))
            """)
        #expect(m.i32("if", 3) == 101)
        #expect(m.i32("if", 7) == 100)
        #expect(m.i32("select", 9, 2) == 1007)
        #expect(m.i32("select", 2, 9) == 1008)
        // a = 1,2,3,4 -> b = 10; then b - a + b = 10 - 4 + 10.
        #expect(m.i32("tee-chain", 0) == 16)
    }

    /// An operation whose result the next instruction stores into a local with a register
    /// writes it there directly: values below its operands that read the local keep the
    /// old value, and an operand that is the local itself is read before it is written.
    @Test func resultsWrittenStraightIntoTheLocalsRegister() throws {
        let m = try TestInstance(wat: """
            (module
              (memory 1)
              (data (i32.const 16) "\\20\\00\\00\\00")   ;; [16] -> 32
              (data (i32.const 32) "\\30\\00\\00\\00")   ;; [32] -> 48
              (data (i32.const 48) "\\00\\00\\00\\00")   ;; [48] -> 0
              (func (export "ints") (param $x i32) (param $y i32) (result i32) (local $i i32)
                (loop $l
                  local.get $x                                   ;; old x, below the operands
                  (local.set $x (i32.sub (local.get $x) (local.get $y)))
                  local.get $x i32.mul
                  local.get $x
                  (local.set $x (i32.add (local.get $y) (i32.const 3)))
                  i32.xor
                  (local.set $y (i32.add (local.get $y) (i32.const 1)))
                  (local.set $x (i32.add (local.get $x) (local.get $x)))
                  (local.set $x (i32.add (local.get $x)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (i32.const 2))))
                local.get $x)
              (func (export "chase") (param $p i32) (result i32) (local $n i32)
                (block $done (loop $l
                  (br_if $done (i32.eqz (local.get $p)))
                  (local.set $p (i32.load (local.get $p)))
                  (local.set $n (i32.add (local.get $n) (i32.const 1)))
                  (br $l)))
                local.get $n)
              (func (export "floats") (param $x f64) (param $y f64) (result f64) (local $i i32)
                (loop $l
                  local.get $x
                  (local.set $x (f64.sub (local.get $x) (local.get $y)))
                  (local.set $y (f64.div (local.get $x) (f64.const 2)))
                  local.get $x local.get $x f64.add f64.add
                  (local.set $x)
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (i32.const 2))))
                local.get $x local.get $y f64.add))
            """)
        func ints(_ x: Int32, _ y: Int32) -> Int32 {
            var x = x, y = y
            for _ in 0..<2 {
                let old = x
                x = x &- y
                var product = old &* x
                let old2 = x
                x = y &+ 3
                product ^= old2
                y += 1
                x = x &+ x
                x = product &+ x
            }
            return x
        }
        #expect(m.i32("ints", 3, 10) == ints(3, 10))
        #expect(m.i32("chase", 16) == 3)
        func floats(_ x: Double, _ y: Double) -> Double {
            var x = x, y = y
            for _ in 0..<2 {
                let old = x
                x = x - y
                y = x / 2
                x = old + (x + x)
            }
            return x + y
        }
        #expect(asF64(m.call("floats", [f64(1.5), f64(7.25)])[0]) == floats(1.5, 7.25))
    }

    /// Branches to a block with one result carry it in a register (docs/codegen.md):
    /// the taken side of `br_if` may overwrite that register while the fall-through side
    /// still needs the value in it, and `br_table` compares its index after moves.
    @Test func blockResultsInRegisters() throws {
        let m = try TestInstance(wat: """
            (module
              (func (export "br_if") (param i32 i32) (result i32)
                block (result i32)
                  local.get 0 i32.const 7 i32.add
                  local.get 1 i32.const 3 i32.mul
                  local.get 0
                  br_if 0
                  i32.add
                end)
              (func (export "br_table") (param i32) (result i32)
                block (result i32)
                  block (result i32)
                    i32.const 100
                    local.get 0 i32.const 3 i32.and
                    br_table 0 1 0 1
                  end
                  i32.const 1 i32.add
                end)
              (func (export "if-else") (param i32) (param f64) (result f64)
                local.get 0
                if (result f64) local.get 1 f64.const 2 f64.mul else local.get 1 f64.const 3 f64.add end
                local.get 1 f64.sub))
            """)
        #expect(m.i32("br_if", 0, 4) == 19)
        #expect(m.i32("br_if", 5, 4) == 12)
        #expect(m.i32("br_table", 0) == 101)
        #expect(m.i32("br_table", 1) == 100)
        #expect(m.i32("br_table", 2) == 101)
        #expect(m.i32("br_table", 7) == 100)
        #expect(asF64(m.call("if-else", [1, f64(2.5)])[0]) == 2.5)
        #expect(asF64(m.call("if-else", [0, f64(2.5)])[0]) == 3)
    }

    /// Locals in caller-saved registers (r8/r9, xmm) are saved around calls, and a callee
    /// that keeps its own locals in the callee-saved registers restores them.
    @Test func localsSurviveCallsToCalleesThatUseTheSameRegisters() throws {
        let m = try TestInstance(wat: """
            (module
              (func $clobber (param $a i32) (result i32)
                (local $p i32) (local $q i32) (local $r i32) (local $s i32) (local $t i32) (local $u i32)
                (local $f f64) (local $g f64) (local $h f64)
                (loop $l
                  (local.set $p (i32.add (local.get $p) (i32.const 11)))
                  (local.set $q (i32.mul (local.get $p) (i32.const 3)))
                  (local.set $r (i32.xor (local.get $q) (local.get $p)))
                  (local.set $s (i32.sub (local.get $r) (local.get $q)))
                  (local.set $t (i32.add (local.get $s) (local.get $t)))
                  (local.set $u (i32.add (local.get $u) (i32.const 1)))
                  (local.set $f (f64.add (local.get $f) (f64.const 3.25)))
                  (local.set $g (f64.mul (local.get $f) (local.get $f)))
                  (local.set $h (f64.sub (local.get $g) (local.get $h)))
                  (br_if $l (i32.lt_u (local.get $u) (i32.const 5))))
                (i32.mul (local.get $a) (i32.const 2)))
              (func (export "caller") (param $n i32) (result i64)
                (local $i i32) (local $k i32) (local $acc i64) (local $x f64) (local $y f64)
                (block $done (loop $l
                  (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
                  (local.set $k (i32.mul (local.get $i) (i32.const 3)))
                  (local.set $x (f64.add (local.get $x) (f64.const 1.5)))
                  (local.set $acc (i64.add (local.get $acc)
                    (i64.extend_i32_u (i32.add (call $clobber (local.get $i)) (local.get $k)))))
                  (local.set $y (f64.mul (local.get $x) (f64.const 2)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $l)))
                (i64.add (local.get $acc) (i64.trunc_f64_s (local.get $y)))))
            """)
        // sum over i < 10 of 2i + 3i = 225, plus y = 2 * 15.
        #expect(m.i64("caller", 10) == 255)
    }

    /// With more heavy locals than callee-saved registers, a function that calls keeps
    /// the rest in caller-saved registers saved to their slots around each call; passed
    /// as arguments (whose registers include r8/r9), they are read from the slots.
    @Test func callerSavedLocalsPassedAsArguments() throws {
        let names = (0..<7).map { "$l\($0)" }
        let locals = names.map { "(local \($0) i64)" }.joined(separator: " ")
        let updates = names.enumerated().map { "(local.set \($1) (i64.add (local.get \($1)) (i64.const \($0 + 1))))" }
            .joined(separator: " ")
        let m = try TestInstance(wat: """
            (module
              (func $sum (param i64 i64 i64 i64 i64 i64 i64 f64) (result i64)
                local.get 0 local.get 1 i64.add local.get 2 i64.add local.get 3 i64.add
                local.get 4 i64.add local.get 5 i64.add local.get 6 i64.const 1000 i64.mul i64.add
                local.get 7 i64.trunc_f64_s i64.add)
              (func (export "run") (param $n i32) (result i64) \(locals) (local $f f64) (local $acc i64) (local $i i32)
                (loop $l
                  \(updates)
                  (local.set $f (f64.add (local.get $f) (f64.const 0.5)))
                  (local.set $acc (i64.add (local.get $acc)
                    (call $sum \(names.map { "(local.get \($0))" }.joined(separator: " ")) (local.get $f))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                local.get $acc \(names.map { "local.get \($0) i64.add" }.joined(separator: " "))))
            """)
        func run(_ n: Int64) -> Int64 {
            var l = [Int64](repeating: 0, count: 7), f = 0.0, acc: Int64 = 0
            for _ in 0..<n {
                for k in 0..<7 { l[k] += Int64(k + 1) }
                f += 0.5
                acc += l[0] + l[1] + l[2] + l[3] + l[4] + l[5] + l[6] * 1000 + Int64(f)
            }
            return acc + l.reduce(0, +)
        }
        #expect(m.call("run", [9]) == [UInt64(bitPattern: run(9))])
    }

    /// Argument placement may move a value out of the way into a caller-saved local's
    /// register (r8, r9: the locals are saved for the call) and later place it from
    /// there; that register must come back to the free set, because a later argument
    /// goes in it. Here the seven arguments fill every value register (rcx and rdx
    /// swap through r9, which the sixth argument then needs); found in zstd's
    /// `ZSTD_buildEntropyStatisticsAndEstimateSubBlockSize` as clang compiles it, where
    /// it was an internal compiler error, and by the fuzzer once it generated calls
    /// with many parameters.
    @Test func argumentShuffledThroughACallerSavedLocalsRegister() throws {
        let m = try TestInstance(wat: """
            (module
              (memory 1)
              (data (i32.const 100) "\\01\\00\\00\\00\\02\\00\\00\\00\\03\\00\\00\\00\\04\\00\\00\\00\\05\\00\\00\\00")
              (func $weigh (param i32 i32 i32 i32 i32 i32 i32) (result i32)
                local.get 0 local.get 1 i32.const 10 i32.mul i32.add local.get 2 i32.const 100 i32.mul i32.add
                local.get 3 i32.const 1000 i32.mul i32.add local.get 4 i32.const 10000 i32.mul i32.add
                local.get 5 i32.const 100000 i32.mul i32.add local.get 6 i32.const 1000000 i32.mul i32.add)
              (func (export "f") (param $p i32) (param $q i32) (result i32)
                (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $n i32)
                (loop $l
                  (local.set $a (i32.add (local.get $a) (local.get $q)))
                  (local.set $b (i32.xor (local.get $b) (local.get $a)))
                  (local.set $c (i32.add (local.get $c) (local.get $b)))
                  (local.set $d (i32.sub (local.get $d) (local.get $c)))
                  (local.set $e (i32.add (local.get $e) (local.get $d)))
                  (local.set $n (i32.add (local.get $n) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                (i32.add
                  (call $weigh
                    (local.get $p)
                    (i32.load offset=4 (local.get $q))
                    (i32.load (i32.add (local.get $q) (i32.const 8)))
                    (i32.sub (local.get $q) (i32.const 99))
                    (i32.sub (local.get $q) (i32.const 98))
                    (i32.load offset=12 (local.get $q))
                    (i32.load offset=16 (local.get $q)))
                  (i32.mul (i32.const 100000000)
                    (i32.add (local.get $a) (i32.add (local.get $b) (i32.add (local.get $c)
                      (i32.add (local.get $d) (local.get $e)))))))))
            """)
        // q = 100: a = 100, 200, 300; b = 100, 172, 384 (100^200, 172^300);
        // c = 100, 272, 656; d = -100, -372, -1028; e = -100, -472, -1500;
        // a+b+c+d+e = 300 + 384 + 656 - 1028 - 1500 = -1188.
        let expected = Int32(truncatingIfNeeded: 7 + 2 * 10 + 3 * 100 + 1 * 1000 + 2 * 10000 + 4 * 100_000 + 5 * 1_000_000
            + 100_000_000 * -1188)
        #expect(m.i32("f", 7, 100) == expected)
    }

    /// A function whose own arguments arrive in r8/r9 and xmm6/xmm7 does not give those
    /// registers to locals (the prologue would overwrite an argument not yet moved).
    @Test func functionsWithManyRegisterArguments() throws {
        let m = try TestInstance(wat: """
            (module
              (func $many (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (param $f i32)
                (param $x f64) (param $y f64) (param $z f64) (param $w f64) (param $v f64) (param $u f64)
                (param $s f64) (param $t f64) (result f64) (local $i i32) (local $acc f64)
                (loop $l
                  (local.set $acc (f64.add (local.get $acc) (f64.convert_i32_u
                    (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))
                      (i32.add (i32.mul (local.get $e) (i32.const 10)) (i32.mul (local.get $f) (i32.const 100)))))))
                  (local.set $acc (f64.add (local.get $acc) (f64.add (f64.add (f64.add (local.get $x) (local.get $y))
                    (f64.add (local.get $z) (local.get $w))) (f64.add (f64.add (local.get $v) (local.get $u))
                    (f64.add (local.get $s) (f64.mul (local.get $t) (f64.const 1000)))))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (i32.const 2))))
                local.get $acc)
              (func (export "many") (result f64)
                (call $many (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6)
                  (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5) (f64.const 6)
                  (f64.const 7) (f64.const 8))))
            """)
        // per iteration: 1+2+3+4 + 50 + 600 = 660 and 1+...+7 + 8000 = 8028.
        #expect(asF64(m.call("many", [])[0]) == 2 * (660 + 8028))
    }

    /// More heavy locals than registers: the rest stay in frame slots.
    @Test func moreLocalsThanRegisters() throws {
        let locals = (0..<12).map { "(local $l\($0) i64)" }.joined(separator: " ")
        let floats = (0..<12).map { "(local $f\($0) f32)" }.joined(separator: " ")
        let updates = (0..<12).map {
            "(local.set $l\($0) (i64.add (local.get $l\($0)) (i64.const \($0 + 1))))"
                + " (local.set $f\($0) (f32.add (local.get $f\($0)) (f32.const \($0))))"
        }.joined(separator: "\n")
        let sum = (0..<12).map { "local.get $l\($0) i64.add local.get $f\($0) i64.trunc_f32_u i64.add" }.joined(separator: " ")
        let m = try TestInstance(wat: """
            (module
              (func (export "sum") (param $n i32) (result i64) \(locals) \(floats) (local $i i32)
                (loop $l
                  \(updates)
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                i64.const 0 \(sum)))
            """)
        // n * (sum of 1...12) + n * (sum of 0...11) = 78n + 66n.
        #expect(m.call("sum", [5]) == [144 * 5])
    }

    /// A tail call to a function with more stack arguments moves the frame; the
    /// caller's locals in callee-saved registers survive it.
    @Test func tailCallKeepsTheCallersCalleeSavedRegisters() throws {
        let m = try TestInstance(wat: """
            (module
              (func $wide (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
                (local $i i32) (local $x i64)
                (loop $l
                  (local.set $x (i64.add (local.get $x) (i64.add (local.get 0) (local.get 8))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
                local.get $x)
              (func $narrow (param $a i64) (result i64) (local $i i32) (local $y i64)
                (loop $l
                  (local.set $y (i64.add (local.get $y) (local.get $a)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (i32.const 2))))
                (return_call $wide (local.get $y) (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0)
                  (i64.const 0) (i64.const 0) (i64.const 0) (local.get $a)))
              (func (export "outer") (param $n i32) (result i64) (local $i i32) (local $acc i64) (local $k i64)
                (loop $l
                  (local.set $k (i64.extend_i32_u (local.get $i)))
                  (local.set $acc (i64.add (local.get $acc) (i64.add (call $narrow (local.get $k)) (local.get $k))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                local.get $acc))
            """)
        // narrow(k) = wide(2k, ..., k) = 3 * (2k + k) = 9k; acc = sum of 10k over k < 4.
        #expect(m.i64("outer", 4) == 60)
    }
}

import KilnCompiler
import KilnFrontend
import KilnRuntime
import Testing

/// In a versioned loop block, byte accesses of one root at consecutive addresses become
/// one 32-bit access (`AdjacentAccessMerging`, docs/codegen.md, "Versioned loop blocks"),
/// in a copy that runs only when the two roots' bytes are apart; results, overlapping
/// operands and traps stay exactly the byte-by-byte ones.
@Suite struct AdjacentAccessMergingTests {
    static let wat = """
        (module
          (memory (export "mem") 1)
          ;; Swaps n 4-byte elements of a and b byte by byte, as clang emits qsort's swap; the
          ;; addresses are computed in the loop from a counter.
          (func (export "swap") (param $a i32) (param $b i32) (param $n i32) (local $i i32) (local $x i32) (local $y i32) (local $t i32)
            (loop $next
              (local.set $x (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
              (local.set $y (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))
              (local.set $t (i32.load8_u (local.get $x)))
              (i32.store8 (local.get $x) (i32.load8_u (local.get $y)))
              (i32.store8 (local.get $y) (local.get $t))
              (local.set $t (i32.load8_u offset=1 (local.get $x)))
              (i32.store8 offset=1 (local.get $x) (i32.load8_u offset=1 (local.get $y)))
              (i32.store8 offset=1 (local.get $y) (local.get $t))
              (local.set $t (i32.load8_u offset=2 (local.get $x)))
              (i32.store8 offset=2 (local.get $x) (i32.load8_u offset=2 (local.get $y)))
              (i32.store8 offset=2 (local.get $y) (local.get $t))
              (local.set $t (i32.load8_u offset=3 (local.get $x)))
              (i32.store8 offset=3 (local.get $x) (i32.load8_u offset=3 (local.get $y)))
              (i32.store8 offset=3 (local.get $y) (local.get $t))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (local.get $n)))))
          ;; Copies n groups of 4 bytes from s to d, one byte at a time, upwards.
          (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
            (loop $next
              (i32.store8 (local.get $d) (i32.load8_u (local.get $s)))
              (i32.store8 offset=1 (local.get $d) (i32.load8_u offset=1 (local.get $s)))
              (i32.store8 offset=2 (local.get $d) (i32.load8_u offset=2 (local.get $s)))
              (i32.store8 offset=3 (local.get $d) (i32.load8_u offset=3 (local.get $s)))
              (local.set $d (i32.add (local.get $d) (i32.const 4)))
              (local.set $s (i32.add (local.get $s) (i32.const 4)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $next (local.get $n)))))
        """

    static let memorySize = 65536

    /// What the byte-by-byte code leaves in `memory`, and whether it trapped (at the first
    /// access out of bounds, after every access before it).
    static func reference(_ function: String, _ a: Int, _ b: Int, _ n: Int, memory: inout [UInt8]) -> Bool {
        func inBounds(_ address: Int) -> Bool { address >= 0 && address < memorySize }
        for i in 0..<n {
            for k in 0..<4 {
                if function == "swap" {
                    let x = a + 4 * i + k, y = b + 4 * i + k
                    guard inBounds(x) else { return true }
                    let t = memory[x]
                    guard inBounds(y) else { return true }
                    memory[x] = memory[y]
                    memory[y] = t
                } else {
                    let d = a + 4 * i + k, s = b + 4 * i + k
                    guard inBounds(s) else { return true }
                    guard inBounds(d) else { return true }
                    memory[d] = memory[s]
                }
            }
        }
        return false
    }

    /// Both functions' fast paths move 32 bits at a time on x86-64.
    @Test func byteGroupsBecomeWordMoves() throws {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: Self.wat), options: CompileOptions(target: .x86_64, tier: .optimizing))
        let functions = try disassembly(of: artifact)
        for name in ["swap", "copy"] {
            let body = try #require(functions[name])
            // A 32-bit store of a register, and a 32-bit load into one.
            #expect(body.contains { $0.hasPrefix("movl %") && $0.hasSuffix(")") }, "\(name): \(body)")
            #expect(body.contains { $0.hasPrefix("movl ") && $0.contains("), %") }, "\(name): \(body)")
        }
    }

    /// Apart, the same, and overlapping by one to three bytes either way: every result is
    /// the byte-by-byte one.
    @Test(arguments: CompilerTier.allCases) func resultsAreTheByteByByteOnes(_ tier: CompilerTier) throws {
        let cases: [(String, Int, Int, Int)] = [
            ("swap", 1000, 2000, 6), ("swap", 1000, 1000, 3), ("swap", 1000, 1001, 5), ("swap", 1001, 1000, 5),
            ("swap", 1000, 1003, 5), ("swap", 1000, 1004, 5), ("copy", 2000, 1000, 8), ("copy", 1000, 1001, 8),
            ("copy", 1001, 1000, 8), ("copy", 1000, 1002, 8), ("copy", 1003, 1000, 8), ("copy", 1000, 1000, 2),
        ]
        let pattern = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for (function, a, b, n) in cases {
            let i = try instantiate(Self.wat, tier)
            guard case .memory(let memory)? = i.export(named: "mem") else {
                Issue.record("no memory")
                return
            }
            for base in [1000, 2000] { try memory.write(pattern, at: UInt64(base)) }
            var expected = [UInt8](repeating: 0, count: Self.memorySize)
            for base in [1000, 2000] { expected.replaceSubrange(base..<(base + 64), with: pattern) }
            #expect(!Self.reference(function, a, b, n, memory: &expected))
            _ = try i.call(function, [.i32(UInt32(a)), .i32(UInt32(b)), .i32(UInt32(n))])
            for base in [1000, 2000] {
                #expect(
                    try memoryBytes(i, at: UInt64(base), count: 64) == Array(expected[base..<(base + 64)]),
                    "\(function)(\(a), \(b), \(n)) at \(base)")
            }
        }
    }

    /// The second element's last byte of b lies past the end: the swap traps there, with
    /// the first element and three bytes of the second swapped; the copy likewise.
    @Test(arguments: CompilerTier.allCases) func aTrapLeavesTheBytesBeforeIt(_ tier: CompilerTier) throws {
        let end = Self.memorySize
        for (function, a, b) in [("swap", 1000, end - 7), ("copy", 1000, end - 7), ("copy", end - 7, 1000)] {
            let i = try instantiate(Self.wat, tier)
            guard case .memory(let memory)? = i.export(named: "mem") else {
                Issue.record("no memory")
                return
            }
            let pattern = (0..<8).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 5) }
            let tail = (0..<7).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 200) }
            try memory.write(pattern, at: 1000)
            try memory.write(tail, at: UInt64(end - 7))
            var expected = [UInt8](repeating: 0, count: Self.memorySize)
            expected.replaceSubrange(1000..<1008, with: pattern)
            expected.replaceSubrange((end - 7)..<end, with: tail)
            #expect(Self.reference(function, a, b, 2, memory: &expected))
            let t = trap { _ = try i.call(function, [.i32(UInt32(a)), .i32(UInt32(b)), .i32(2)]) }
            #expect(t?.kind == .outOfBoundsMemoryAccess, "\(function)(\(a), \(b))")
            #expect(try memoryBytes(i, at: 1000, count: 8) == Array(expected[1000..<1008]), "\(function)(\(a), \(b))")
            #expect(try memoryBytes(i, at: UInt64(end - 7), count: 7) == Array(expected[(end - 7)..<end]), "\(function)(\(a), \(b))")
        }
    }
}

import Foundation
import KilnCompiler
import KilnFrontend
import Testing

/// Where the optimizing tier's x86-64 code sits and what frames it builds
/// (docs/codegen.md, "Code alignment" and "Frames"): functions on 32-byte boundaries,
/// innermost loops on 64-byte ones, and a frame record (`push rbp; mov rbp, rsp`) in
/// every function that calls, none in a leaf.
@Suite struct CodeLayoutTests {
    static let wat = """
        (module
          (memory 1)
          (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
          (func (export "leaf") (param i32) (param i32) (result i32)
            (i32.add (i32.load (local.get 0)) (local.get 1)))
          ;; A byte loop whose bound LLVM does not know: stays a loop, not vectorized.
          (func (export "count") (param $p i32) (result i32) (local $n i32)
            (block $done
              (loop $next
                (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (br $next)))
            (local.get $n)))
        """

    static func objdump() throws -> [String: [(address: UInt64, text: String)]] {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: wat), options: CompileOptions(target: .x86_64, tier: .optimizing))
        return try addressedDisassembly(of: artifact)
    }

    @Test func functionsAreAlignedTo32Bytes() throws {
        let functions = try Self.objdump()
        for name in ["fib", "leaf", "count"] {
            let address = try #require(functions[name]?.first?.address, "no symbol \(name) in \(functions.keys)")
            #expect(address % 32 == 0, "\(name) at \(String(address, radix: 16))")
        }
    }

    /// The loop's back edge jumps to a 64-byte boundary.
    @Test func anInnermostLoopStartsACacheLine() throws {
        let body = try #require(try Self.objdump()["count"])
        let backEdges = body.compactMap { line -> UInt64? in
            guard line.text.hasPrefix("j"), let target = Self.branchTarget(line.text), target < line.address
            else { return nil }
            return target
        }
        #expect(!backEdges.isEmpty, "no loop in \(body.map(\.text))")
        for target in backEdges { #expect(target % 64 == 0, "loop at \(String(target, radix: 16))") }
    }

    @Test func aLeafHasNoFrameRecordAndACallerHasOne() throws {
        let functions = try Self.objdump()
        let leaf = try #require(functions["leaf"]).map(\.text)
        #expect(!leaf.contains { $0.contains("%rbp") }, "\(leaf)")
        let fib = try #require(functions["fib"]).map(\.text)
        #expect(Array(fib.prefix(2)) == ["pushq %rbp", "movq %rsp, %rbp"], "\(fib)")
    }

    /// A direct branch's target: the hexadecimal address `llvm-objdump` prints first.
    static func branchTarget(_ text: String) -> UInt64? {
        let operand = text.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        return UInt64(operand.hasPrefix("0x") ? String(operand.dropFirst(2)) : operand, radix: 16)
    }
}

import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

/// The optimizing tier's AArch64 output, read back with `llvm-objdump` (nothing runs
/// here): an AArch64 ELF whose functions carry the wasm names, `call_indirect` through
/// a uniform table as a code-array call with no null, signature or initialization test,
/// the general path handing the slot address to a lazy trampoline in x18 (the `nest`
/// register, docs/abi.md), and the vmctx in x20 across calls.
@Suite struct AArch64OutputTests {
    static let fixture = """
        (module
          (type $ii (func (param i32) (result i32)))
          (import "env" "t" (table $imported 1 funcref))
          (table $t 4 funcref)
          (elem (table $t) (i32.const 0) func $inc)
          (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
          (func (export "uniform") (param i32 i32) (result i32)
            local.get 1 local.get 0 call_indirect $t (type $ii))
          (func (export "general") (param i32 i32) (result i32)
            local.get 1 local.get 0 call_indirect $imported (type $ii))
          (func (export "tail") (param i32 i32) (result i32)
            local.get 1 local.get 0 return_call_indirect $t (type $ii)))
        """

    static func compile(_ strategy: TableInitStrategy) throws -> Artifact {
        try Compiler.compile(
            wasm: try assemble(text: fixture),
            options: CompileOptions(target: .aarch64, tableInit: strategy, tier: .optimizing))
    }

    @Test func isAnAArch64ArtifactWithWasmNames() throws {
        let artifact = try Self.compile(.image)
        #expect(artifact.bytes[0x12] == 183 && artifact.bytes[0x13] == 0)  // e_machine EM_AARCH64
        let functions = try disassembly(of: artifact)
        for name in ["uniform", "general", "tail", "__kiln_lazy_trampoline"] {
            #expect(functions[name]?.isEmpty == false, "no \(name) in the disassembly")
        }
    }

    @Test(arguments: TableInitStrategy.allCases) func uniformTableCallIsOneIndirectCall(_ strategy: TableInitStrategy) throws {
        let body = try #require(try disassembly(of: Self.compile(strategy))["uniform"])
        #expect(body.contains { $0.hasPrefix("blr ") })
        // Bounds check against the constant length 4 only: no test of the loaded target.
        #expect(!body.contains { $0.hasPrefix("cbz ") || $0.hasPrefix("cbnz ") })
        #expect(body.contains { $0.hasPrefix("cmp ") && $0.hasSuffix("#3") })
    }

    @Test func generalCallPassesTheSlotInX18() throws {
        let body = try #require(try disassembly(of: Self.compile(.image))["general"])
        let call = try #require(body.firstIndex { $0.hasPrefix("blr ") })
        // The slot address is computed into x18 before the call, the callee's vmctx into x20.
        #expect(body[..<call].contains { $0.hasPrefix("add x18,") || $0.hasPrefix("mov x18,") })
        #expect(body[..<call].contains { $0.hasPrefix("ldr x20,") })
        // Under `image` the loaded funcref is not tested at all: the null check is the
        // fault of the signature check's load from it (NullCheckByFaultTests).
        #expect(!body[..<call].contains { $0.hasPrefix("cbz ") || $0.hasPrefix("cbnz ") })
    }

    /// `return_call_indirect` leaves by `br`; the only calls left in it are the trap
    /// builtin's (`ldr x8, [x20, #<trap slot>]` then `blr x8`).
    @Test func tailCallIsABranch() throws {
        let body = try #require(try disassembly(of: Self.compile(.image))["tail"])
        #expect(body.contains { $0.hasPrefix("br ") })
        let trapLoad = "ldr x8, [x20, #\(VMContextLayout.builtin(.trap))]"
        #expect(body.filter { $0.hasPrefix("blr ") }.count == body.filter { $0 == trapLoad }.count)
    }
}

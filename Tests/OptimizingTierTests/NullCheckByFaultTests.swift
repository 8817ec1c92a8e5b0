import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import KilnRuntime
import Testing

/// `call_indirect` through a table that is not uniform, under `image` and `eager`: a null
/// slot is 0, and the signature check's load from it faults, so no instruction tests
/// the funcref; the trap table names that load "uninitialized element" (docs/tables.md).
/// Both tiers: the baseline records the load itself, the optimizing tier gets it from
/// LLVM's fault map (its implicit null checks). `checked` keeps its branch.
@Suite struct NullCheckByFaultTests {
    /// The table is exported, so it is not uniform: the general sequence.
    static let fixture = """
        (module
          (type $ii (func (param i32) (result i32)))
          (table $t (export "t") 4 funcref)
          (memory (export "mem") 1)
          (elem (table $t) (i32.const 0) func $inc)
          (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
          (func (export "general") (param i32 i32) (result i32)
            (i32.store (i32.const 16) (i32.const 0x5a5a5a5a))
            (call_indirect $t (type $ii) (local.get 1) (local.get 0))))
        """

    static let strategies: [TableInitStrategy] = [.image, .eager]

    static func artifact(_ tier: CompilerTier, _ target: TargetISA, _ strategy: TableInitStrategy) throws -> Artifact {
        try Compiler.compile(
            wasm: try assemble(text: fixture), options: CompileOptions(target: target, tableInit: strategy, tier: tier))
    }

    /// The instructions before `general`'s indirect call never test a register against 0.
    @Test(arguments: [CompilerTier.baseline, .optimizing], [TargetISA.x86_64, .aarch64])
    func noTestOfTheFuncref(_ tier: CompilerTier, _ target: TargetISA) throws {
        for strategy in Self.strategies {
            let artifact = try Self.artifact(tier, target, strategy)
            let body = try #require(try disassembly(of: artifact)["general"])
            let isCall: (String) -> Bool = target == .x86_64 ? { $0.hasPrefix("call") } : { $0.hasPrefix("blr ") }
            let call = try #require(body.firstIndex(where: isCall), "\(tier) \(target) \(strategy)")
            let tests = body[..<call].filter {
                $0.hasPrefix("test") || $0.hasPrefix("cbz ") || $0.hasPrefix("cbnz ")
            }
            #expect(tests.isEmpty, "\(tier) \(target) \(strategy): \(tests)")
            #expect(
                artifact.metadata.trapSites.contains { $0.kind == .uninitializedElement },
                "\(tier) \(target) \(strategy): no uninitialized-element trap site")
        }
    }

    /// `checked` still branches: 0 means "not initialized yet" there.
    @Test(arguments: [CompilerTier.baseline, .optimizing])
    func checkedKeepsItsBranch(_ tier: CompilerTier) throws {
        let body = try #require(try disassembly(of: Self.artifact(tier, .x86_64, .checked))["general"])
        #expect(body.contains { $0.hasPrefix("test") })
    }

    /// Run on this host: a null slot traps "uninitialized element" through the fault, the
    /// store before the call is in memory, and the instance keeps working.
    @Test(arguments: [CompilerTier.baseline, .optimizing], [TableInitStrategy.image, .eager, .checked])
    func nullSlotTrapsAfterTheStore(_ tier: CompilerTier, _ strategy: TableInitStrategy) throws {
        let instance = try instantiate(Self.fixture, tier, strategy)
        #expect(trap { _ = try instance.call("general", [.i32(2), .i32(7)]) }?.kind == .uninitializedElement)
        #expect(try memoryBytes(instance, at: 16, count: 4) == [0x5a, 0x5a, 0x5a, 0x5a])
        #expect(try instance.call("general", [.i32(0), .i32(7)]) == [.i32(8)])
        #expect(trap { _ = try instance.call("general", [.i32(4), .i32(7)]) }?.kind == .undefinedElement)
    }
}

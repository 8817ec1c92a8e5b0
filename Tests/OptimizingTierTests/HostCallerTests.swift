import KilnABI
import KilnCompiler
import KilnRuntime
import Testing

/// Which instance a host function sees as its `Caller` (docs/abi.md, "Wasm -> host"):
/// the instance that imported it into the slot the call went through, recorded in that
/// slot's `VMHostFunction` block. Every importing instance gets its own block, also when
/// it imports a host function another instance re-exported; a funcref of a host function
/// carries the block of the instance that created it, so a call through it reports that
/// instance whoever makes it. Every pairing of tiers, under every table strategy.
@Suite struct HostCallerTests {
    /// Reads byte `addr` of the caller's memory 0: each module's byte 0 names it.
    static func peek() -> HostFunction {
        HostFunction(name: "peek", parameters: [.i32], results: [.i32]) { caller, args in
            guard case .i32(let address) = args[0], let memory = caller.memory else {
                throw RuntimeError.usage("peek: no caller memory")
            }
            return [.i32(UInt32(try memory.read(at: UInt64(address), count: 1)[0]))]
        }
    }

    static let a = """
        (module
          (type $peek_t (func (param i32) (result i32)))
          (import "host" "peek" (func $peek (param i32) (result i32)))
          (memory 1)
          (data (i32.const 0) "A")
          (table (export "t") 2 funcref)
          (elem (i32.const 0) $peek)
          (export "peek" (func $peek))
          (func (export "direct") (result i32) (call $peek (i32.const 0)))
          (func (export "tail") (result i32) (return_call $peek (i32.const 0)))
          (func (export "slot0") (result i32) (call_indirect (type $peek_t) (i32.const 0) (i32.const 0)))
          (func (export "slot1") (result i32) (call_indirect (type $peek_t) (i32.const 0) (i32.const 1))))
        """

    static let b = """
        (module
          (type $peek_t (func (param i32) (result i32)))
          (import "host" "peek" (func $peek (param i32) (result i32)))
          (import "a" "peek" (func $repeek (param i32) (result i32)))
          (import "a" "direct" (func $a_direct (result i32)))
          (import "a" "t" (table 2 funcref))
          (memory 1)
          (data (i32.const 0) "B")
          (elem declare func $repeek)
          (func (export "direct") (result i32) (call $peek (i32.const 0)))
          (func (export "tail") (result i32) (return_call $peek (i32.const 0)))
          (func (export "reexported") (result i32) (call $repeek (i32.const 0)))
          (func (export "reexported_tail") (result i32) (return_call $repeek (i32.const 0)))
          (func (export "through_a") (result i32) (call $a_direct))
          (func (export "a_funcref") (result i32) (call_indirect (type $peek_t) (i32.const 0) (i32.const 0)))
          (func (export "own_funcref") (result i32)
            (table.set (i32.const 1) (ref.func $repeek))
            (call_indirect (type $peek_t) (i32.const 0) (i32.const 1))))
        """

    static let pairings: [(CompilerTier, CompilerTier)] = CompilerTier.allCases.flatMap { a in
        CompilerTier.allCases.map { (a, $0) }
    }

    @Test(arguments: pairings, TableInitStrategy.allCases)
    func callerIsTheImportingInstance(
        _ tiers: (a: CompilerTier, b: CompilerTier), _ strategy: TableInitStrategy
    ) throws {
        let store = Store(engine: engine)
        let peek = Self.peek()
        var importsA = Imports()
        importsA.define(module: "host", name: "peek", peek)
        let a = try instantiate(Self.a, tiers.a, strategy, imports: importsA, store: store)
        var importsB = Imports()
        importsB.define(module: "host", name: "peek", peek)
        importsB.define(module: "a", instance: a)
        let b = try instantiate(Self.b, tiers.b, strategy, imports: importsB, store: store)
        let label = "\(tiers.a) -> \(tiers.b), \(strategy.name)"
        let A = [Value.i32(65)], B = [Value.i32(66)]

        // One host function imported by two instances: each sees its own memory.
        #expect(try a.call("direct") == A, "\(label)")
        #expect(try b.call("direct") == B, "\(label)")
        #expect(try a.call("tail") == A, "\(label)")
        #expect(try b.call("tail") == B, "\(label)")
        // B imports the host function A re-exported: B's own block, so B is the caller.
        #expect(try b.call("reexported") == B, "\(label)")
        #expect(try b.call("reexported_tail") == B, "\(label)")
        // A's code called from B: A is the caller.
        #expect(try b.call("through_a") == A, "\(label)")
        // A funcref carries the block of the instance that created it: A's element, called
        // from A or from B, reports A; B's `ref.func` of its import, called from A, B.
        #expect(try a.call("slot0") == A, "\(label)")
        #expect(try b.call("a_funcref") == A, "\(label)")
        #expect(try b.call("own_funcref") == B, "\(label)")
        #expect(try a.call("slot1") == B, "\(label)")
        // The host calling the export directly has no caller.
        guard case .function(let exported)? = a.export(named: "peek") else {
            Issue.record("no export peek")
            return
        }
        #expect(trap { _ = try exported.call([.i32(0)]) }?.kind == .hostError, "\(label)")
    }
}

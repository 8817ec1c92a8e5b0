import KilnABI
import KilnCompiler
import KilnRuntime
import Testing

/// Artifacts of the two tiers link with each other (one ABI, docs/abi.md): imports,
/// shared tables, funcrefs both ways, tail calls across tiers in constant stack, results
/// that go through memory, stack arguments, host functions. Every pairing of tiers,
/// under every table strategy.
@Suite struct MixedTierTests {
    static let exporter = """
        (module
          (type $i2i (func (param i64) (result i64)))
          (table (export "t") 4 funcref)
          (elem (i32.const 1) $double $countdown)
          (func $double (export "double") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 2)))
          (func $five (export "five") (param i64) (result i64 i64 i64 i64 i64)
            (local.get 0) (i64.add (local.get 0) (i64.const 1)) (i64.add (local.get 0) (i64.const 2))
            (i64.add (local.get 0) (i64.const 3)) (i64.add (local.get 0) (i64.const 4)))
          (func $many (export "many")
            (param i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64) (result f64)
            (f64.add
              (f64.convert_i64_s (i64.add (local.get 0) (i64.mul (local.get 7) (i64.const 1000))))
              (f64.add (local.get 8) (f64.mul (local.get 17) (f64.const 100)))))
          ;; Tail-calls through slot 0, which the importer fills with its own function.
          (func $countdown (export "countdown") (param i64) (result i64)
            (if (result i64) (i64.eqz (local.get 0))
              (then (i64.const 7))
              (else (return_call_indirect (type $i2i) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
          (func (export "call_slot") (param i64 i32) (result i64)
            (call_indirect (type $i2i) (local.get 0) (local.get 1))))
        """

    static let importer = """
        (module
          (type $i2i (func (param i64) (result i64)))
          (import "a" "t" (table 4 funcref))
          (import "a" "double" (func $double (param i64) (result i64)))
          (import "a" "five" (func $five (param i64) (result i64 i64 i64 i64 i64)))
          (import "a" "many" (func $many
            (param i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64) (result f64)))
          (import "a" "countdown" (func $countdown (param i64) (result i64)))
          (import "host" "inc" (func $inc (param i64) (result i64)))
          (elem declare func $back $triple)
          (func $triple (param i64) (result i64) (i64.mul (local.get 0) (i64.const 3)))
          (func $back (param i64) (result i64)
            (if (result i64) (i64.eqz (local.get 0))
              (then (i64.const 8))
              (else (return_call $countdown (i64.sub (local.get 0) (i64.const 1))))))
          (func (export "setup")
            (table.set (i32.const 0) (ref.func $back))
            (table.set (i32.const 2) (ref.func $triple)))
          (func (export "call_double") (param i64) (result i64) (call $double (local.get 0)))
          (func (export "via_table") (param i64 i32) (result i64) (call_indirect (type $i2i) (local.get 0) (local.get 1)))
          (func (export "sum_five") (param i64) (result i64)
            (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $e i64)
            (call $five (local.get 0))
            (local.set $e) (local.set $d) (local.set $c) (local.set $b) (local.set $a)
            ;; a + 10b + 100c + 1000d + 10000e keeps the order visible
            (i64.add (local.get $a)
              (i64.add (i64.mul (local.get $b) (i64.const 10))
                (i64.add (i64.mul (local.get $c) (i64.const 100))
                  (i64.add (i64.mul (local.get $d) (i64.const 1000)) (i64.mul (local.get $e) (i64.const 10000)))))))
          (func (export "call_many") (result f64)
            (call $many (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6)
              (i64.const 7) (i64.const 8) (f64.const 0.5) (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4)
              (f64.const 5) (f64.const 6) (f64.const 7) (f64.const 8) (f64.const 9)))
          (func (export "ping") (param i64) (result i64) (return_call $countdown (local.get 0)))
          (func (export "host") (param i64) (result i64) (call $inc (call $double (local.get 0)))))
        """

    static let pairings: [(CompilerTier, CompilerTier)] = CompilerTier.allCases.flatMap { a in
        CompilerTier.allCases.map { (a, $0) }
    }

    @Test(arguments: pairings, TableInitStrategy.allCases)
    func tiersLink(_ tiers: (exporter: CompilerTier, importer: CompilerTier), _ strategy: TableInitStrategy) throws {
        let store = Store(engine: engine)
        let a = try instantiate(Self.exporter, tiers.exporter, strategy, store: store)
        var imports = Imports()
        imports.define(module: "a", instance: a)
        imports.define(
            module: "host", name: "inc",
            HostFunction(parameters: [.i64], results: [.i64]) { _, args in
                guard case .i64(let v) = args[0] else { return [] }
                return [.i64(v + 1)]
            })
        let b = try instantiate(Self.importer, tiers.importer, strategy, imports: imports, store: store)
        let label = "\(tiers.exporter) -> \(tiers.importer), \(strategy.name)"

        #expect(try b.call("call_double", [.i64(21)]) == [.i64(42)], "\(label)")
        // A's table from B: lazy slots of A bind to A's functions.
        #expect(try b.call("via_table", [.i64(5), .i32(1)]) == [.i64(10)], "\(label)")
        // Results through memory (five i64 results), both directions of the call.
        #expect(try b.call("sum_five", [.i64(1)]) == [.i64(1 + 20 + 300 + 4000 + 50000)], "\(label)")
        #expect(try a.call("five", [.i64(3)]) == [.i64(3), .i64(4), .i64(5), .i64(6), .i64(7)], "\(label)")
        // Eight integer and ten float arguments: stack arguments across tiers.
        #expect(try b.call("call_many", []) == [.f64((1.0 + 8000 + 0.5 + 900).bitPattern)], "\(label)")
        // B's funcrefs into A's table, called from A.
        try b.call("setup")
        #expect(try a.call("call_slot", [.i64(5), .i32(2)]) == [.i64(15)], "\(label)")
        // Mutual tail recursion across the two modules (and tiers), through the table
        // one way and an import the other: a million calls in constant stack.
        #expect(try b.call("ping", [.i64(1_000_000)]) == [.i64(7)], "\(label)")
        #expect(try b.call("ping", [.i64(999_999)]) == [.i64(8)], "\(label)")
        // Host function called from either tier's code.
        #expect(try b.call("host", [.i64(4)]) == [.i64(9)], "\(label)")
        // A null slot traps in A's code.
        #expect(trap { _ = try a.call("call_slot", [.i64(1), .i32(3)]) }?.kind == .uninitializedElement, "\(label)")
    }
}

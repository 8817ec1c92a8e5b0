import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

@testable import KilnRuntime

/// Tables end to end: `.wat` compiled by the real compiler for each `--table-init`
/// strategy, run by the runtime. Enabled once the compiler accepts reference types,
/// tables and tail calls (the x86-64 table codegen).
let compilerSupportsTables: Bool = {
    let probe = """
        (module (type $t (func (result i32))) (table 1 funcref)
          (func (result i32) (return_call_indirect (type $t) (i32.const 0))))
        """
    guard let wasm = try? assemble(text: probe) else { return false }
    do {
        _ = try Compiler.compile(wasm: wasm)
        return true
    } catch {
        return false
    }
}()

@Suite(.enabled(if: compilerSupportsTables, "the compiler does not compile tables yet"))
struct TableEndToEndTests {

    static func module(_ wat: String, _ strategy: TableInitStrategy) throws -> Module {
        let artifact = try Compiler.compile(wasm: try assemble(text: wat), options: CompileOptions(tableInit: strategy))
        return try Module(bytes: artifact.bytes, engine: engine)
    }

    /// 24 parameters, every value type six times: more than fit in the integer (6) and
    /// float (8) argument registers.
    static let manyTypes: [String] = (0..<24).map { ["i32", "i64", "f32", "f64"][$0 % 4] }
    static func manyBody() -> String {
        var terms: [String] = []
        for (k, t) in manyTypes.enumerated() {
            let v: String
            switch t {
            case "i32": v = "(f64.convert_i32_s (local.get \(k)))"
            case "i64": v = "(f64.convert_i64_s (local.get \(k)))"
            case "f32": v = "(f64.promote_f32 (local.get \(k)))"
            default: v = "(local.get \(k))"
            }
            terms.append("(f64.mul \(v) (f64.const \(k + 1)))")
        }
        return terms.dropFirst().reduce(terms[0]) { "(f64.add \($0) \($1))" }
    }
    static let manyArgs: String = manyTypes.enumerated().map { "(\($0.element).const \($0.offset * 3 - 20))" }.joined(
        separator: " ")
    static let manyExpected: Double = manyTypes.indices.reduce(0.0) { $0 + Double($1 * 3 - 20) * Double($1 + 1) }

    static let wat = """
        (module
          (type $t0 (func (result i32)))
          (type $many (func (param \(manyTypes.joined(separator: " "))) (result f64)))
          (table $t (export "t") 8 20 funcref)
          (table $u 4 funcref)
          (elem (table $t) (i32.const 0) func $one $two $boom $many $one $two)
          (func $one (result i32) (i32.const 1))
          (func $two (result i32) (i32.const 2))
          (func $boom (result i32) unreachable)
          (func $many (type $many) \(manyBody()))
          (func (export "call") (param i32) (result i32) (call_indirect $t (type $t0) (local.get 0)))
          (func (export "tail") (param i32) (result i32) (return_call_indirect $t (type $t0) (local.get 0)))
          (func (export "get") (param i32) (result funcref) (table.get $t (local.get 0)))
          (func (export "refOne") (result funcref) (ref.func $one))
          (func (export "copyAndCall") (param i32) (result i32)
            (table.copy $u $t (i32.const 1) (local.get 0) (i32.const 1))
            (call_indirect $u (type $t0) (i32.const 1)))
          (func (export "callMany") (result f64) (call_indirect $t (type $many) \(manyArgs) (i32.const 3)))
          (func (export "tailMany") (result f64) (return_call_indirect $t (type $many) \(manyArgs) (i32.const 3)))
          (func $countdown (export "countdown") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 7))
              (else (return_call $countdown (i32.sub (local.get 0) (i32.const 1)))))))
        """

    @Test(arguments: TableInitStrategy.allCases) func lazySlotsReachedEveryWay(_ strategy: TableInitStrategy) throws {
        let module = try Self.module(Self.wat, strategy)
        // First reached via call_indirect.
        do {
            let i = try module.instantiate(store: Store(engine: engine))
            #expect(try i.call("call", [.i32(0)]) == [.i32(1)])
            #expect(try i.call("call", [.i32(1)]) == [.i32(2)])
            #expect(trap { _ = try i.call("call", [.i32(7)]) }?.kind == .uninitializedElement)
            #expect(trap { _ = try i.call("call", [.i32(8)]) }?.kind == .undefinedElement)
            #expect(trap { _ = try i.call("call", [.i32(3)]) }?.kind == .indirectCallTypeMismatch)
        }
        // Via return_call_indirect.
        do {
            let i = try module.instantiate(store: Store(engine: engine))
            #expect(try i.call("tail", [.i32(4)]) == [.i32(1)])
            #expect(try i.call("tail", [.i32(5)]) == [.i32(2)])
        }
        // Via table.get handed to the host and called from there; identity with ref.func.
        do {
            let i = try module.instantiate(store: Store(engine: engine))
            let got = try i.call("get", [.i32(0)])
            #expect(got == (try i.call("refOne")))
            guard case .funcref(let ref?) = got.first else {
                Issue.record("\(got)")
                return
            }
            #expect(try Function(ref)?.call([]) == [.i32(1)])
            guard case .table(let t)? = i.export(named: "t") else {
                Issue.record("no table")
                return
            }
            #expect(try t.get(4) == got[0])
        }
        // Via table.copy into another table.
        do {
            let i = try module.instantiate(store: Store(engine: engine))
            #expect(try i.call("copyAndCall", [.i32(5)]) == [.i32(2)])
            #expect(try i.call("copyAndCall", [.i32(0)]) == [.i32(1)])
        }
        // A trap inside a function reached through a lazy slot.
        do {
            let i = try module.instantiate(store: Store(engine: engine))
            let t = trap { _ = try i.call("call", [.i32(2)]) }
            #expect(t?.kind == .unreachable)
            #expect(t?.function == "boom" || t?.function == "function[2]")  // the name section is optional
            #expect(try i.call("call", [.i32(0)]) == [.i32(1)])
        }
    }

    @Test(arguments: TableInitStrategy.allCases) func trampolineKeepsEveryArgument(_ strategy: TableInitStrategy) throws
    {
        let module = try Self.module(Self.wat, strategy)
        for name in ["callMany", "tailMany"] {
            let i = try module.instantiate(store: Store(engine: engine))
            #expect(try i.call(name) == [.f64(Self.manyExpected.bitPattern)], "\(name)")
            #expect(try i.call(name) == [.f64(Self.manyExpected.bitPattern)], "\(name), warm")
        }
        let i = try module.instantiate(store: Store(engine: engine))
        #expect(try i.call("countdown", [.i32(1_000_000)]) == [.i32(7)])
    }

    @Test(arguments: TableInitStrategy.allCases) func importedTableBindsToItsOwner(_ strategy: TableInitStrategy) throws
    {
        let store = Store(engine: engine)
        let exporter = try Self.module(Self.wat, strategy).instantiate(store: store)
        var imports = Imports()
        imports.define(module: "m", instance: exporter)
        let importer = try Self.module(
            """
            (module
              (import "m" "t" (table 8 funcref))
              (type $t0 (func (result i32)))
              (func $ten (result i32) (i32.const 10))
              (elem declare func $ten)
              (func (export "call") (param i32) (result i32) (call_indirect (type $t0) (local.get 0)))
              (func (export "put") (param i32) (table.set (local.get 0) (ref.func $ten))))
            """, strategy
        ).instantiate(store: store, imports: imports)
        #expect(try importer.call("call", [.i32(0)]) == [.i32(1)])
        #expect(try importer.call("call", [.i32(5)]) == [.i32(2)])
        try importer.call("put", [.i32(6)])
        #expect(try exporter.call("call", [.i32(6)]) == [.i32(10)])
    }

    @Test(arguments: TableInitStrategy.allCases) func threadsDriveTheirOwnInstances(_ strategy: TableInitStrategy)
        throws
    {
        let module = try Self.module(Self.wat, strategy)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            do {
                for _ in 0..<50 {
                    let i = try module.instantiate(store: Store(engine: engine))
                    for slot in [5, 0, 4, 1]
                    where try i.call("call", [.i32(UInt32(slot))]) != [.i32(slot % 4 == 0 ? 1 : 2)] {
                        failures.add("thread \(t) slot \(slot)")
                    }
                    if try i.call("callMany") != [.f64(Self.manyExpected.bitPattern)] {
                        failures.add("thread \(t) many")
                    }
                }
            } catch {
                failures.add("thread \(t): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
    }
}

// The reference: WasmKit's interpreter, in process. It also judges validity (its parser
// and validator, with the features Kiln supports) for the robustness fuzzers.
@_spi(Fuzzing) import WasmKit
import WasmParser
import KilnABI

/// Runs modules in WasmKit and reports what happened as a ``RunOutcome``.
public enum ReferenceRunner {
    /// The proposals Kiln compiles (Compiler.supportedFeatures), plus the two whose
    /// *encodings* Wasm 3.0 (the spec suite in ../shared/spec) made part of every module:
    /// memory64 reads a memarg offset as a u64 (up to 10 LEB128 bytes) and multi-memory
    /// reads alignment bit 6 as "a memory index follows" and memory indices as LEB128.
    /// Without them WasmKit refuses such single-memory, 32-bit modules, which the 3.0 spec
    /// calls valid. A module that really uses a 64-bit or a second memory is refused by
    /// Kiln as unsupported, which the oracle counts apart. Extended constants and bulk
    /// memory are always on in WasmKit.
    static let features: WasmFeatureSet = [.referenceTypes, .tailCall, .memory64, .multiMemory]

    /// Eager translation validates every body at instantiation; software bounds checks keep
    /// WasmKit's signal handlers out of the process (Kiln's own are installed).
    /// Fuel metering bounds the reference's run of a mutant that loops forever (generated
    /// modules bound themselves); a call that runs out is inconclusive, not compared.
    static func makeEngine(fuel: Bool = false) -> Engine {
        Engine(
            configuration: EngineConfiguration(
                compilationMode: .eager, features: features, memoryBoundsChecking: .software, fuelMetering: fuel))
    }

    /// Fuel for one module's reference run (instantiation and every call together).
    public static let fuelBudget: UInt64 = 2_000_000

    /// The message of the inconclusive outcome of a run that spent all its fuel.
    public static let outOfFuel = "reference trap: out of fuel"

    /// The reference's opinion of a module's validity.
    public enum Verdict: Equatable, Sendable {
        case valid
        /// Only a copy with passive segments could be judged (applying an active segment
        /// trapped), and it is valid: the active segments' own indices and offset
        /// expressions went unchecked.
        case validExceptActiveSegments
        case invalid(String)
        /// Instantiation trapped before the bodies were validated, and no copy could be made.
        case inconclusive
    }

    /// Whether the reference finds `wasm` valid (parse + validate + translate every body).
    /// Imports are given stand-ins and the start function is dropped (validating never
    /// runs code; the start function's type goes unchecked). When applying an active
    /// segment traps (WasmKit then never reaches the bodies), a copy with passive segments
    /// is validated instead.
    public static func validate(_ wasm: [UInt8]) -> Verdict {
        switch judge(wasm) {
        case .some(.trapped):
            // A copy with passive segments applies nothing at instantiation, so only a
            // resource limit can stop it again.
            guard let passive = PassiveSegments.rewrite(wasm) else { return .inconclusive }
            switch judge(passive) {
            case .none: return .validExceptActiveSegments
            case .some(.trapped): return .inconclusive
            case .some(.refused(let message)): return .invalid(message)
            }
        case .some(.refused(let message)): return .invalid(message)
        case .none: return .valid
        }
    }

    enum Objection { case trapped, refused(String) }

    /// Parses and instantiates `wasm`; nil when that worked.
    static func judge(_ wasm: [UInt8]) -> Objection? {
        do {
            var module = try parseWasm(bytes: wasm, features: features)
            module.dropStartFunction()
            let store = Store(engine: makeEngine())
            store.resourceLimiter = limiter
            _ = try module.instantiate(store: store, imports: try standInImports(module, store))
            return nil
        } catch is WasmKit.Trap {
            return .trapped
        } catch is ReferenceLimit {
            return .trapped  // too large for the reference: no opinion
        } catch {
            return .refused(String(describing: error))
        }
    }

    static func standInImports(_ module: WasmKit.Module, _ store: Store) throws -> Imports {
        var imports = Imports()
        for entry in module.imports {
            let value: ExternalValueConvertible
            switch entry.descriptor {
            case .function(let typeIndex):
                guard let type = module.functionType(at: typeIndex) else { continue }
                value = Function(store: store, type: type) { _, _ in throw StandInCalled() }
            case .global(let type):
                value = try Global(store: store, type: type, value: zero(type.valueType))
            case .memory(let type):
                value = try Memory(store: store, type: type)
            case .table(let type):
                value = try Table(store: store, type: type)
            case .tag:
                continue
            }
            imports.define(module: entry.module, name: entry.name, value.externalValue)
        }
        return imports
    }

    struct StandInCalled: Error {}

    /// Keeps the reference's memories and tables small (mutants ask for gigabytes); a
    /// module that needs more is inconclusive.
    /// Growth past the limits throws (rather than failing the grow, which Kiln would not
    /// do), and the run becomes inconclusive.
    final class Limiter: ResourceLimiter {
        func limitMemoryGrowth(to desired: Int) throws -> Bool {
            guard desired <= 64 << 20 else { throw ReferenceLimit() }
            return true
        }
        func limitTableGrowth(to desired: Int) throws -> Bool {
            guard desired <= 1 << 20 else { throw ReferenceLimit() }
            return true
        }
    }

    /// Thrown by ``Limiter``.
    struct ReferenceLimit: Error, CustomStringConvertible {
        var description: String { "the reference's resource limit" }
    }
    static let limiter = Limiter()

    static func zero(_ type: ValueType) -> WasmKit.Value {
        switch type {
        case .i32: return .i32(0)
        case .i64: return .i64(0)
        case .f32: return .f32(0)
        case .f64: return .f64(0)
        case .v128: return .v128(V128(bytes: Array(repeating: 0, count: 16)))
        case .ref(let r): return r.heapType == .abstract(.externRef) ? .ref(.extern(nil)) : .ref(.function(nil))
        }
    }

    /// The calls the oracle makes on an instance (decided by its exports alone, in export
    /// order): three argument tuples per function (one for `deep`). Parameters of
    /// reference type get null.
    static func plan(_ instance: Instance) -> [PlannedCall] {
        var calls: [PlannedCall] = []
        for (position, (name, value)) in instance.exports.enumerated() {
            guard case .function(let function) = value else { continue }
            let parameters = function.type.parameters.map(fuzzType)
            let tuples = name == ModuleGenerator.deepExport ? 1 : 3
            for tuple in 0..<tuples {
                let bits = EdgeValues.arguments(for: parameters, export: position, tuple: tuple)
                calls.append(PlannedCall(export: name, arguments: zip(bits, parameters).map { FuzzValue.from(bits: $0, type: $1) }))
            }
        }
        return calls
    }

    static func fuzzType(_ t: ValueType) -> FuzzType {
        switch t {
        case .i32: return .i32
        case .i64: return .i64
        case .f32: return .f32
        case .f64: return .f64
        default: return .funcref
        }
    }

    /// Instantiates `wasm`, plans the calls and makes them. Nil for a module with imports
    /// (Kiln's runner provides none, so the two would not compare). With `everyCall`, the
    /// memory and globals are read after each call too (``RunOutcome/afterCalls``).
    public static func run(_ wasm: [UInt8], everyCall: Bool = false) -> (plan: [PlannedCall], outcome: RunOutcome)? {
        let store = Store(engine: makeEngine(fuel: true))
        store.fuel = Fuel(remaining: fuelBudget)
        store.resourceLimiter = limiter
        let instance: Instance
        do {
            let module = try parseWasm(bytes: wasm, features: features)
            guard module.imports.isEmpty else { return nil }
            instance = try module.instantiate(store: store)
        } catch {
            return ([], RunOutcome(instantiation: outcome(of: error)))
        }
        let calls = plan(instance)
        var result = RunOutcome(instantiation: .values([]))
        for call in calls {
            if let function = instance.exports[function: call.export] {
                do {
                    let values = try function.invoke(call.arguments.map(wasmKitValue))
                    result.calls.append(.values(values.map(fuzzValue)))
                } catch {
                    result.calls.append(outcome(of: error))
                }
            } else {
                result.calls.append(.error("no export \(call.export)"))
            }
            if everyCall { result.afterCalls.append(state(of: instance)) }
        }
        let final = state(of: instance)
        result.memory = final.memory
        result.globals = final.globals
        return (calls, result)
    }

    /// The first exported memory's bytes and every exported global's value.
    static func state(of instance: Instance) -> InstanceState {
        var state = InstanceState()
        for (name, value) in instance.exports {
            switch value {
            case .memory(let memory):
                if state.memory == nil {
                    state.memory = memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { Array($0) }
                }
            case .global(let global):
                state.globals.append((name, fuzzValue(global.value)))
            default: break
            }
        }
        return state
    }

    static func wasmKitValue(_ v: FuzzValue) -> WasmKit.Value {
        switch v {
        case .i32(let x): return .i32(x)
        case .i64(let x): return .i64(x)
        case .f32(let x): return .f32(x)
        case .f64(let x): return .f64(x)
        case .reference: return .ref(.function(nil))
        }
    }

    static func fuzzValue(_ v: WasmKit.Value) -> FuzzValue {
        switch v {
        case .i32(let x): return .i32(x)
        case .i64(let x): return .i64(x)
        case .f32(let x): return .f32(x)
        case .f64(let x): return .f64(x)
        case .ref(.function(let f)): return .reference(isNull: f == nil)
        case .ref(.extern(let e)): return .reference(isNull: e == nil)
        default: return .reference(isNull: false)
        }
    }

    /// Maps WasmKit's trap messages to Kiln's trap kinds. WasmKit has one reason for an
    /// out-of-bounds table index; the spec says "undefined element" for call_indirect and
    /// "out of bounds table access" for table.get/set: mapped to the latter and compared
    /// as one class (``Comparison``).
    static func outcome(of error: Error) -> CallOutcome {
        guard let trap = error as? WasmKit.Trap else { return .error(String(describing: error)) }
        var message = String(describing: trap)
        if message.hasPrefix("Trap: ") { message.removeFirst(6) }
        message = String(message.prefix { $0 != "\n" })
        let kinds: [(String, TrapKind)] = [
            ("unreachable", .unreachable), ("call stack exhausted", .callStackExhausted),
            ("out of bounds memory access", .outOfBoundsMemoryAccess), ("integer divide by zero", .integerDivideByZero),
            ("integer overflow", .integerOverflow), ("invalid conversion to integer", .invalidConversionToInteger),
            ("indirect call to null element", .uninitializedElement),
            ("indirect call type mismatch", .indirectCallTypeMismatch),
            ("out of bounds table access", .outOfBoundsTableAccess), ("null function reference", .nullReference),
            ("null reference", .nullReference),
        ]
        for (prefix, kind) in kinds where message.hasPrefix(prefix) { return .trap(kind) }
        return .error("reference trap: \(message)")
    }
}

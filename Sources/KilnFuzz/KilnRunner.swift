// Kiln under test: compile with one configuration, load the artifact, instantiate, make
// the planned calls, read the final state.
import KilnABI
import KilnCompiler
import KilnInspect
import KilnRuntime

/// One way Kiln can compile a module. The fuzzers run every configuration in
/// ``KilnConfiguration/all``; when Kiln gains tiers or targets that run on this machine,
/// they are added here and every mode covers them.
public struct KilnConfiguration: Sendable, CustomStringConvertible {
    public var tableInit: TableInitStrategy
    public var target: TargetISA
    /// The code generator tier. ``all`` holds the baseline's configurations (the `gen`
    /// mode's); the `tiers` mode runs both tiers against each other (``TierCheck``).
    public var tier: CompilerTier

    public init(tableInit: TableInitStrategy, target: TargetISA = .x86_64, tier: CompilerTier = .baseline) {
        self.tableInit = tableInit
        self.target = target
        self.tier = tier
    }

    public var description: String { "\(tier.rawValue)/\(target.name)/\(tableInit.name)" }

    var options: CompileOptions { CompileOptions(target: target, tableInit: tableInit, tier: tier) }

    /// Every baseline configuration that runs on this machine.
    public static let all: [KilnConfiguration] = TableInitStrategy.allCases.map { KilnConfiguration(tableInit: $0) }
}

/// Compiles, loads and runs modules with Kiln.
public enum KilnRunner {
    /// One engine for the process (it installs the signal handlers once).
    static let engine = Engine()

    /// The artifact bytes, or the compiler's error message.
    public static func compile(_ wasm: [UInt8], _ configuration: KilnConfiguration) -> Result<[UInt8], CompilerError> {
        do {
            return .success(try Compiler.compile(wasm: wasm, options: configuration.options).bytes)
        } catch {
            return .failure(error)
        }
    }

    /// Loads `artifact`, instantiates it (imports must be none) and makes `calls`. With
    /// `everyCall`, the memory and globals are read after each call too
    /// (``RunOutcome/afterCalls``).
    public static func run(artifact: [UInt8], calls: [PlannedCall], everyCall: Bool = false) -> RunOutcome {
        let instance: Instance
        do {
            let module = try Module(bytes: artifact, engine: engine)
            instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
        } catch let error as RuntimeError {
            if case .trap(let t) = error { return RunOutcome(instantiation: .trap(t.kind)) }
            return RunOutcome(instantiation: .error(error.description))
        } catch {
            return RunOutcome(instantiation: .error(String(describing: error)))
        }
        var result = RunOutcome(instantiation: .values([]))
        for call in calls {
            do {
                let values = try instance.call(call.export, call.arguments.map(kilnValue))
                result.calls.append(.values(values.map(fuzzValue)))
            } catch {
                if case .trap(let t) = error {
                    result.calls.append(.trap(t.kind))
                } else {
                    result.calls.append(.error(error.description))
                }
            }
            if everyCall { result.afterCalls.append(state(of: instance)) }
        }
        let final = state(of: instance)
        result.memory = final.memory
        result.globals = final.globals
        return result
    }

    /// The first exported memory's bytes and every exported global's value.
    static func state(of instance: Instance) -> InstanceState {
        var state = InstanceState()
        for (name, value) in instance.exports {
            switch value {
            case .memory(let memory):
                if state.memory == nil { state.memory = try? memory.read(at: 0, count: Int(memory.byteCount)) }
            case .global(let global):
                state.globals.append((name, fuzzValue(global.value)))
            default: break
            }
        }
        return state
    }

    /// Loads an artifact, describes it as `kiln inspect` does, instantiates it and calls
    /// every export with zero arguments; returns the load ("load: ...") or instantiation
    /// error, if any. Used on damaged artifacts: anything but a crash or hang is acceptable.
    public static func exercise(artifact: [UInt8], phase: (ArtifactPhase) -> Void = { _ in }) -> String? {
        phase(.load)
        let module: Module
        do {
            module = try Module(bytes: artifact, engine: engine)
        } catch {
            return "load: \(error.description)"
        }
        phase(.inspect)
        _ = ArtifactReport(module: module, fileBytes: artifact).text(file: "artifact.so")
        phase(.instantiate)
        let instance: Instance
        do {
            instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
        } catch {
            return error.description
        }
        phase(.call)
        for (name, value) in instance.exports {
            guard case .function(let f) = value else { continue }
            let zeros = f.type.parameters.map { kind -> Value in
                switch kind {
                case .i64: return .i64(0)
                case .f32: return .f32(0)
                case .f64: return .f64(0)
                case .funcref: return .funcref(nil)
                case .externref: return .externref(nil)
                default: return .i32(0)
                }
            }
            _ = try? instance.call(name, zeros)
        }
        return nil
    }

    static func kilnValue(_ v: FuzzValue) -> Value {
        switch v {
        case .i32(let x): return .i32(x)
        case .i64(let x): return .i64(x)
        case .f32(let x): return .f32(x)
        case .f64(let x): return .f64(x)
        case .reference: return .funcref(nil)
        }
    }

    static func fuzzValue(_ v: Value) -> FuzzValue {
        switch v {
        case .i32(let x): return .i32(x)
        case .i64(let x): return .i64(x)
        case .f32(let x): return .f32(x)
        case .f64(let x): return .f64(x)
        case .funcref(let r): return .reference(isNull: r == nil)
        case .externref(let r): return .reference(isNull: r == nil)
        }
    }
}

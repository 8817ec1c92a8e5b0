// What instances import and export: functions, memories, globals.
import KilnABI

/// Something an instance exports or a host provides to an import
/// (https://webassembly.github.io/spec/core/exec/runtime.html#external-values).
public enum Extern {
    case function(Function)
    case memory(Memory)
    case global(Global)
    case table(Table)

    var typeName: String {
        switch self {
        case .function: return "function"
        case .memory: return "memory"
        case .global: return "global"
        case .table: return "table"
        }
    }
}

/// A callable function: a wasm function of some instance, or a host function. Calling it
/// from the host works whatever instance it came from.
public struct Function {
    enum Kind {
        /// A defined function of `instance`: the pointers the entry trampoline needs.
        case wasm(instance: Instance, index: Int, entry: UnsafeRawPointer?, code: UnsafeRawPointer)
        case host(HostFunction)
    }
    let kind: Kind
    /// The function's signature.
    public let type: Signature

    /// Wraps a host function so it can be defined as an import or called.
    public init(_ host: HostFunction) {
        kind = .host(host)
        type = host.type
    }

    init(instance: Instance, index: Int) {
        let module = instance.module
        let typeIndex = module.functionTypeIndex(index)
        let f = module.metadata.functions[index - module.importedFunctionCount]
        let entryOffset = module.metadata.entryTrampolines[Int(typeIndex)]
        kind = .wasm(
            instance: instance, index: index,
            entry: entryOffset == ArtifactMetadata.noCode ? nil : module.codeAddress(entryOffset),
            code: module.codeAddress(f.codeOffset))
        type = module.metadata.types[Int(typeIndex)]
    }

    /// Calls the function with `args` (checked against its parameter types).
    @discardableResult
    public func call(_ args: [Value]) throws(RuntimeError) -> [Value] {
        guard args.count == type.parameters.count else {
            throw RuntimeError.usage(
                "wrong number of arguments: expected \(type.parameters.count), got \(args.count)")
        }
        for (i, (a, p)) in zip(args, type.parameters).enumerated() where a.kind != p {
            throw RuntimeError.usage("argument \(i) has type \(a.kind.name), expected \(p.name)")
        }
        for (i, a) in args.enumerated() {
            // A funcref from the host must be a real funcref of a live instance.
            if case .funcref(let r?) = a, !FuncRefs.isReal(r.address) {
                throw RuntimeError.usage("argument \(i): funcref \(r.address) is not a funcref of a live instance")
            }
        }
        switch kind {
        case .host(let host):
            return try host.callFromHost(args)
        case .wasm(let instance, let index, let entry, let code):
            guard let entry else {
                throw RuntimeError.usage("the artifact has no entry trampoline for the type of function \(index)")
            }
            let slots = max(type.parameters.count, type.results.count, 1)
            var values = [UInt64](repeating: 0, count: slots)
            for (i, a) in args.enumerated() { values[i] = a.slot }
            let outcome = values.withUnsafeMutableBufferPointer { buf in
                instance.store.enterWasm(entry: entry, vmctx: instance.vmctx, code: code, values: buf.baseAddress!)
            }
            if let failure = outcome { throw failure }
            var results: [Value] = []
            results.reserveCapacity(type.results.count)
            for (i, r) in type.results.enumerated() { results.append(Value(kind: r, slot: values[i])) }
            return results
        }
    }
}

/// The definitions a host offers to a module's imports, by module and name. Also holds
/// other instances' exports (`define(module:instance:)`, the .wast `register` command).
public struct Imports {
    private var entries: [WasmName: [WasmName: Extern]] = [:]

    public init() {}

    /// Defines `module.name` as `value`, replacing an earlier definition.
    public mutating func define(module: String, name: String, _ value: Extern) {
        entries[WasmName(module), default: [:]][WasmName(name)] = value
    }

    /// Defines `module.name` as a host function.
    public mutating func define(module: String, name: String, _ function: HostFunction) {
        define(module: module, name: name, .function(Function(function)))
    }

    /// Defines every export of `instance` under `module`.
    public mutating func define(module: String, instance: Instance) {
        for (name, value) in instance.exports { define(module: module, name: name, value) }
    }

    /// The definition of `module.name`, if any.
    public func lookup(module: String, name: String) -> Extern? { entries[WasmName(module)]?[WasmName(name)] }
}

/// An import or export name compared the way wasm compares names: by their UTF-8 bytes.
/// (Swift's `String ==` uses canonical equivalence, under which "\u{C5}" and
/// "A\u{30A}" are equal; to wasm they are different names.)
struct WasmName: Hashable {
    let utf8: [UInt8]
    init(_ s: String) { utf8 = Array(s.utf8) }
}

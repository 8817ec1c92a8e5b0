import KilnABI
import KilnRuntime

/// The host side of an in-process script run: one engine and store, the standard
/// `spectest` module, and the instances the script registered under a name, used to
/// resolve imports. The artifact host (Sources/KilnArtifactHost) does the same in its
/// process.
final class HostEnvironment {
    let engine = Engine()
    let store: Store
    /// Keyed by UTF-8 bytes: wasm names are byte strings, and Swift's `String` equality
    /// would merge canonically equivalent names.
    private var registered: [[UInt8]: Instance] = [:]
    private let spectest: [[UInt8]: Extern]

    init() {
        store = Store(engine: engine)
        spectest = SpectestModule.exports(store: store)
    }

    /// Registers `instance` under `name`; nil forgets the name.
    func register(_ instance: Instance?, as name: String) {
        registered[Array(name.utf8)] = instance
    }

    /// Instantiates `module`, resolving each import from `spectest` or a registered
    /// instance. Unresolved imports are left out, so the runtime reports them.
    func instantiate(_ module: Module) throws(RuntimeError) -> Instance {
        var imports = Imports()
        for i in module.imports {
            let extern: Extern?
            if i.module == "spectest" {
                extern = spectest[Array(i.name.utf8)]
            } else {
                extern = registered[Array(i.module.utf8)]?.export(named: i.name)
            }
            if let extern { imports.define(module: i.module, name: i.name, extern) }
        }
        return try Instance(module: module, store: store, imports: imports)
    }

    func globalValue(_ instance: Instance, _ name: String) throws(RuntimeError) -> Value {
        guard case .global(let g)? = instance.export(named: name) else {
            throw .usage("no exported global named \"\(name)\"")
        }
        return g.value
    }
}

/// The `spectest` module every spec script may import from: print functions that do
/// nothing, the globals of value 666, a funcref table of 10 to 20 elements and a memory
/// of 1 to 2 pages.
enum SpectestModule {
    static func exports(store: Store) -> [[UInt8]: Extern] {
        var e: [String: Extern] = [:]
        func printer(_ params: [ValueKind]) -> Extern {
            .function(Function(HostFunction(name: "spectest.print", parameters: params, results: []) { _, _ in [] }))
        }
        e["print"] = printer([])
        e["print_i32"] = printer([.i32])
        e["print_i64"] = printer([.i64])
        e["print_f32"] = printer([.f32])
        e["print_f64"] = printer([.f64])
        e["print_i32_f32"] = printer([.i32, .f32])
        e["print_f64_f64"] = printer([.f64, .f64])
        e["global_i32"] = global(.i32, .i32(666))
        e["global_i64"] = global(.i64, .i64(666))
        e["global_f32"] = global(.f32, .f32(Float(666.6).bitPattern))
        e["global_f64"] = global(.f64, .f64(Double(666.6).bitPattern))
        func global(_ kind: ValueKind, _ value: Value) -> Extern? {
            (try? Global(type: GlobalTypeEntry(kind: kind, isMutable: false), value: value)).map { .global($0) }
        }
        if let table = try? Table(element: .funcref, minimum: 10, maximum: 20) {
            e["table"] = .table(table)
        }
        if let memory = try? Memory(minimumPages: 1, maximumPages: 2) {
            e["memory"] = .memory(memory)
        }
        return Dictionary(uniqueKeysWithValues: e.map { (Array($0.key.utf8), $0.value) })
    }
}

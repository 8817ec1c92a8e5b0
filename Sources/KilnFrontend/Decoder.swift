import WAT
import WasmParser
import WasmTypes

/// Decodes a binary module into a ``WasmModule`` (structure only: bodies are kept as
/// `Code` and checked by the validator).
public func decodeModule(_ bytes: [UInt8]) throws(ModuleError) -> WasmModule {
    var parser = Parser(bytes: bytes, features: .all)
    var module = WasmModule()
    var definedFunctionTypes: [UInt32] = []
    do {
        while let payload = try parser.parseNext() {
            switch payload {
            case .header: break
            case .customSection(let section):
                if section.name == "name" {
                    // A malformed name section is ignored, as the spec allows for custom sections.
                    var names = NameSectionParser(stream: StaticByteStreamSource(bytes: section.bytes))
                    if let parsed = try? names.parseAll() {
                        for case .functions(let map) in parsed { module.functionNames = map }
                    }
                }
            case .typeSection(let groups):
                for group in groups {
                    for sub in group.types {
                        guard case .function(let type) = sub.body else {
                            module.usedFeatures.insert(.gc)
                            module.types.append(FunctionType(parameters: [], results: []))
                            continue
                        }
                        module.types.append(type)
                    }
                    if group.types.count > 1 { module.usedFeatures.insert(.gc) }
                }
            case .importSection(let imports):
                module.imports = imports
                for i in imports {
                    switch i.descriptor {
                    case .function(let t):
                        module.functionTypeIndices.append(t)
                        module.importedFunctionCount += 1
                    case .table(let t):
                        module.tables.append(t)
                        module.importedTableCount += 1
                    case .memory(let m):
                        module.memories.append(m)
                        module.importedMemoryCount += 1
                    case .global(let g):
                        module.globals.append(g)
                        module.importedGlobalCount += 1
                    case .tag:
                        module.usedFeatures.insert(.exceptionHandling)
                    }
                }
            case .functionSection(let types):
                definedFunctionTypes = types
                module.functionTypeIndices.append(contentsOf: types)
            case .tableSection(let tables):
                module.tables.append(contentsOf: tables.map(\.type))
            case .memorySection(let memories):
                module.memories.append(contentsOf: memories.map(\.type))
            case .globalSection(let globals):
                for g in globals {
                    module.globals.append(g.type)
                    module.globalInitializers.append(g.initializer)
                }
            case .tagSection:
                module.usedFeatures.insert(.exceptionHandling)
            case .exportSection(let exports):
                module.exports = exports
            case .startSection(let index):
                module.start = index
            case .elementSection(let elements):
                module.elements = elements
            case .codeSection(let bodies):
                module.bodies = bodies
            case .dataSection(let data):
                module.data = data
            case .dataCount(let count):
                module.dataCount = count
            }
        }
    } catch {
        throw ModuleError.malformed(String(describing: error))
    }
    guard definedFunctionTypes.count == module.bodies.count else {
        throw ModuleError.malformed("function and code section have inconsistent lengths")
    }
    return module
}

/// Turns WebAssembly text into the binary format (all features enabled).
public func assemble(text: String) throws(ModuleError) -> [UInt8] {
    do {
        return try wat2wasm(text, features: .all)
    } catch {
        throw ModuleError.malformed(String(describing: error))
    }
}

import WAT
import WasmParser
import WasmTypes

/// Decodes and validates a binary module: the frontend's one entry point. Malformed input
/// throws a `.malformed` error, a module that decodes but breaks a validation rule an
/// `.invalid` one, both worded like the spec tests and carrying the byte offset.
/// <https://webassembly.github.io/spec/core/binary/modules.html>
///
/// A module WasmParser rejects only because a `0xFC`/`0xFD` sub-opcode is not in minimal
/// LEB128 form is decoded again after ``PrefixedOpcodeCanonicalizer`` rewrites it; the
/// offsets of that second decode (in errors and in the module) refer to the rewritten
/// binary.
public func decodeModule(_ bytes: [UInt8]) throws(ModuleError) -> WasmModule {
    do {
        return try decodeAndValidate(bytes)
    } catch {
        if error.kind == .malformed, error.message == "integer too large",
            let invalid = WideLimitsCheck.validationError(in: bytes)
        {
            throw invalid
        }
        guard PrefixedOpcodeCanonicalizer.isNonMinimalSubOpcode(error) else { throw error }
        let rewritten = try PrefixedOpcodeCanonicalizer.canonicalize(bytes)
        guard rewritten != bytes else { throw error }
        return try decodeAndValidate(rewritten)
    }
}

private func decodeAndValidate(_ bytes: [UInt8]) throws(ModuleError) -> WasmModule {
    var module = try decodeStructure(bytes)
    try validate(&module)
    return module
}

/// Decodes the sections into a ``WasmModule`` without validating (bodies stay `Code`).
func decodeStructure(_ bytes: [UInt8]) throws(ModuleError) -> WasmModule {
    var parser = Parser(bytes: bytes, features: .all)
    var module = WasmModule()
    var definedFunctionTypes: [UInt32]?
    var sawDataSection = false
    while true {
        let sectionStart = parser.offset
        let next: ParsingPayload?
        do {
            next = try parser.parseNext()
        } catch {
            throw ParserErrorMapping.sectionError(error, bytes: bytes, sectionStart: sectionStart, position: parser.offset)
        }
        guard let payload = next else { break }
        if sectionStart > 0, let id = SectionID(rawValue: bytes[sectionStart]) {
            module.sectionOffsets[id] = sectionStart
        }
        switch payload {
        case .header: break
        case .customSection(let section):
            if section.name == "name" { module.functionNames = readFunctionNames(section.bytes) }
        case .typeSection(let groups):
            for group in groups {
                if group.types.count > 1 { module.usedFeatures.insert(.gc) }
                for sub in group.types {
                    if !sub.isFinal || !sub.supertypes.isEmpty { module.usedFeatures.insert(.gc) }
                    guard case .function(let type) = sub.body else {
                        module.usedFeatures.insert(.gc)
                        module.nonFunctionTypes.insert(UInt32(module.types.count))
                        module.types.append(FunctionType(parameters: [], results: []))
                        continue
                    }
                    module.types.append(type)
                }
            }
        case .importSection(let imports):
            module.imports = imports
            for i in imports {
                switch i.descriptor {
                case .function(let t):
                    module.functionTypeIndices.append(t)
                    module.importedFunctionCount += 1
                case .table(let t):
                    if t.limits.shared { throw sharedTable(at: sectionStart, table: module.tables.count) }
                    module.tables.append(t)
                    module.importedTableCount += 1
                case .memory(let m):
                    module.memories.append(m)
                    module.importedMemoryCount += 1
                case .global(let g):
                    module.globals.append(g)
                    module.importedGlobalCount += 1
                case .tag(let t):
                    module.tags.append(t)
                }
            }
        case .functionSection(let types):
            definedFunctionTypes = types
            module.functionTypeIndices.append(contentsOf: types)
        case .tableSection(let tables):
            for (i, t) in tables.enumerated() where t.type.limits.shared {
                throw sharedTable(at: sectionStart, table: module.tables.count + i)
            }
            module.tables.append(contentsOf: tables.map(\.type))
            module.tableInitializers = tables.map(\.initializer)
        case .memorySection(let memories):
            module.memories.append(contentsOf: memories.map(\.type))
        case .globalSection(let globals):
            for g in globals {
                module.globals.append(g.type)
                module.globalInitializers.append(g.initializer)
            }
        case .tagSection(let tags):
            module.tags.append(contentsOf: tags.map(\.type))
        case .exportSection(let exports):
            module.exports = exports
        case .startSection(let index):
            module.start = index
        case .elementSection(let elements):
            if let error = ElementFlagsCheck.error(in: bytes, sectionStart: sectionStart) { throw error }
            module.elements = elements
        case .codeSection(let bodies):
            module.bodies = bodies
            module.codeSectionIsLast = parser.offset >= bytes.count
        case .dataSection(let data):
            sawDataSection = true
            module.data = data
        case .dataCount(let count):
            module.dataCount = count
        }
    }
    if (definedFunctionTypes?.count ?? 0) != module.bodies.count {
        throw ModuleError.malformed(
            "function and code section have inconsistent lengths",
            detail: "\(definedFunctionTypes?.count ?? 0) functions, \(module.bodies.count) bodies",
            offset: module.sectionOffsets[.code] ?? module.sectionOffsets[.function])
    }
    if let count = module.dataCount, Int(count) != module.data.count, sawDataSection || count != 0 {
        throw ModuleError.malformed(
            "data count and data section have inconsistent lengths",
            detail: "data count \(count), \(module.data.count) segments",
            offset: module.sectionOffsets[.data] ?? module.sectionOffsets[.dataCount])
    }
    if !module.tags.isEmpty { module.usedFeatures.insert(.exceptionHandling) }
    return module
}

/// WasmParser reads table limits with the memories' flags, so it accepts the `shared`
/// flag (2) on a table; only memories can be shared, and the spec interpreter refuses the
/// flag byte as malformed.
private func sharedTable(at sectionStart: Int, table: Int) -> ModuleError {
    .malformed("malformed limits flags", detail: "table \(table) is marked shared", offset: sectionStart)
}

/// Function names from a name section. A malformed name section is ignored (custom
/// sections never make a module malformed), and so is a malformed subsection.
func readFunctionNames(_ bytes: ArraySlice<UInt8>) -> [UInt32: String] {
    var reader = NameSectionReader(bytes)
    return reader.functionNames() ?? [:]
}

/// Turns WebAssembly text into the binary format (all features enabled).
public func assemble(text: String) throws(ModuleError) -> [UInt8] {
    let tokenized = WATText(text)
    if let error = ImportTypeUseCheck.error(in: tokenized) { throw error }
    do {
        return try wat2wasm(TypeUseParameterNames.rewrite(tokenized), features: .all)
    } catch {
        throw textError(error)
    }
}

/// WebAssembly text (a module or a `.wast` script) made ready for WasmKit's parser:
/// see ``TypeUseParameterNames``.
public func prepareText(_ text: String) -> String {
    TypeUseParameterNames.rewrite(WATText(text))
}

/// A text-format error as a ``ModuleError``, its place as line and column (1-based); a
/// type use that disagrees with its inline params/results gets the spec's wording.
public func textError(_ error: any Error) -> ModuleError {
    var text = String(describing: error)
    var place = ""
    if let error = error as? WatParserError, let location = error.location {
        let suffix = " at \(location)"
        if text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        let (line, column) = location.computeLineAndColumn()
        place = " at line \(line), column \(column + 1)"
    }
    if text.hasPrefix("Type mismatch FunctionType") {
        return .malformed("inline function type", detail: "the type use and the inline params and results differ\(place)")
    }
    return .malformed(text + place)
}

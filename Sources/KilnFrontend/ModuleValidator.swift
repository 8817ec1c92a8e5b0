import WasmParser
import WasmTypes

/// What body and constant-expression validation needs to know about the module.
/// <https://webassembly.github.io/spec/core/valid/conventions.html#contexts>
///
/// A class, shared by reference: every ``FunctionValidator`` holds one, and a validator
/// that held the module by value would be hundreds of bytes wide, which Swift copies on
/// every call of a borrowing method of the (non-copyable) validator, once per instruction.
final class ValidationContext {
    let module: WasmModule
    /// C.refs: functions that `ref.func` may name inside bodies (those referenced from
    /// exports, element segments, and global or table initializers).
    let declaredFunctionReferences: Set<UInt32>
    /// Set when the type section uses GC (recursion groups, subtypes, structs, arrays):
    /// Kiln's type matching does not cover them, so bodies and constant expressions are
    /// only scanned.
    let usesGCTypes: Bool

    init(module: WasmModule, declaredFunctionReferences: Set<UInt32>) {
        self.module = module
        self.declaredFunctionReferences = declaredFunctionReferences
        self.usesGCTypes = module.usedFeatures.contains(.gc)
    }

    /// Type indices that are struct or array types (GC).
    var nonFunctionTypes: Set<UInt32> { module.nonFunctionTypes }
}

/// Validates `module` in place (filling `usedFeatures`, `unvalidatedFeatures` and
/// `functionUsage`).
/// <https://webassembly.github.io/spec/core/valid/modules.html>
func validate(_ module: inout WasmModule) throws(ModuleError) {
    var features = module.usedFeatures
    var unvalidated: Set<WasmFeature> = []
    let typeCount = module.types.count

    /// Runs `body`, giving an error without an offset the offset of section `id`.
    func inSection(_ id: SectionID, _ body: () throws(ModuleError) -> Void) throws(ModuleError) {
        do { try body() } catch {
            var e = error
            if e.offset == nil { e.offset = module.sectionOffsets[id] }
            throw e
        }
    }
    func checkType(_ t: ValueType, noteFeatures: Bool = true) throws(ModuleError) {
        if noteFeatures { FeatureScanner.noteFeatures(of: t, into: &features) }
        if case .ref(let r) = t, case .concrete(let index) = r.heapType, Int(index) >= typeCount {
            throw .unknown("type", index)
        }
    }
    func checkTypeIndex(_ index: UInt32) throws(ModuleError) {
        guard Int(index) < typeCount else { throw .unknown("type", index) }
    }

    try inSection(.type) { () throws(ModuleError) in
        for (i, type) in module.types.enumerated() where !module.nonFunctionTypes.contains(UInt32(i)) {
            for t in type.parameters + type.results { try checkType(t) }
        }
    }
    for (i, index) in module.functionTypeIndices.enumerated() {
        try inSection(i < module.importedFunctionCount ? .import : .function) { () throws(ModuleError) in
            try checkTypeIndex(index)
        }
    }
    try inSection(.tag) { () throws(ModuleError) in
        for index in module.tags { try checkTypeIndex(index) }
    }
    for (i, table) in module.tables.enumerated() {
        try inSection(i < module.importedTableCount ? .import : .table) { () throws(ModuleError) in
            // A funcref table is MVP; other element types need reference types or more.
            try checkType(.ref(table.elementType), noteFeatures: table.elementType != .funcRef)
            let maximum = table.limits.isMemory64 ? UInt64.max : UInt64(UInt32.max)
            try checkLimits(table.limits, maximum: maximum, what: "table")
        }
        if table.limits.isMemory64 { features.insert(.memory64) }
    }
    for (i, memory) in module.memories.enumerated() {
        try inSection(i < module.importedMemoryCount ? .import : .memory) { () throws(ModuleError) in
            let maximum: UInt64 = memory.isMemory64 ? 1 << 48 : 1 << 16
            guard memory.min <= maximum, (memory.max ?? 0) <= maximum else {
                throw .invalid(
                    memory.isMemory64
                        ? "memory size must be at most 2^48 pages"
                        : "memory size must be at most 65536 pages (4GiB)")
            }
            try checkLimits(memory, maximum: maximum, what: "memory")
        }
        if memory.isMemory64 { features.insert(.memory64) }
        if memory.shared { features.insert(.threads) }
    }
    if module.memories.count > 1 { features.insert(.multiMemory) }
    if !module.tables.isEmpty || !module.elements.isEmpty { features.insert(.tables) }
    for (i, global) in module.globals.enumerated() {
        try inSection(i < module.importedGlobalCount ? .import : .global) { () throws(ModuleError) in
            try checkType(global.valueType)
        }
    }
    try inSection(.code) { () throws(ModuleError) in
        for body in module.bodies {
            for t in body.locals { try checkType(t) }
        }
    }

    // C.refs, then the constant expressions (which may name any function).
    var refs = Set<UInt32>()
    func collectRefs(_ expression: ConstExpression) {
        for case .refFunc(let f) in expression { refs.insert(f) }
    }
    module.globalInitializers.forEach(collectRefs)
    module.tableInitializers.forEach { if let e = $0 { collectRefs(e) } }
    for segment in module.elements { segment.initializer.forEach(collectRefs) }
    for case .function(let f) in module.exports.map(\.descriptor) { refs.insert(f) }
    let context = ValidationContext(module: module, declaredFunctionReferences: refs)

    var constants = ConstantExpressionChecker(context: context)
    try inSection(.global) { () throws(ModuleError) in
        for (i, expression) in module.globalInitializers.enumerated() {
            let global = module.importedGlobalCount + i
            try constants.check(expression, type: module.globals[global].valueType, globalLimit: global)
        }
    }
    try inSection(.table) { () throws(ModuleError) in
        for (i, expression) in module.tableInitializers.enumerated() {
            let table = module.tables[module.importedTableCount + i]
            if let expression {
                features.insert(.functionReferences)
                try constants.check(expression, type: .ref(table.elementType), globalLimit: module.globals.count)
            } else if !table.elementType.isNullable {
                throw .invalid("type mismatch", detail: "a table of non-null references needs an initializer")
            }
        }
    }
    try inSection(.element) { () throws(ModuleError) in
        try validateElements(module, constants: &constants)
    }
    try inSection(.data) { () throws(ModuleError) in
        try validateData(module, constants: &constants, features: &features)
    }
    try inSection(.export) { () throws(ModuleError) in try validateExports(module) }
    try inSection(.start) { () throws(ModuleError) in
        guard let start = module.start else { return }
        guard Int(start) < module.functionTypeIndices.count else { throw .unknown("function", start) }
        let type = module.functionType(of: start)
        guard type.parameters.isEmpty, type.results.isEmpty else {
            throw .invalid(
                "start function",
                detail: "function \(start) must have type [] -> [], has \(TypeRules.name(type.parameters)) -> \(TypeRules.name(type.results))")
        }
    }
    features.formUnion(constants.features)
    unvalidated.formUnion(constants.unvalidated)

    var scanner = FeatureScanner()
    var usage = FunctionUsageCounter()
    var functionUsage: [FunctionUsage] = []
    functionUsage.reserveCapacity(module.bodies.count)
    for (i, body) in module.bodies.enumerated() {
        let index = UInt32(module.importedFunctionCount + i)
        let skipped = try FunctionValidator.validate(
            function: index, body: body, context: context, scanner: &scanner, usage: &usage)
        if let skipped { unvalidated.insert(skipped) }
        functionUsage.append(usage.usage)
    }
    module.functionUsage = functionUsage
    features.formUnion(scanner.features)
    // A feature left unvalidated is always one the module uses, so a code generator that
    // refuses unsupported `usedFeatures` never sees an unvalidated construct.
    features.formUnion(unvalidated)
    module.usedFeatures = features
    module.unvalidatedFeatures = unvalidated
}

/// min <= max, both within `maximum`.
private func checkLimits(_ limits: Limits, maximum: UInt64, what: String) throws(ModuleError) {
    if let max = limits.max, limits.min > max {
        throw .invalid("size minimum must not be greater than maximum", detail: "\(what) limits \(limits.min) > \(max)")
    }
    if limits.min > maximum || (limits.max ?? 0) > maximum {
        throw .invalid("\(what) size must be at most \(maximum)")
    }
}

/// Element segments: tables exist, offsets and initializers are constant expressions of
/// the right type, and the element type fits the table.
private func validateElements(_ module: WasmModule, constants: inout ConstantExpressionChecker) throws(ModuleError) {
    for segment in module.elements {
        if case .concrete(let index) = segment.type.heapType, Int(index) >= module.types.count {
            throw .unknown("type", index)
        }
        if case .active(let tableIndex, let offset) = segment.mode {
            guard Int(tableIndex) < module.tables.count else { throw .unknown("table", tableIndex) }
            let table = module.tables[Int(tableIndex)]
            try constants.check(offset, type: table.limits.isMemory64 ? .i64 : .i32, globalLimit: module.globals.count)
            guard TypeRules.isSubtype(segment.type, of: table.elementType, types: module.types) else {
                throw .invalid(
                    "type mismatch",
                    detail: "element segment of \(TypeRules.name(.ref(segment.type))) in a table of \(TypeRules.name(.ref(table.elementType)))")
            }
        }
        for expression in segment.initializer {
            try constants.check(expression, type: .ref(segment.type), globalLimit: module.globals.count)
        }
    }
}

/// Data segments: memories exist, offsets are constant expressions of the address type.
private func validateData(
    _ module: WasmModule, constants: inout ConstantExpressionChecker, features: inout Set<WasmFeature>
) throws(ModuleError) {
    for segment in module.data {
        switch segment {
        case .passive: features.insert(.bulkMemory)
        case .active(let active):
            guard Int(active.index) < module.memories.count else { throw .unknown("memory", active.index) }
            if active.index != 0 { features.insert(.multiMemory) }
            let memory = module.memories[Int(active.index)]
            try constants.check(active.offset, type: memory.isMemory64 ? .i64 : .i32, globalLimit: module.globals.count)
        }
    }
}

/// Export names are unique and name existing entities.
private func validateExports(_ module: WasmModule) throws(ModuleError) {
    let repeated = repeatedNames(module.exports)
    for (i, export) in module.exports.enumerated() {
        guard !repeated[i] else {
            throw .invalid("duplicate export name", detail: "\"\(export.name)\"")
        }
        switch export.descriptor {
        case .function(let i):
            guard Int(i) < module.functionTypeIndices.count else { throw .unknown("function", i) }
        case .table(let i):
            guard Int(i) < module.tables.count else { throw .unknown("table", i) }
        case .memory(let i):
            guard Int(i) < module.memories.count else { throw .unknown("memory", i) }
        case .global(let i):
            guard Int(i) < module.globals.count else { throw .unknown("global", i) }
        case .tag(let i):
            guard Int(i) < module.tags.count else { throw .unknown("tag", i) }
        }
    }
}

/// For each export, whether an earlier export has the same name. Names are compared as
/// bytes: Swift's `String` equality would merge canonically equivalent spellings ("\u{C5}"
/// and "A\u{30A}"), which are distinct wasm names. Found by sorting rather than with a
/// `Set<[UInt8]>`, whose first use in a process costs a runtime lookup of `Array`'s
/// conditional `Hashable` conformance (about 0.2 ms, more than the rest of a small module's
/// validation).
private func repeatedNames(_ exports: [Export]) -> [Bool] {
    var repeated = [Bool](repeating: false, count: exports.count)
    guard exports.count > 1 else { return repeated }
    let names = exports.map { Array($0.name.utf8) }
    // By name, equal names by position, so the first of a run of equal names is the earliest.
    let order = names.indices.sorted { a, b in
        names[a] == names[b] ? a < b : names[a].lexicographicallyPrecedes(names[b])
    }
    for k in order.indices.dropFirst() where names[order[k]] == names[order[k - 1]] {
        repeated[order[k]] = true
    }
    return repeated
}

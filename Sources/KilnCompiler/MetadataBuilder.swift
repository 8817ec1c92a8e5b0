import KilnABI
import KilnCodegen
import KilnFrontend
import WasmParser
import WasmTypes

/// Translates the validated module and the backend's output into ``ArtifactMetadata``.
struct MetadataBuilder {
    let module: WasmModule
    let code: CompiledCode
    let target: TargetISA

    func build() throws(CompilerError) -> ArtifactMetadata {
        var m = ArtifactMetadata(target: target)
        for t in module.types {
            m.types.append(Signature(parameters: try t.parameters.map(valueKind), results: try t.results.map(valueKind)))
        }
        for i in module.imports {
            let kind: ImportEntry.Kind
            switch i.descriptor {
            case .function(let t): kind = .function(typeIndex: t)
            case .memory(let l): kind = .memory(limits(l))
            case .global(let g): kind = .global(try globalType(g))
            case .table(let t): kind = .table(TableTypeEntry(element: try valueKind(.ref(t.elementType)), limits: limits(t.limits)))
            case .tag: throw .unsupportedFeatures([.exceptionHandling])
            }
            m.imports.append(ImportEntry(module: i.module, name: i.name, kind: kind))
        }
        let exportNames = Dictionary(
            module.exports.compactMap { e -> (UInt32, String)? in
                if case .function(let f) = e.descriptor { return (f, e.name) } else { return nil }
            }, uniquingKeysWith: { a, _ in a })
        for (i, (offset, size)) in code.functions.enumerated() {
            let index = UInt32(module.importedFunctionCount + i)
            m.functions.append(
                FunctionEntry(
                    typeIndex: module.functionTypeIndices[Int(index)], codeOffset: offset, codeSize: size,
                    name: module.functionNames[index] ?? exportNames[index] ?? ""))
        }
        if module.memories.count > module.importedMemoryCount {
            m.memory = limits(module.memories[module.importedMemoryCount])
        }
        for (i, initializer) in module.globalInitializers.enumerated() {
            let type = module.globals[module.importedGlobalCount + i]
            m.globals.append(GlobalEntry(type: try globalType(type), initializer: try constExpr(initializer)))
        }
        for e in module.exports {
            switch e.descriptor {
            case .function(let i): m.exports.append(ExportEntry(name: e.name, kind: .function, index: i))
            case .table(let i): m.exports.append(ExportEntry(name: e.name, kind: .table, index: i))
            case .memory(let i): m.exports.append(ExportEntry(name: e.name, kind: .memory, index: i))
            case .global(let i): m.exports.append(ExportEntry(name: e.name, kind: .global, index: i))
            case .tag: throw .unsupportedFeatures([.exceptionHandling])
            }
        }
        m.startFunction = module.start
        for d in module.data {
            switch d {
            case .passive(let bytes):
                m.dataSegments.append(DataSegmentEntry(offset: nil, isInImage: false, bytes: Array(bytes)))
            case .active(let a):
                guard a.index == 0 else { throw .unsupportedFeatures([.multiMemory]) }
                m.dataSegments.append(
                    DataSegmentEntry(offset: try constExpr(a.offset), isInImage: false, bytes: Array(a.initializer)))
            }
        }
        for (i, table) in module.tables.enumerated().dropFirst(module.importedTableCount) {
            let initializer = module.tableInitializers.indices.contains(i - module.importedTableCount)
                ? module.tableInitializers[i - module.importedTableCount] : nil
            m.tables.append(
                TableEntry(
                    type: TableTypeEntry(element: try valueKind(.ref(table.elementType)), limits: limits(table.limits)),
                    initializer: try initializer.map(constExpr), hasImage: false))
        }
        for segment in module.elements {
            let mode: ElementSegmentEntry.Mode
            switch segment.mode {
            case .passive: mode = .passive
            case .declarative: mode = .declarative
            case .active(let table, let offset): mode = .active(table: table, offset: try constExpr(offset))
            }
            m.elementSegments.append(
                ElementSegmentEntry(
                    mode: mode, kind: try valueKind(.ref(ReferenceType(isNullable: true, heapType: segment.type.heapType))),
                    items: try segment.initializer.map(constExpr), isInImage: false))
        }
        m.lazyTrampoline = code.lazyTrampoline
        m.trapSites = code.trapSites
        m.entryTrampolines = code.entryTrampolines
        m.hostCallStubs = code.hostCallStubs
        return m
    }

    func valueKind(_ t: ValueType) throws(CompilerError) -> ValueKind {
        switch t {
        case .i32: return .i32
        case .i64: return .i64
        case .f32: return .f32
        case .f64: return .f64
        case .v128: throw .unsupportedFeatures([.simd])
        case .ref(let r):
            guard r.isNullable else { throw .unsupportedFeatures([.functionReferences]) }
            switch r.heapType {
            case .abstract(.funcRef): return .funcref
            case .abstract(.externRef): return .externref
            default: throw .unsupportedFeatures([.gc])
            }
        }
    }

    func limits(_ l: Limits) -> MemoryLimits { MemoryLimits(minimum: l.min, maximum: l.max) }

    func globalType(_ g: GlobalType) throws(CompilerError) -> GlobalTypeEntry {
        GlobalTypeEntry(kind: try valueKind(g.valueType), isMutable: g.mutability == .variable)
    }

    func constExpr(_ e: ConstExpression) throws(CompilerError) -> ConstExpr {
        var ops: [ConstExpr.Op] = []
        for i in e {
            switch i {
            case .i32Const(let v): ops.append(.i32Const(v))
            case .i64Const(let v): ops.append(.i64Const(v))
            case .f32Const(let v): ops.append(.f32Const(v.bitPattern))
            case .f64Const(let v): ops.append(.f64Const(v.bitPattern))
            case .globalGet(let g): ops.append(.globalGet(g))
            case .refNull(let h): ops.append(.refNull(h == .externRef ? .externref : .funcref))
            case .refFunc(let f): ops.append(.refFunc(f))
            case .binary(.i32Add): ops.append(.i32Add)
            case .binary(.i32Sub): ops.append(.i32Sub)
            case .binary(.i32Mul): ops.append(.i32Mul)
            case .binary(.i64Add): ops.append(.i64Add)
            case .binary(.i64Sub): ops.append(.i64Sub)
            case .binary(.i64Mul): ops.append(.i64Mul)
            case .end: break
            default: throw .codegen(.unsupported("constant expression operator \(i)"))
            }
        }
        return ConstExpr(ops)
    }
}

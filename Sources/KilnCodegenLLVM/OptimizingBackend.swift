import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import KilnABI
import KilnCodegen
import KilnCodegenAArch64
import KilnCodegenX64
import KilnFrontend

/// The optimizing tier: every defined function through LLVM (translation, the O2
/// pipeline, LLVM's code generator), placed into Kiln's own `.text` after the
/// per-module trampolines, which the ISA's macro-assembler emits exactly as for the
/// baseline tier — the two tiers share one ABI, so their artifacts call each other.
/// Functions are compiled in partitions, one LLVM context and thread each.
public struct OptimizingBackend: Backend {
    public let target: TargetISA
    /// How `call_indirect` treats table slots (docs/tables.md, "Strategies").
    public var tableInit: TableInitStrategy
    /// Partitions compiled at once (default: one per core).
    public var threads: Int

    public init(target: TargetISA = .x86_64, tableInit: TableInitStrategy = .image, threads: Int? = nil) {
        self.target = target
        self.tableInit = tableInit
        self.threads = max(1, threads ?? System.coreCount)
    }

    public func compile(_ module: WasmModule) throws(CompileError) -> CompiledCode {
        switch target {
        case .x86_64:
            return try compile(module, masm: X64MacroAssembler(capacity: 4096), X64CallingConvention.self)
        case .aarch64:
            return try compile(module, masm: AArch64MacroAssembler(capacity: 4096), AArch64CallingConvention.self)
        }
    }

    /// The ISA's trampolines from its macro-assembler (the same bytes as the baseline
    /// tier's), then LLVM's code for every defined function.
    func compile<M: MacroAssembler, C: CallingConvention>(
        _ module: WasmModule, masm: M, _ convention: C.Type
    ) throws(CompileError) -> CompiledCode {
        var env = try ModuleEnvironment(module: module)
        env.tableInit = tableInit
        env.computeLocations(convention)

        var code = CompiledCode()
        var masm = masm
        ModuleCompiler.emitTrampolines(module, env: env, masm: &masm, into: &code)
        // LLVM's code follows the trampolines, padded with the ISA's filler.
        masm.alignCode(to: Self.placementAlignment)
        if let failure = masm.internalFailure { throw CompileError.internalError(failure) }
        var text = masm.codeBytes

        let uniformTables = UniformTables.analyze(module)
        let objects = try compileObjects(
            env: env, uniformTables: uniformTables,
            internalFunctions: InternalFunctions(module, uniformTables: uniformTables))
        var placement = ObjectPlacement(base: text.count, isa: target)
        for object in objects { try placement.add(object: object) }
        try placement.resolve()
        text += placement.bytes

        let imported = module.importedFunctionCount
        for i in 0..<module.bodies.count {
            guard let symbol = placement.symbols[ModuleTranslation.symbolName(UInt32(imported + i))] else {
                throw CompileError.internalError("LLVM's objects lack function \(imported + i)")
            }
            code.functions.append((UInt32(symbol.offset), UInt32(symbol.size)))
        }
        var records = masm.records
        for offset in placement.nullCheckFaults { records.trapSite(at: offset, .uninitializedElement) }
        code.trapSites = records.sortedTrapSites
        code.dataRanges = placement.dataRanges
        code.text = text
        return code
    }

    /// LLVM's code starts on a page boundary of `.text` (AArch64's `adrp` counts pages).
    static let placementAlignment = 4096

    /// Splits the defined functions into contiguous partitions of similar body size and
    /// compiles each to an object on its own thread.
    func compileObjects(
        env: ModuleEnvironment, uniformTables: [UInt32: UniformTable], internalFunctions: InternalFunctions
    ) throws(CompileError) -> [[UInt8]] {
        let module = env.module
        let count = module.bodies.count
        guard count > 0 else { return [] }
        let total = module.bodies.reduce(0) { $0 + $1.expression.count }
        let parts = min(threads, count, max(1, total / 2048))
        var ranges: [Range<Int>] = []
        var start = 0, accumulated = 0
        for i in 0..<count {
            accumulated += module.bodies[i].expression.count
            if ranges.count < parts - 1, accumulated * parts >= total * (ranges.count + 1) {
                ranges.append(start..<(i + 1))
                start = i + 1
            }
        }
        ranges.append(start..<count)
        ranges.removeAll { $0.isEmpty }

        var results = [Result<[UInt8], CompileError>?](repeating: nil, count: ranges.count)
        let target = target
        results.withUnsafeMutableBufferPointer { slots in
            let slots = UnsafeSendable(slots)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { p in
                slots.value[p] = Result { () throws(CompileError) -> [UInt8] in
                    try Self.compilePartition(
                        env: env, uniformTables: uniformTables, internalFunctions: internalFunctions,
                        functions: ranges[p], target: target, index: p)
                }
            }
        }
        return try results.map { r throws(CompileError) in try r!.get() }
    }

    static func compilePartition(
        env: ModuleEnvironment, uniformTables: [UInt32: UniformTable], internalFunctions: InternalFunctions,
        functions: Range<Int>, target: TargetISA, index: Int
    ) throws(CompileError) -> [UInt8] {
        let emitter = try ObjectEmitter(isa: target)
        let imported = env.module.importedFunctionCount
        func translation() -> ModuleTranslation {
            ModuleTranslation(
                env: env, isa: target, uniformTables: uniformTables, internalFunctions: internalFunctions,
                name: "kiln.part\(index)", triple: emitter.triple, dataLayout: emitter.dataLayout)
        }
        // Which accesses LLVM proves in bounds, for functions whose loops access memory
        // (HeapAccessPolicy): those keep their checks, the others are guarded.
        let probed = functions.filter { env.module.usage(ofDefinedFunction: $0)?.accessesMemoryInLoops ?? true }
        var proven: [UInt32: Set<Int>] = [:]
        if !probed.isEmpty {
            let probe = translation()
            var accessCounts: [UInt32: Int] = [:]
            for i in probed {
                var translator = try FunctionTranslator(
                    module: probe, functionIndex: UInt32(imported + i), accessPolicy: .probe)
                try translator.translate()
                accessCounts[UInt32(imported + i)] = translator.accessCount
            }
            try probe.verify()
            try emitter.optimize(probe)
            dumpIR(probe, as: "probe\(index)")
            for (function, count) in accessCounts {
                proven[function] = Set((0..<count).filter { !probe.probedCheckSurvives(function: function, ordinal: $0) })
            }
        }
        let translation = translation()
        for i in functions {
            let function = UInt32(imported + i)
            var policy = HeapAccessPolicy.allGuarded
            if let checked = proven[function] { policy = .guardingAllBut(checked) }
            var translator = try FunctionTranslator(module: translation, functionIndex: function, accessPolicy: policy)
            try translator.translate()
        }
        try translation.verify()
        dumpIR(translation, as: "part\(index)")
        // Guarded accesses sharing a base get one check per loop block, over SSA values.
        try emitter.run("function(sroa)", on: translation)
        GuardedBlockVersioning(translation: translation).run()
        try translation.verify()
        dumpIR(translation, as: "part\(index).versioned")
        try emitter.optimize(translation)
        StackCheckPlacement(translation: translation).run()
        if target == .x86_64 { AddressMaterialization.run(on: translation) }
        dumpIR(translation, as: "part\(index).opt")
        return try emitter.emitObject(translation)
    }

    /// Debugging aid: KILN_DUMP_IR=DIR writes each partition's IR before optimization
    /// (`partN.ll`), after versioning (`partN.versioned.ll`) and after optimization
    /// (`partN.opt.ll`), and its optimized probe module
    /// (`probeN.ll`, HeapAccessPolicy).
    static func dumpIR(_ translation: ModuleTranslation, as name: String) {
        guard let dir = getenv("KILN_DUMP_IR"), let file = fopen(String(cString: dir) + "/\(name).ll", "w") else {
            return
        }
        fputs(translation.text, file)
        fclose(file)
    }
}

/// Hands a buffer to `concurrentPerform`'s closure; each iteration writes its own slot.
private struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

enum System {
    static var coreCount: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? n : 1
    }
}

// Generates whole modules: functions, exported wrappers that give each call a fresh fuel
// budget, globals, a memory, tables and their segments.

/// Generates valid modules from `(seed, index)`. The same pair always gives the same
/// module (the run's reproducibility rests on this).
public enum ModuleGenerator {
    /// Fuel each exported call starts with: every function entry and loop iteration
    /// spends one, and the call traps with `unreachable` when it runs out.
    public static let fuel: Int64 = 1000
    /// Name of the export that recurses without fuel (checks stack exhaustion).
    public static let deepExport = "deep"

    /// Generator switches.
    public struct Options: Sendable {
        /// Emit statements with unreachable code after br/return/return_call/unreachable.
        public var deadCode: Bool
        /// Allow i64 constants outside 0...63 as shift and rotate counts (Kiln crashed on
        /// those beyond the 32-bit immediate range; turning this off looks past that bug).
        public var wideShiftCounts: Bool
        /// At most this many results per function (0...3). Exports returning 3 values to
        /// the host are an open finding of the optimizing tier under ABI 4
        /// (`Fixtures/fuzz/open-findings.txt`); `2` looks past it.
        public var maxResults: Int
        /// At most this many functions (besides their wrappers), 1...5.
        public var maxFunctions: Int
        /// At most this many top-level statements per function body, 1...10.
        public var maxStatements: Int
        public init(deadCode: Bool = true, wideShiftCounts: Bool = true, maxResults: Int = 3, maxFunctions: Int = 5, maxStatements: Int = 10) {
            self.deadCode = deadCode
            self.wideShiftCounts = wideShiftCounts
            self.maxResults = min(max(maxResults, 0), 3)
            self.maxFunctions = min(max(maxFunctions, 1), 5)
            self.maxStatements = min(max(maxStatements, 1), 10)
        }

        /// These switches as `kiln-fuzz` options (handed to worker and helper processes).
        public var arguments: [String] {
            var a: [String] = []
            if !deadCode { a.append("--no-dead-code") }
            if !wideShiftCounts { a.append("--narrow-shift-counts") }
            if maxResults != 3 { a += ["--max-results", String(maxResults)] }
            return a
        }

        /// The same switches with the module size capped for the `tiers` mode, where
        /// LLVM's O2 pipeline dominates the time per module (docs/reliability.md, "The two
        /// tiers"): at most 3 functions of at most 6 statements.
        public var moderated: Options {
            var o = self
            o.maxFunctions = min(o.maxFunctions, 3)
            o.maxStatements = min(o.maxStatements, 6)
            return o
        }
    }

    /// Module `index` of the run seeded with `seed`.
    public static func generate(seed: UInt64, index: UInt64, options: Options = Options()) -> GeneratedModule {
        var rng = FuzzRandom(seed: seed, index: index)
        var context = ModuleContext()
        context.deadCode = options.deadCode
        context.wideShiftCounts = options.wideShiftCounts
        var module = GeneratedModule()

        // Globals: 0 is the fuel; then a few of every type, some mutable.
        context.globals.append(GeneratedGlobal(type: .i32, isMutable: true, initializer: constant(.i32, fuel)))
        for _ in 0..<rng.inRange(0...5) {
            let t = rng.pick(FuzzType.numeric + [.funcref])
            context.globals.append(GeneratedGlobal(type: t, isMutable: rng.chance(60), initializer: globalInitializer(t, &rng)))
        }
        if rng.chance(85) {
            let min = UInt32(rng.chance(10) ? 0 : rng.inRange(1...2))
            context.memoryPages = min
            // Always a maximum: growth past it fails in every engine, while growth of an
            // unbounded memory may fail or not at the engine's discretion (spec: memory.grow).
            module.memory = (min, min + UInt32(rng.inRange(0...2)))
        }
        for _ in 0..<(rng.chance(75) ? (rng.chance(25) ? 2 : 1) : 0) {
            let min = UInt32(rng.inRange(0...8))
            context.tableMinimums.append(min)
            module.tables.append((min, rng.chance(70) ? min + UInt32(rng.inRange(0...4)) : nil))
        }

        // Function signatures: the callable functions, their wrappers, maybe `deep`.
        let count = rng.inRange(1...options.maxFunctions)
        context.callable = count
        // Usually every function may be referenced; sometimes only a prefix, so the rest
        // are only ever called directly.
        context.referable = rng.chance(60) ? count : rng.inRange(0...count)
        var signatures: [FuzzSignature] = []
        // Sometimes many parameters, as compilers emit for C functions with many
        // arguments: they fill every argument register (x86-64 has six for integers) and
        // spill onto the stack, where argument placement must shuffle registers that
        // locals also live in.
        for _ in 0..<count {
            let parameters = randomTypes(&rng, max: rng.chance(20) ? 10 : 3)
            signatures.append(FuzzSignature(parameters: parameters, results: randomTypes(&rng, max: options.maxResults)))
        }
        let hasDeep = rng.chance(8)
        for s in signatures { context.functionTypes.append(context.typeIndex(s)) }
        for s in signatures { context.functionTypes.append(context.typeIndex(s)) }
        let deepSignature = FuzzSignature(parameters: [.i32], results: [.i32])
        if hasDeep { context.functionTypes.append(context.typeIndex(deepSignature)) }

        // Segments (their counts are needed by the bodies).
        if context.memoryPages != nil {
            for _ in 0..<rng.inRange(0...3) { module.data.append(dataSegment(context, &rng)) }
        }
        context.dataSegments = module.data.count
        if !context.tableMinimums.isEmpty {
            for _ in 0..<rng.inRange(0...3) { module.elements.append(elementSegment(context, &rng)) }
        }
        // A declarative segment naming every referable function makes `ref.func` valid for them.
        var declare = WasmEncoder()
        declare.byte(3); declare.byte(0)
        declare.vector(Array(0..<context.referable)) { $0.u32(UInt32($1)) }
        module.elements.append(declare.bytes)
        context.elementSegments = module.elements.count

        // Bodies.
        for f in 0..<count {
            context.currentFunction = f
            var body = BodyGenerator(
                rng: FuzzRandom(seed: rng.next()), context: context, signature: signatures[f], budget: rng.inRange(10...90))
            let parts = body.generate(statements: rng.inRange(1...options.maxStatements))
            context.types = body.context.types
            module.functions.append(
                GeneratedFunction(
                    typeIndex: context.functionTypes[f], locals: body.declaredLocals, prologue: parts.prologue,
                    statements: parts.statements, epilogue: parts.epilogue))
        }
        for f in 0..<count {
            var wrapper = WasmEncoder()
            wrapper.append(constant(.i32, fuel))
            wrapper.byte(Opcodes.globalSet); wrapper.u32(context.fuelGlobal)
            for p in signatures[f].parameters.indices { wrapper.byte(Opcodes.localGet); wrapper.u32(UInt32(p)) }
            wrapper.byte(Opcodes.call); wrapper.u32(UInt32(f))
            module.functions.append(
                GeneratedFunction(typeIndex: context.functionTypes[count + f], locals: [], prologue: wrapper.bytes, statements: [], epilogue: []))
            module.exports.append(GeneratedExport(name: "e\(f)", kind: 0, index: UInt32(count + f)))
        }
        if hasDeep {
            // (func $deep (param i32) (result i32) local.get 0 i32.const 1 i32.add call $deep)
            let deepIndex = UInt32(2 * count)
            var deep = WasmEncoder()
            deep.byte(Opcodes.localGet); deep.u32(0)
            deep.append(constant(.i32, 1))
            deep.byte(0x6A)
            deep.byte(Opcodes.call); deep.u32(deepIndex)
            module.functions.append(
                GeneratedFunction(typeIndex: context.functionTypes[Int(deepIndex)], locals: [], prologue: deep.bytes, statements: [], epilogue: []))
            module.exports.append(GeneratedExport(name: deepExport, kind: 0, index: deepIndex))
        }
        if module.memory != nil { module.exports.append(GeneratedExport(name: "mem", kind: 2, index: 0)) }
        for g in context.globals.indices.dropFirst() where context.globals[g].type != .funcref && rng.chance(70) {
            module.exports.append(GeneratedExport(name: "g\(g)", kind: 3, index: UInt32(g)))
        }
        module.types = context.types
        module.globals = context.globals
        return module
    }

    static func randomTypes(_ rng: inout FuzzRandom, max: Int) -> [FuzzType] {
        (0..<rng.below(max + 1)).map { _ in rng.pick(FuzzType.numeric) }
    }

    static func constant(_ t: FuzzType, _ value: Int64) -> [UInt8] {
        var e = WasmEncoder()
        e.byte(Opcodes.const(t))
        e.signed(value)
        return e.bytes
    }

    /// A constant initializer; integers sometimes as an extended-constant expression.
    static func globalInitializer(_ t: FuzzType, _ rng: inout FuzzRandom) -> [UInt8] {
        var e = WasmEncoder()
        let bits = EdgeValues.bits(t, &rng)
        switch t {
        case .i32, .i64:
            e.byte(Opcodes.const(t))
            e.signed(t == .i32 ? Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: bits))) : Int64(bitPattern: bits))
            if rng.chance(30) {
                e.byte(Opcodes.const(t))
                e.signed(Int64(rng.inRange(-5...5)))
                e.byte(t == .i32 ? rng.pick([0x6A, 0x6B, 0x6C]) : rng.pick([0x7C, 0x7D, 0x7E]))
            }
        case .f32:
            e.byte(Opcodes.const(t)); e.f32(UInt32(truncatingIfNeeded: bits))
        case .f64:
            e.byte(Opcodes.const(t)); e.f64(bits)
        case .funcref:
            e.byte(Opcodes.refNull); e.byte(FuzzType.funcref.rawValue)
        }
        return e.bytes
    }

    /// An active (flags 0 or 2) or passive (flags 1) data segment. Active ones mostly fit;
    /// a few end past the memory, so instantiation must trap.
    static func dataSegment(_ context: ModuleContext, _ rng: inout FuzzRandom) -> [UInt8] {
        var e = WasmEncoder()
        let length = rng.inRange(0...12)
        let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        switch rng.below(3) {
        case 0:
            e.byte(1)
        default:
            let explicitMemory = rng.chance(30)
            e.byte(explicitMemory ? 2 : 0)
            if explicitMemory { e.u32(0) }
            let end = Int(context.memoryPages ?? 0) * 65536
            let offset = rng.chance(3) ? end - length + 1 : rng.below(max(end - length, 0) + 1)
            e.append(constant(.i32, Int64(max(offset, 0))))
            e.byte(Opcodes.end)
        }
        e.vector(bytes) { $0.byte($1) }
        return e.bytes
    }

    /// An element segment in one of the encodings (flags 0-2, 4-6): active, passive or with
    /// expressions (`ref.func`, `ref.null`). Active ones mostly fit their table.
    static func elementSegment(_ context: ModuleContext, _ rng: inout FuzzRandom) -> [UInt8] {
        var e = WasmEncoder()
        let items = (0..<rng.inRange(0...6)).map { _ in
            rng.chance(15) || context.referable == 0 ? -1 : rng.below(context.referable)
        }
        let useExpressions = rng.chance(40)
        let table = rng.below(context.tableMinimums.count)
        let passive = rng.chance(30)
        func offset(_ e: inout WasmEncoder, _ rng: inout FuzzRandom) {
            let size = Int(context.tableMinimums[table])
            let start = rng.chance(3) ? size - items.count + 1 : rng.below(max(size - items.count, 0) + 1)
            e.append(constant(.i32, Int64(max(start, 0))))
            e.byte(Opcodes.end)
        }
        func functionIndices(_ e: inout WasmEncoder) {
            e.vector(items.map { max($0, 0) }) { $0.u32(UInt32($1)) }
        }
        func expressions(_ e: inout WasmEncoder) {
            e.vector(items) { e, item in
                if item < 0 {
                    e.byte(Opcodes.refNull); e.byte(FuzzType.funcref.rawValue)
                } else {
                    e.byte(Opcodes.refFunc); e.u32(UInt32(item))
                }
                e.byte(Opcodes.end)
            }
        }
        switch (passive, useExpressions, table == 0 && rng.chance(50)) {
        case (true, false, _):
            e.byte(1); e.byte(0); functionIndices(&e)
        case (true, true, _):
            e.byte(5); e.byte(FuzzType.funcref.rawValue); expressions(&e)
        case (false, false, true):
            e.byte(0); offset(&e, &rng); functionIndices(&e)
        case (false, true, true):
            e.byte(4); offset(&e, &rng); expressions(&e)
        case (false, false, false):
            e.byte(2); e.u32(UInt32(table)); offset(&e, &rng); e.byte(0); functionIndices(&e)
        case (false, true, false):
            e.byte(6); e.u32(UInt32(table)); offset(&e, &rng); e.byte(FuzzType.funcref.rawValue); expressions(&e)
        }
        return e.bytes
    }
}

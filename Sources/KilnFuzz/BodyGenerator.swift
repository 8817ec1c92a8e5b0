// Generates one function body, type-directed so the result is valid by construction:
// every expression pushes exactly the type asked for, every statement leaves the stack as
// it found it, every loop header and function entry spends fuel (so every program ends).

/// What a body may refer to: the module's functions, globals, tables, memory, segments,
/// and the type section (block types are added to it as they are needed).
struct ModuleContext {
    var types: [FuzzSignature] = []
    /// Per function index: its type index.
    var functionTypes: [UInt32] = []
    var globals: [GeneratedGlobal] = []
    var tableMinimums: [UInt32] = []
    var memoryPages: UInt32?
    var dataSegments = 0
    var elementSegments = 0
    /// Functions 0..<callable may be called and put in tables (the rest are the exported
    /// wrappers and the deliberately unbounded recursion).
    var callable = 0
    /// Functions 0..<referable may also be named by `ref.func` and element segments; the
    /// rest of the callable ones are reached only by direct calls, which makes them
    /// internal functions of the optimizing tier (docs/abi.md, "Internal functions").
    var referable = 0
    /// The function whose body is being generated.
    var currentFunction = 0
    /// Whether statements with unreachable code may be generated.
    var deadCode = true
    /// Whether i64 shift counts may be constants outside 0...63.
    var wideShiftCounts = true
    /// Index of the fuel global (mutable i32).
    let fuelGlobal: UInt32 = 0

    /// The type index of `signature`, added to the type section if new.
    mutating func typeIndex(_ signature: FuzzSignature) -> UInt32 {
        if let i = types.firstIndex(of: signature) { return UInt32(i) }
        types.append(signature)
        return UInt32(types.count - 1)
    }

    func signature(ofFunction f: Int) -> FuzzSignature { types[Int(functionTypes[f])] }
}

/// Generates the body of one function (see the file comment).
struct BodyGenerator {
    var rng: FuzzRandom
    var context: ModuleContext
    let signature: FuzzSignature
    /// Parameters, then declared locals.
    var locals: [FuzzType]
    /// Locals used as loop counters and NaN scratch: never picked for random reads/writes.
    var reservedLocals: Set<UInt32> = []
    /// Branch types of the enclosing labels, innermost last (index 0 is the function).
    var labels: [[FuzzType]]
    var code = WasmEncoder()
    /// Instructions still allowed in this body (keeps modules small and fast to run).
    var budget: Int
    var scratch: [FuzzType: UInt32] = [:]

    init(rng: FuzzRandom, context: ModuleContext, signature: FuzzSignature, budget: Int) {
        var rng = rng
        self.context = context
        self.signature = signature
        var locals = signature.parameters
        for _ in 0..<rng.below(5) { locals.append(rng.pick(FuzzType.numeric)) }
        if rng.chance(30) { locals.append(.funcref) }
        self.locals = locals
        self.labels = [signature.results]
        self.budget = budget
        self.rng = rng
    }

    /// Declared locals (after the parameters).
    var declaredLocals: [FuzzType] { Array(locals[signature.parameters.count...]) }

    mutating func newLocal(_ t: FuzzType, reserved: Bool) -> UInt32 {
        locals.append(t)
        let index = UInt32(locals.count - 1)
        if reserved { reservedLocals.insert(index) }
        return index
    }

    /// A local of type `t` free for random use, if any.
    mutating func randomLocal(_ t: FuzzType) -> UInt32? {
        let candidates = locals.indices.filter { locals[$0] == t && !reservedLocals.contains(UInt32($0)) }
        return candidates.isEmpty ? nil : UInt32(rng.pick(candidates))
    }

    // MARK: - Whole body

    /// The prologue (fuel), the statements and the epilogue (results).
    mutating func generate(statements count: Int) -> (prologue: [UInt8], statements: [[UInt8]], epilogue: [UInt8]) {
        spendFuel()
        let prologue = take()
        var statements: [[UInt8]] = []
        for _ in 0..<count {
            statement(depth: 0)
            statements.append(take())
        }
        for t in signature.results { expression(t, depth: 0) }
        return (prologue, statements, take())
    }

    mutating func take() -> [UInt8] {
        defer { code = WasmEncoder() }
        return code.bytes
    }

    /// `if fuel == 0 { unreachable }; fuel -= 1` — stack-neutral.
    mutating func spendFuel() {
        let g = context.fuelGlobal
        code.byte(Opcodes.globalGet); code.u32(g)
        code.byte(0x45)  // i32.eqz
        code.byte(Opcodes.if); code.byte(0x40)
        code.byte(Opcodes.unreachable)
        code.byte(Opcodes.end)
        code.byte(Opcodes.globalGet); code.u32(g)
        code.byte(0x41); code.signed(1)
        code.byte(0x6B)  // i32.sub
        code.byte(Opcodes.globalSet); code.u32(g)
    }

    // MARK: - Statements (stack-neutral)

    mutating func statement(depth: Int) {
        budget -= 1
        let deep = depth >= 3 || budget <= 0
        switch rng.below(deep ? 8 : 16) {
        case 0, 1:
            if let l = randomLocal(rng.pick(FuzzType.numeric)) {
                expression(locals[Int(l)], depth: depth)
                code.byte(Opcodes.localSet); code.u32(l)
            } else {
                dropped(depth: depth)
            }
        case 2:
            let mutable = context.globals.indices.dropFirst().filter { context.globals[$0].isMutable }
            if !mutable.isEmpty {
                let g = rng.pick(Array(mutable))
                expression(context.globals[g].type, depth: depth)
                code.byte(Opcodes.globalSet); code.u32(UInt32(g))
            } else {
                dropped(depth: depth)
            }
        case 3, 4: memoryStatement(depth: depth)
        case 5: tableStatement(depth: depth)
        case 6: callStatement(depth: depth)
        case 7: dropped(depth: depth)
        case 8, 9: blockStatement(depth: depth, opcode: Opcodes.block)
        case 10: blockStatement(depth: depth, opcode: Opcodes.loop)
        case 11: blockStatement(depth: depth, opcode: Opcodes.if)
        case 12: branchIfStatement(depth: depth)
        case 13 where context.deadCode, 14 where context.deadCode: deadCodeStatement(depth: depth)
        case 15:
            if rng.chance(50) { pointerWalkStatement(depth: depth) } else { byteGroupStatement(depth: depth) }
        default: code.byte(Opcodes.nop)
        }
    }

    /// An expression whose value is dropped.
    mutating func dropped(depth: Int) {
        expression(rng.pick(FuzzType.numeric + [.funcref]), depth: depth)
        code.byte(Opcodes.drop)
    }

    /// Pushes one value of each of `types`.
    mutating func values(_ types: [FuzzType], depth: Int) {
        for t in types { expression(t, depth: depth) }
    }

    mutating func drops(_ n: Int) {
        for _ in 0..<n { code.byte(Opcodes.drop) }
    }

    /// A block type for `signature`: empty, one value type, or a type index.
    mutating func blockType(_ signature: FuzzSignature) {
        if signature.parameters.isEmpty && signature.results.isEmpty {
            code.byte(0x40)
        } else if signature.parameters.isEmpty && signature.results.count == 1 {
            code.byte(signature.results[0].rawValue)
        } else {
            code.signed(Int64(context.typeIndex(signature)))
        }
    }

    mutating func randomTypes(max: Int) -> [FuzzType] {
        (0..<rng.below(max + 1)).map { _ in rng.pick(FuzzType.numeric) }
    }

    /// `block`, `loop` or `if` with parameters and results (multi-value), body statements,
    /// then the results dropped. Loops spend fuel in their header and count down a counter.
    mutating func blockStatement(depth: Int, opcode: UInt8) {
        let type = FuzzSignature(parameters: randomTypes(max: 2), results: randomTypes(max: 2))
        values(type.parameters, depth: depth + 1)
        var counter: UInt32?
        if opcode == Opcodes.loop {
            let c = newLocal(.i32, reserved: true)
            code.byte(0x41); code.signed(Int64(rng.inRange(0...3)))
            code.byte(Opcodes.localSet); code.u32(c)
            counter = c
        }
        if opcode == Opcodes.if { expression(.i32, depth: depth + 1) }
        code.byte(opcode)
        blockType(type)
        labels.append(opcode == Opcodes.loop ? type.parameters : type.results)
        blockBody(type, depth: depth + 1, loopCounter: counter)
        if opcode == Opcodes.if && rng.chance(70) {
            code.byte(Opcodes.else)
            blockBody(type, depth: depth + 1, loopCounter: nil)
        } else if opcode == Opcodes.if && !(type.parameters == type.results) {
            // Without `else` an `if` must have results equal to its parameters.
            code.byte(Opcodes.else)
            blockBody(type, depth: depth + 1, loopCounter: nil)
        }
        labels.removeLast()
        code.byte(Opcodes.end)
        drops(type.results.count)
    }

    /// A block's body: consumes its parameters, runs statements, pushes its results.
    mutating func blockBody(_ type: FuzzSignature, depth: Int, loopCounter: UInt32?) {
        if loopCounter != nil { spendFuel() }
        for t in type.parameters.reversed() {
            if rng.chance(50), let l = randomLocal(t) {
                code.byte(Opcodes.localSet); code.u32(l)
            } else {
                code.byte(Opcodes.drop)
            }
        }
        for _ in 0..<rng.inRange(0...3) { statement(depth: depth) }
        if let c = loopCounter {
            values(type.parameters, depth: depth)
            code.byte(Opcodes.localGet); code.u32(c)
            code.byte(0x41); code.signed(1)
            code.byte(0x6B)
            code.byte(Opcodes.localTee); code.u32(c)
            code.byte(Opcodes.brIf); code.u32(0)
            drops(type.parameters.count)
        }
        values(type.results, depth: depth)
    }

    /// `br_if` to a random enclosing label, its values dropped when not taken.
    mutating func branchIfStatement(depth: Int) {
        let target = rng.below(labels.count)
        let types = labels[labels.count - 1 - target]
        values(types, depth: depth + 1)
        expression(.i32, depth: depth + 1)
        code.byte(Opcodes.brIf); code.u32(UInt32(target))
        drops(types.count)
    }

    /// A callee: mostly a function after this one (so calls form a DAG and rarely spend
    /// all the fuel), sometimes any function (recursion).
    mutating func callee(from candidates: [Int]) -> Int? {
        let later = candidates.filter { $0 > context.currentFunction }
        if !later.isEmpty && rng.chance(95) { return rng.pick(later) }
        return candidates.isEmpty ? nil : rng.pick(candidates)
    }

    /// A direct call whose results are dropped.
    mutating func callStatement(depth: Int) {
        guard let f = callee(from: Array(0..<context.callable)) else { return dropped(depth: depth) }
        let s = context.signature(ofFunction: f)
        values(s.parameters, depth: depth + 1)
        code.byte(Opcodes.call); code.u32(UInt32(f))
        drops(s.results.count)
    }
}

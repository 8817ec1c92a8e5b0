import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// The single-pass lowering of one function body: a WasmParser `InstructionVisitor`
/// whose `visit…` methods (in `Lowering/`) each hand one operator to the
/// ``MacroAssembler``. It owns the compile-time value stack, the control frames and the
/// register allocation; the macro-assembler owns the code buffer, labels and trap sites.
///
/// Frame slots (8 bytes each, see ``MacroAssembler/frameSlot(_:)``): the callee-saved
/// registers the function uses, then (when its results go to a buffer) the buffer's
/// address, then one slot per local (parameters are stored there in the prologue,
/// unless the local lives in a register, see ``LocalRegisters``), then one home slot
/// per value-stack position; the outgoing argument area (and the result buffers of the
/// calls it makes) sits below them.
public struct FunctionCompiler<M: MacroAssembler>: ~Copyable {
    public var masm: M
    @usableFromInline let env: ModuleEnvironment
    /// Index in the whole function index space.
    public let functionIndex: UInt32
    @usableFromInline let signature: Signature
    /// This function's own argument/result places.
    @usableFromInline let ownLocations: CallLocations
    @usableFromInline var localKinds: [ValueKind]
    /// Which locals live in registers.
    @usableFromInline var localRegs: LocalRegisters
    /// 1 when this function's results go to a caller-provided buffer, whose address the
    /// prologue saves in frame slot ``resultBufferSlot``; else 0.
    @usableFromInline let resultBufferSlots: Int
    /// Between saving the caller-saved local registers before a call and reloading them
    /// after it: those locals are read from their slots.
    @usableFromInline var localsSavedForCall = false
    /// The registers the value stack allocates from (the allocatable set minus the
    /// caller-saved registers given to locals).
    @usableFromInline let valueRegs: RegSet
    /// Whether the prologue checks the stack limit (see ``needsStackCheck(usage:bodySize:)``).
    @usableFromInline let checksStack: Bool
    @usableFromInline var stack: [StackValue] = []
    @usableFromInline var frames: [ControlFrame] = []
    @usableFromInline var freeRegs: RegSet
    @usableFromInline var reachable = true
    /// Nesting depth of blocks opened while unreachable (skipped entirely).
    @usableFromInline var unreachableDepth = 0
    /// Highest value-stack home slot used + 1.
    @usableFromInline var maxStackSlots = 0
    /// Bytes of outgoing stack arguments and return areas needed by calls.
    @usableFromInline var maxOutgoing = 0
    public var binaryOffset: Int = 0
    /// The body's bytes and the module offset of its first byte, for ``peekLocalSet()``.
    @usableFromInline var code: ArraySlice<UInt8> = []
    @usableFromInline var codeOffset = 0
    /// Module offset of the instruction after the one being lowered.
    @usableFromInline var nextOffset = 0
    /// The first internal inconsistency of the lowering itself (see
    /// ``MacroAssembler/internalFailure``), reported after the current instruction.
    @usableFromInline var internalFailure: String?

    @inlinable public init(masm: consuming M, env: ModuleEnvironment, functionIndex: UInt32) throws(CompileError) {
        self.masm = masm
        var env = env
        self.functionIndex = functionIndex
        signature = env.signature(ofFunction: functionIndex)
        if env.locations.isEmpty { env.computeLocations(M.ABI.self) }
        ownLocations = env.locations[env.typeIndex(ofFunction: functionIndex)]
        self.env = env
        let body = env.module.bodies[Int(functionIndex) - env.module.importedFunctionCount]
        var kinds = signature.parameters
        kinds.reserveCapacity(kinds.count + body.locals.count)
        do {
            for l in body.locals { kinds.append(try ModuleEnvironment.kind(l)) }
        } catch {
            throw CompileError.unsupported(error.message, function: functionIndex)
        }
        localKinds = kinds
        let usage = env.module.usage(ofDefinedFunction: Int(functionIndex) - env.module.importedFunctionCount)
        localRegs = LocalRegisters(M.ABI.self, kinds: kinds, usage: usage, ownParameters: ownLocations.parameters)
        resultBufferSlots = ownLocations.resultsInBuffer ? 1 : 0
        valueRegs = RegSet(bits: (M.ABI.allocatableGPRs.bits | M.ABI.allocatableFPRs.bits) & ~localRegs.taken.bits)
        freeRegs = valueRegs
        checksStack = Self.needsStackCheck(
            usage: usage,
            frameSlots: localRegs.calleeSaved.count + resultBufferSlots + kinds.count + body.expression.count)
        stack.reserveCapacity(32)
        frames.reserveCapacity(16)
    }

    /// Compiles the body and returns the macro-assembler holding the code.
    @inlinable public consuming func compile() throws(CompileError) -> M {
        let body = env.module.bodies[Int(functionIndex) - env.module.importedFunctionCount]
        masm.beginFunction(bodyBytes: body.expression.count)
        emitPrologue()
        let ret = masm.newLabel()
        frames.append(
            ControlFrame(
                kind: .function, label: ret, elseLabel: ret, height: 0,
                type: BlockSignature(
                    paramCount: 0, resultCount: signature.results.count, singleResult: nil,
                    typeIndex: Int(env.module.functionTypeIndices[Int(functionIndex)]))))
        var parser = ExpressionParser(code: body)
        code = body.expression
        codeOffset = parser.offset
        do {
            while let visit = try parser.parse() {
                nextOffset = parser.offset
                try visit(visitor: &self)
                if let failure = internalFailure ?? masm.internalFailure {
                    throw CompileError.internalError(failure, function: functionIndex, offset: binaryOffset)
                }
            }
        } catch let e as CompileError {
            var e = e
            if e.functionIndex == nil { e.functionIndex = functionIndex }
            if e.offset == nil { e.offset = binaryOffset }
            throw e
        } catch {
            throw CompileError.internalError("decoding failed: \(error)", function: functionIndex, offset: binaryOffset)
        }
        let frameSize = 8 * (homeSlot(0) + maxStackSlots) + maxOutgoing
        guard checksStack || frameSize + 16 <= VMStoreContext.uncheckedLeafFrameBytes else {
            throw CompileError.internalError("a leaf without stack check outgrew its bound", function: functionIndex)
        }
        masm.finishFunction(frameSize: frameSize)
        if let failure = masm.internalFailure {
            throw CompileError.internalError(failure, function: functionIndex)
        }
        return masm
    }

    // MARK: prologue / epilogue

    @inlinable mutating func emitPrologue() {
        masm.prologue(stackCheck: checksStack)
        if resultBufferSlots > 0 {
            masm.store(M.ABI.resultBufferRegister, masm.frameSlot(resultBufferSlot), .i64)
        }
        for (j, r) in localRegs.calleeSaved.enumerated() { masm.store(r, masm.frameSlot(j), .i64) }
        if let r = localRegs.memoryBase { masm.holdMemoryBase(in: r) }
        // No local register is an argument register of this function (LocalRegisters),
        // so the moves cannot overwrite an argument not yet read.
        for (i, loc) in ownLocations.parameters.enumerated() {
            let k = signature.parameters[i]
            switch (loc, localRegs.register[i]) {
            case (.reg(let r), nil): masm.store(r, localSlot(i), k)
            case (.reg(let r), let pinned?): masm.move(pinned, r, k)
            case (.stack(let s), nil): masm.copy(localSlot(i), masm.incomingSlot(s))
            case (.stack(let s), let pinned?): masm.load(pinned, masm.incomingSlot(s), k)
            }
        }
        for i in signature.parameters.count..<localKinds.count {
            if let pinned = localRegs.register[i] {
                masm.moveImm(pinned, 0, localKinds[i])
            } else {
                masm.storeImm(0, localSlot(i), .i64)
            }
        }
    }

    /// Whether the prologue checks the stack limit: always, but in a leaf (no call, no
    /// builtin, per the validator's ``FunctionUsage``) whose frame cannot exceed
    /// `VMStoreContext.uncheckedLeafFrameBytes`. `frameSlots` bounds the frame: every
    /// value-stack position is pushed by an instruction of at least one byte, so the
    /// body's size bounds the home slots, and a leaf has no outgoing area.
    @inlinable static func needsStackCheck(usage: FunctionUsage?, frameSlots: Int) -> Bool {
        guard let usage, !usage.makesCalls else { return true }
        return 8 * frameSlots + 16 > VMStoreContext.uncheckedLeafFrameBytes
    }

    /// Reloads the callee-saved registers the prologue saved (before a return or tail call).
    @inlinable mutating func restoreCalleeSaved() {
        for (j, r) in localRegs.calleeSaved.enumerated() { masm.load(r, masm.frameSlot(j), .i64) }
    }

    /// Before a call: every register-held value but the top `keep` (the arguments, which
    /// the call sequence places itself) goes to its home slot, and locals in caller-saved
    /// registers to their slots, from where they are read until ``finishCall()``; their
    /// registers are free for the call sequence meanwhile.
    @inlinable mutating func prepareCall(keepingTop keep: Int = 0) {
        spillRegisters(below: stack.count - keep)
        for (i, r) in localRegs.callerSaved { masm.store(r, localSlot(i), localKinds[i]) }
        freeRegs.bits |= localRegs.taken.bits
        localsSavedForCall = true
    }

    /// After a call (whose operands the caller has popped): the caller-saved local
    /// registers are reloaded (unless `reloading` is false: a tail call does not come
    /// back), and every value register is free (the values below the operands were
    /// spilled).
    @inlinable mutating func finishCall(reloading: Bool = true) {
        if reloading {
            for (i, r) in localRegs.callerSaved { masm.load(r, localSlot(i), localKinds[i]) }
        }
        localsSavedForCall = false
        freeRegs = valueRegs
    }

    /// The frame slot of local `i`.
    @inlinable func localSlot(_ i: Int) -> M.Address {
        masm.frameSlot(localRegs.calleeSaved.count + resultBufferSlots + i)
    }

    /// The frame slot holding the incoming result buffer's address (when there is one).
    @inlinable var resultBufferSlot: Int { localRegs.calleeSaved.count }

    /// The register local `i` is read from now, if not its slot.
    @inlinable func localRegister(_ i: Int) -> Reg? {
        guard let r = localRegs.register[i] else { return nil }
        return localsSavedForCall && localRegs.taken.contains(r) ? nil : r
    }

    /// Moves the top `results.count` values into the result locations and returns.
    @inlinable mutating func emitReturn() {
        let results = signature.results
        let n = results.count
        let locs = ownLocations.results
        let base = stack.count - n
        if resultBufferSlots > 0 {
            // Every result to the buffer (ABI 5), through its address in the buffer
            // register (never a value's register once they are spilled), which also
            // returns it.
            for i in 0..<n where isInRegister(stack[base + i]) { spill(base + i) }
            let buffer = M.ABI.resultBufferRegister
            masm.load(buffer, masm.frameSlot(resultBufferSlot), .i64)
            for i in 0..<n {
                if case .stack(let k) = locs[i] { storeValue(at: base + i, to: masm.address(buffer, Int32(8 * k))) }
            }
        } else if n == 1, case .reg(let r) = locs[0] {
            load(stack[base], into: r, position: base)
        } else {
            for i in 0..<n where isInRegister(stack[base + i]) { spill(base + i) }
            for i in 0..<n {
                if case .reg(let r) = locs[i] { load(stack[base + i], into: r, position: base + i) }
            }
        }
        restoreCalleeSaved()
        masm.epilogueAndReturn(argumentBytes: 8 * ownLocations.argumentSlots)
    }

    // MARK: registers

    @inlinable func isInRegister(_ v: StackValue) -> Bool {
        switch v {
        case .reg, .cond: return true
        default: return false
        }
    }

    /// A free register of the class, spilling the oldest register-held value if none.
    @inlinable mutating func allocate(float: Bool) -> Reg {
        let cls = float ? M.ABI.allocatableFPRs : M.ABI.allocatableGPRs
        while true {
            if let r = RegSet(bits: freeRegs.bits & cls.bits).first {
                freeRegs.remove(r)
                return r
            }
            spillOldest(float: float)
            // Nothing to spill (a lowering bug, reported after this instruction): any
            // register lets the instruction finish.
            if internalFailure != nil, let r = cls.first { return r }
        }
    }

    /// Returns a value register to the free set; a local's register (lent by
    /// ``popReadOnly()``) is not the value stack's and stays out of it. While the locals
    /// are saved for a call, their caller-saved registers are the call sequence's to use
    /// (``prepareCall(keepingTop:)`` frees them, and ``take(_:)`` may move an argument
    /// into one), so those come back too: an argument moved into r9 and placed from
    /// there must leave r9 free for the argument that goes in r9.
    @inlinable mutating func free(_ r: Reg) {
        if valueRegs.contains(r) || (localsSavedForCall && localRegs.taken.contains(r)) { freeRegs.insert(r) }
    }
    @inlinable mutating func free(_ r: RegImm) { if case .reg(let x) = r { free(x) } }

    @inlinable mutating func spillOldest(float: Bool) {
        for p in 0..<stack.count {
            switch stack[p] {
            case .reg(_, let r) where r.isFloat == float:
                spill(p)
                return
            case .cond(.int, let l, let rhs) where !float && holdsValueRegister(l, rhs):
                spill(p)
                return
            case .cond(.float, let l, let rhs) where float && holdsValueRegister(l, rhs):
                spill(p)
                return
            default: continue
            }
        }
        failInternally("no register to spill")  // only reachable with > 10 live temporaries
    }

    /// Takes a specific register, moving (or spilling) whatever value holds it.
    @inlinable mutating func take(_ r: Reg) {
        if freeRegs.contains(r) {
            freeRegs.remove(r)
            return
        }
        for p in 0..<stack.count {
            switch stack[p] {
            case .reg(let k, let x) where x == r:
                let cls = r.isFloat ? M.ABI.allocatableFPRs : M.ABI.allocatableGPRs
                if let n = RegSet(bits: freeRegs.bits & cls.bits).first {
                    freeRegs.remove(n)
                    masm.move(n, r, k)
                    stack[p] = .reg(k, n)
                } else {
                    maxStackSlots = max(maxStackSlots, p + 1)
                    masm.store(r, masm.frameSlot(homeSlot(p)), k)
                    stack[p] = .mem(k)
                }
                return
            case .cond(_, let l, let rhs):
                if l == r || { if case .reg(let y) = rhs { return y == r } else { return false } }() {
                    spill(p)
                    freeRegs.remove(r)
                    return
                }
            default: continue
            }
        }
        // Held by a popped temporary of the caller: a lowering bug.
        failInternally("register \(r.raw) is neither free nor on the value stack")
    }

    /// Records a lowering bug; ``compile()`` throws it as `CompileError.internalError`
    /// after the current instruction.
    @inlinable mutating func failInternally(_ what: String) {
        if internalFailure == nil { internalFailure = what }
    }

    /// Whether a pending comparison holds a value register (spilling it frees one); its
    /// operands may also be locals' registers.
    @inlinable func holdsValueRegister(_ l: Reg, _ rhs: RegImm) -> Bool {
        if valueRegs.contains(l) { return true }
        if case .reg(let x) = rhs { return valueRegs.contains(x) }
        return false
    }

    /// The register a pending comparison's 0/1 result goes to: its own integer operand
    /// register when it has one, else a new one. Call with the entry off the stack or
    /// holding a value register (so spilling cannot pick it).
    @inlinable mutating func conditionResultRegister(_ l: Reg, _ rhs: RegImm) -> Reg {
        if !l.isFloat && valueRegs.contains(l) { return l }
        if case .reg(let x) = rhs, !x.isFloat, valueRegs.contains(x) { return x }
        return allocate(float: false)
    }

    @inlinable func homeSlot(_ position: Int) -> Int {
        localRegs.calleeSaved.count + resultBufferSlots + localKinds.count + position
    }

    // MARK: value stack

    @inlinable mutating func push(_ v: StackValue) { stack.append(v) }
    @inlinable mutating func pushReg(_ k: ValueKind, _ r: Reg) { stack.append(.reg(k, r)) }

    /// Stores value `p` into its home slot (constants stay symbolic).
    @inlinable mutating func spill(_ p: Int) {
        maxStackSlots = max(maxStackSlots, p + 1)
        let slot = masm.frameSlot(homeSlot(p))
        switch stack[p] {
        case .const, .mem: return
        case .reg(let k, let r):
            masm.store(r, slot, k)
            free(r)
            stack[p] = .mem(k)
        case .local(let k, let i):
            if let r = localRegister(Int(i)) {
                masm.store(r, slot, k)
            } else {
                masm.copy(slot, localSlot(Int(i)))
            }
            stack[p] = .mem(k)
        case .cond(let c, let l, let rhs):
            let d = conditionResultRegister(l, rhs)
            masm.compareAndSet(c, dst: d, lhs: l, rhs: rhs)
            masm.store(d, slot, .i32)
            free(d)
            if l != d { free(l) }
            if case .reg(let x) = rhs, x != d { free(x) }
            stack[p] = .mem(.i32)
        }
    }

    /// Spills every register-held or local-reading value; constants stay symbolic.
    @inlinable mutating func spillAll() {
        for p in 0..<stack.count { spill(p) }
    }

    /// Before a call: spills every register-held value below stack position `end` (all
    /// value registers are caller-saved). `local.get` entries stay lazy: a callee cannot
    /// write this frame, and `local.set` saves the entries reading its local before it
    /// writes.
    @inlinable mutating func spillRegisters(below end: Int? = nil) {
        for p in 0..<(end ?? stack.count) {
            switch stack[p] {
            case .reg, .cond: spill(p)
            default: continue
            }
        }
    }

    /// Forces the top `n` values into their home slots, constants included (block
    /// parameters must look the same on every path into the block).
    @inlinable mutating func spillTopToMemory(_ n: Int) {
        for p in (stack.count - n)..<stack.count {
            spill(p)
            if case .const(let k, let bits) = stack[p] {
                maxStackSlots = max(maxStackSlots, p + 1)
                masm.storeImm(bits, masm.frameSlot(homeSlot(p)), k)
                stack[p] = .mem(k)
            }
        }
    }

    /// Loads `v` (at stack position `position` when it is `.mem`) into `r`.
    @inlinable mutating func load(_ v: StackValue, into r: Reg, position: Int = -1) {
        switch v {
        case .const(let k, let bits): masm.moveImm(r, bits, k)
        case .reg(let k, let x): if x != r { masm.move(r, x, k) }
        case .local(let k, let i):
            if let x = localRegister(Int(i)) {
                masm.move(r, x, k)
            } else {
                masm.load(r, localSlot(Int(i)), k)
            }
        case .mem(let k): masm.load(r, masm.frameSlot(homeSlot(position)), k)
        case .cond(let c, let l, let rhs): masm.compareAndSet(c, dst: r, lhs: l, rhs: rhs)
        }
    }

    /// Stores value `p` to an address without changing the compile-time stack.
    @inlinable mutating func storeValue(at p: Int, to dst: M.Address) {
        switch stack[p] {
        case .const(let k, let bits): masm.storeImm(bits, dst, k)
        case .reg(let k, let r): masm.store(r, dst, k)
        case .local(let k, let i):
            if let r = localRegister(Int(i)) {
                masm.store(r, dst, k)
            } else {
                masm.copy(dst, localSlot(Int(i)))
            }
        case .mem: masm.copy(dst, masm.frameSlot(homeSlot(p)))
        case .cond(let c, let l, let rhs):
            masm.withScratch(false) { m, s in
                m.compareAndSet(c, dst: s, lhs: l, rhs: rhs)
                m.store(s, dst, .i32)
            }
        }
    }

    /// Pops the top value into a register the caller owns (and may overwrite).
    @inlinable mutating func popReg() -> (Reg, ValueKind) {
        let p = stack.count - 1
        let v = stack[p]
        switch v {
        case .reg(let k, let r):
            stack.removeLast()
            return (r, k)
        case .cond(let c, let l, let rhs):
            stack.removeLast()
            let d = conditionResultRegister(l, rhs)
            masm.compareAndSet(c, dst: d, lhs: l, rhs: rhs)
            if l != d { free(l) }
            if case .reg(let x) = rhs, x != d { free(x) }
            return (d, .i32)
        default:
            let k = v.kind
            let r = allocate(float: !k.isIntegerClass)
            load(v, into: r, position: p)
            stack.removeLast()
            return (r, k)
        }
    }

    /// Pops the top value into a register the caller may read but not write: a local's
    /// own register when the value is a `local.get` of a local in a register (``free(_:)``
    /// leaves it alone), else an owned register as ``popReg()``.
    @inlinable mutating func popReadOnly() -> Reg {
        if let r = topLocalRegister() {
            stack.removeLast()
            return r
        }
        return popReg().0
    }

    /// The register of the local the top value reads, when it is a `local.get` of a
    /// local in a register.
    @inlinable func topLocalRegister() -> Reg? {
        if case .local(_, let i) = stack[stack.count - 1] { return localRegister(Int(i)) }
        return nil
    }

    /// The local the next instruction sets, when it is `local.set`/`local.tee` (the
    /// single pass looks one instruction ahead for it, see ``resultRegisterForLocalSet(operands:)``).
    @inlinable func peekLocalSet() -> UInt32? {
        let i = code.startIndex + (nextOffset - codeOffset)
        guard i >= code.startIndex, i < code.endIndex, code[i] == 0x21 || code[i] == 0x22,
            let (index, _) = LEB128.readUnsigned(code, at: i + 1, limit: code.endIndex, maxBytes: 5)
        else { return nil }
        return UInt32(truncatingIfNeeded: index)
    }

    /// When the next instruction stores the result of the current one (which has
    /// `operands` values on the stack) into a local with a register: that register, after
    /// saving the values below the operands that still read the local. The operation then
    /// writes its result there and `local.set` finds it in place.
    @inlinable mutating func resultRegisterForLocalSet(operands: Int) -> Reg? {
        guard let index = peekLocalSet(), Int(index) < localKinds.count,
            let r = localRegs.register[Int(index)]
        else { return nil }
        saveReaders(ofLocal: index, below: stack.count - operands)
        return r
    }

    /// Before local `index` is written: the values below stack position `end` that still
    /// read it (a lazy `local.get`, or a pending comparison on its register) go to their
    /// home slots, so they keep the old value.
    @inlinable mutating func saveReaders(ofLocal index: UInt32, below end: Int) {
        let r = localRegs.register[Int(index)]
        for p in 0..<end {
            switch stack[p] {
            case .local(_, let i) where i == index: spill(p)
            case .cond(_, let l, let rhs) where r != nil && (l == r || rhs.isRegister(r!)): spill(p)
            default: continue
            }
        }
    }

    /// ``popRegImm(for:_:)`` with ``popReadOnly()``'s register.
    @inlinable mutating func popRegImmReadOnly(for use: ImmediateUse, _ size: OperandSize) -> RegImm {
        if let r = topLocalRegister() {
            stack.removeLast()
            return .reg(r)
        }
        return popRegImm(for: use, size)
    }

    /// Pops the top value into the given register, which the caller has taken.
    @inlinable mutating func popInto(_ r: Reg) {
        let p = stack.count - 1
        let v = stack[p]
        load(v, into: r, position: p)
        stack.removeLast()
        switch v {
        case .reg(_, let x): if x != r { free(x) }
        case .cond(_, let l, let rhs):
            if l != r { free(l) }
            if case .reg(let x) = rhs, x != r { free(x) }
        default: break
        }
    }

    /// Pops the top value as an immediate when it is a constant the backend encodes for
    /// `use`, else a register.
    @inlinable mutating func popRegImm(for use: ImmediateUse, _ size: OperandSize) -> RegImm {
        if case .const(let k, let bits) = stack[stack.count - 1], k.isIntegerClass {
            let value = k == .i32 ? Int64(Int32(truncatingIfNeeded: bits)) : Int64(bitPattern: bits)
            if Int32(exactly: value) != nil, masm.encodesImmediate(value, for: use, size) {
                stack.removeLast()
                return .imm(Int32(truncatingIfNeeded: value))
            }
        }
        return .reg(popReg().0)
    }

    /// Drops values down to `height`, freeing their registers.
    @inlinable mutating func truncate(to height: Int) {
        while stack.count > height {
            switch stack.removeLast() {
            case .reg(_, let r): free(r)
            case .cond(_, let l, let rhs):
                free(l)
                free(rhs)
            default: break
            }
        }
    }

    /// Marks the rest of the current block unreachable.
    @inlinable mutating func markUnreachable() {
        truncate(to: frames[frames.count - 1].height)
        reachable = false
    }

    // MARK: branches

    /// Moves the top `arity` values into the home slots of `frame`'s branch values,
    /// without changing the compile-time stack (other paths still see it).
    @inlinable mutating func emitBranchMoves(to frameIndex: Int) {
        let f = frames[frameIndex]
        if let r = f.resultRegister {
            // The register may hold another value of the stack only on paths that leave
            // it behind: after `br`/`br_table`/`else`/`end`, and on the taken side of
            // `br_if` (whose moves run after its inverted branch).
            let p = stack.count - 1
            if case .reg(_, let x) = stack[p], x == r { return }
            load(stack[p], into: r, position: p)
            return
        }
        let n = f.branchArity
        let base = stack.count - n
        for i in 0..<n {
            let target = f.height + i
            if target == base + i, case .mem = stack[base + i] { continue }
            maxStackSlots = max(maxStackSlots, target + 1)
            storeValue(at: base + i, to: masm.frameSlot(homeSlot(target)))
        }
    }

    /// Unconditional branch to the frame `depth` levels out.
    @inlinable mutating func branch(depth: UInt32) {
        let fi = frames.count - 1 - Int(depth)
        if frames[fi].kind == .function {
            emitReturn()
        } else {
            emitBranchMoves(to: fi)
            frames[fi].branchedTo = true
            masm.jump(frames[fi].label)
        }
    }

    /// The block signature of a wasm block type.
    @inlinable func blockSignature(_ t: BlockType) -> BlockSignature {
        switch t {
        case .empty: return BlockSignature(paramCount: 0, resultCount: 0, singleResult: nil, typeIndex: -1)
        case .type(let v):
            return BlockSignature(paramCount: 0, resultCount: 1, singleResult: try? ModuleEnvironment.kind(v), typeIndex: -1)
        case .funcType(let i):
            let s = env.signatures[Int(i)]
            return BlockSignature(paramCount: s.parameters.count, resultCount: s.results.count, singleResult: nil, typeIndex: Int(i))
        }
    }

    @inlinable func resultKind(_ t: BlockSignature, _ i: Int) -> ValueKind {
        if let k = t.singleResult { return k }
        return env.signatures[t.typeIndex].results[i]
    }

    /// After a merge point: the stack is the frame's values below `height` plus `n`
    /// values in their home slots (or the one result in `resultRegister`); every other
    /// register is free.
    @inlinable mutating func resetAtMerge(height: Int, _ t: BlockSignature, params: Bool, resultRegister: Reg? = nil) {
        truncate(to: height)
        if let r = resultRegister, !params {
            stack.append(.reg(resultKind(t, 0), r))
            freeRegs = valueRegs
            freeRegs.remove(r)
            return
        }
        let n = params ? t.paramCount : t.resultCount
        for i in 0..<n {
            let k = params ? env.signatures[t.typeIndex].parameters[i] : resultKind(t, i)
            stack.append(.mem(k))
            maxStackSlots = max(maxStackSlots, height + i + 1)
        }
        freeRegs = valueRegs
    }
}

extension Error {
    @usableFromInline var message: String { (self as? CompileError)?.message ?? "\(self)" }
}

extension FunctionCompiler: InstructionVisitor {
    public typealias VisitorError = CompileError
}

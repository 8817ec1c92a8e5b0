import KilnABI
import KilnCodegen
import KilnCodegenX64
import KilnFrontend
import Testing

/// The x86-64 macro-assembler answering `encodesImmediate` for a narrower range, the way
/// an ISA with short immediates would (AArch64 compares with 12 bits), so the lowering's
/// register fallback for constants runs on this machine. Everything else is forwarded.
struct NarrowImmediateMacroAssembler: MacroAssembler {
    typealias ABI = X64CallingConvention
    typealias Address = X64MacroAssembler.Address

    var base = X64MacroAssembler()
    /// The constants it takes as immediates.
    let encodable: ClosedRange<Int64>

    init(base: X64MacroAssembler = X64MacroAssembler(), encodable: ClosedRange<Int64>) {
        self.base = base
        self.encodable = encodable
    }

    /// AArch64's 12-bit compare immediates, when made by the generic driver.
    init(capacity: Int) { self.init(base: X64MacroAssembler(capacity: capacity), encodable: 0...4095) }
    static var isa: TargetISA { .x86_64 }
    static func codeCapacity(wasmBytes: Int) -> Int { X64MacroAssembler.codeCapacity(wasmBytes: wasmBytes) }

    func encodesImmediate(_ value: Int64, for use: ImmediateUse, _ size: OperandSize) -> Bool {
        encodable.contains(value) && base.encodesImmediate(value, for: use, size)
    }

    var offset: Int { base.offset }
    var internalFailure: String? { base.internalFailure }
    var records: CodeRecords { base.records }
    var codeBytes: [UInt8] { base.codeBytes }
    mutating func alignCode(to alignment: Int) { base.alignCode(to: alignment) }
    mutating func patchDirectCall(at: Int, to target: Int) { base.patchDirectCall(at: at, to: target) }
    mutating func emitEntryTrampoline(_ signature: Signature) { base.emitEntryTrampoline(signature) }
    mutating func emitHostCallStub(_ signature: Signature) { base.emitHostCallStub(signature) }
    mutating func emitLazyTrampoline() { base.emitLazyTrampoline() }

    mutating func prologue(stackCheck: Bool) { base.prologue(stackCheck: stackCheck) }
    mutating func holdMemoryBase(in r: Reg) { base.holdMemoryBase(in: r) }
    mutating func finishFunction(frameSize: Int) { base.finishFunction(frameSize: frameSize) }
    mutating func epilogueAndReturn(argumentBytes: Int) { base.epilogueAndReturn(argumentBytes: argumentBytes) }
    func frameSlot(_ k: Int) -> Address { base.frameSlot(k) }
    func incomingSlot(_ k: Int) -> Address { base.incomingSlot(k) }
    func outgoingSlot(_ k: Int) -> Address { base.outgoingSlot(k) }
    func vmctx(_ offset: Int) -> Address { base.vmctx(offset) }
    func address(_ r: Reg, _ offset: Int32) -> Address { base.address(r, offset) }

    mutating func move(_ dst: Reg, _ src: Reg, _ kind: ValueKind) { base.move(dst, src, kind) }
    mutating func moveImm(_ dst: Reg, _ bits: UInt64, _ kind: ValueKind) { base.moveImm(dst, bits, kind) }
    mutating func load(_ dst: Reg, _ src: Address, _ kind: ValueKind) { base.load(dst, src, kind) }
    mutating func store(_ src: Reg, _ dst: Address, _ kind: ValueKind) { base.store(src, dst, kind) }
    mutating func storeImm(_ bits: UInt64, _ dst: Address, _ kind: ValueKind) { base.storeImm(bits, dst, kind) }
    mutating func copy(_ dst: Address, _ src: Address) { base.copy(dst, src) }
    mutating func withScratch<R>(_ float: Bool, _ body: (inout Self, Reg) -> R) -> R {
        let scratch = base.withScratch(float) { _, r in r }
        return body(&self, scratch)
    }

    mutating func intBinary(_ op: IntBinOp, _ size: OperandSize, dst: Reg, lhs: Reg, rhs: RegImm) {
        base.intBinary(op, size, dst: dst, lhs: lhs, rhs: rhs)
    }
    func supportsThreeOperand(_ op: IntBinOp, _ rhs: RegImm) -> Bool { base.supportsThreeOperand(op, rhs) }
    mutating func intUnary(_ op: IntUnOp, _ size: OperandSize, dst: Reg, src: Reg) { base.intUnary(op, size, dst: dst, src: src) }
    mutating func divRem(_ kind: DivRemKind, _ size: OperandSize, dst: Reg, lhs: Reg, rhs: Reg) {
        base.divRem(kind, size, dst: dst, lhs: lhs, rhs: rhs)
    }
    mutating func extend(_ kind: ExtendKind, dst: Reg, src: Reg) { base.extend(kind, dst: dst, src: src) }
    mutating func compareAndBranch(_ cmp: Comparison, lhs: Reg, rhs: RegImm, ifTrue: Bool, to: Label) {
        base.compareAndBranch(cmp, lhs: lhs, rhs: rhs, ifTrue: ifTrue, to: to)
    }
    mutating func compareAndSet(_ cmp: Comparison, dst: Reg, lhs: Reg, rhs: RegImm) {
        base.compareAndSet(cmp, dst: dst, lhs: lhs, rhs: rhs)
    }
    mutating func compareAndSelect(_ cmp: Comparison, lhs: Reg, rhs: RegImm, dst: Reg, other: Reg, _ kind: ValueKind) {
        base.compareAndSelect(cmp, lhs: lhs, rhs: rhs, dst: dst, other: other, kind)
    }

    mutating func floatBinary(_ op: FloatBinOp, _ size: FloatSize, dst: Reg, lhs: Reg, rhs: Reg) {
        base.floatBinary(op, size, dst: dst, lhs: lhs, rhs: rhs)
    }
    mutating func floatUnary(_ op: FloatUnOp, _ size: FloatSize, dst: Reg, src: Reg) { base.floatUnary(op, size, dst: dst, src: src) }
    mutating func convert(_ kind: ConvertKind, dst: Reg, src: Reg) { base.convert(kind, dst: dst, src: src) }
    mutating func reinterpret(dst: Reg, src: Reg, _ size: OperandSize) { base.reinterpret(dst: dst, src: src, size) }

    mutating func wasmLoad(_ kind: LoadKind, dst: Reg, address: Reg?, offset: UInt64) {
        base.wasmLoad(kind, dst: dst, address: address, offset: offset)
    }
    mutating func wasmStore(_ kind: StoreKind, src: Reg, address: Reg?, offset: UInt64) {
        base.wasmStore(kind, src: src, address: address, offset: offset)
    }
    mutating func memorySize(dst: Reg) { base.memorySize(dst: dst) }

    mutating func newLabel() -> Label { base.newLabel() }
    mutating func bind(_ label: Label) { base.bind(label) }
    mutating func jump(_ label: Label) { base.jump(label) }
    mutating func branch(onZero: Bool, _ reg: Reg, _ size: OperandSize, to: Label) { base.branch(onZero: onZero, reg, size, to: to) }
    mutating func trap(_ kind: TrapKind) { base.trap(kind) }

    mutating func call(_ target: CallTarget, argumentBytes: Int, resultBuffer: Int?, reloadVMContext: Bool) {
        base.call(target, argumentBytes: argumentBytes, resultBuffer: resultBuffer, reloadVMContext: reloadVMContext)
    }
    func tailArgumentSlot(_ k: Int, ownSlots: Int, calleeSlots: Int) -> Address {
        base.tailArgumentSlot(k, ownSlots: ownSlots, calleeSlots: calleeSlots)
    }
    mutating func tailCall(_ target: CallTarget, ownSlots: Int, calleeSlots: Int) {
        base.tailCall(target, ownSlots: ownSlots, calleeSlots: calleeSlots)
    }
    mutating func loadFuncRefForCall(
        table: TablePlace, tableIndex: UInt32, index: Reg, typeIdOffset: Int, strategy: TableInitStrategy
    ) {
        base.loadFuncRefForCall(
            table: table, tableIndex: tableIndex, index: index, typeIdOffset: typeIdOffset, strategy: strategy)
    }
    mutating func callBuiltin(_ builtin: Builtin) { base.callBuiltin(builtin) }
    mutating func tableSize(dst: Reg, table: TablePlace) { base.tableSize(dst: dst, table: table) }
}

/// Constants the backend says it cannot encode go to a register: operands of binary
/// operations and comparisons, and the case numbers of a `br_table` compare chain.
@Suite struct NarrowImmediateTests {
    static let wat = """
        (module
          (func (export "arith") (param i32 i64) (result i64)
            (i64.add
              (i64.extend_i32_u (i32.xor (i32.add (local.get 0) (i32.const 1000)) (i32.const 0xff)))
              (i64.and (local.get 1) (i64.const 0x7fff_0000))))
          (func (export "cmp") (param i32) (result i32)
            (i32.add (i32.lt_s (local.get 0) (i32.const 5000)) (i32.ge_u (local.get 0) (i32.const 1))))
          (func (export "cases") (param i32) (result i32)
            block $d block $c3 block $c2 block $c1 block $c0
              (br_table $c0 $c1 $c2 $c3 $c2 $c1 $d (local.get 0))
            end (return (i32.const 10))
            end (return (i32.const 11))
            end (return (i32.const 12))
            end (return (i32.const 13))
            end (i32.const 99))
          (func (export "carry") (param i32 i32) (result i32)
            (block $out (result i32)
              (block $b (result i32)
                (br_table $b $out $b $out $b $out (i32.mul (local.get 1) (i32.const 3)) (local.get 0)))
              (i32.const 100)
              i32.add)))
        """

    /// Compiles `wat` through the shared driver with the narrow macro-assembler.
    func compileNarrow(_ encodable: ClosedRange<Int64>) throws -> CompiledCode {
        let module = try decodeModule(try assemble(text: Self.wat))
        var env = try ModuleEnvironment(module: module)
        env.computeLocations(X64CallingConvention.self)
        return try ModuleCompiler.compile(module, env: env, masm: NarrowImmediateMacroAssembler(encodable: encodable))
    }

    /// The wrapper itself changes nothing; narrowing changes every function (each one
    /// has constants beyond 0...1), the `br_table` ones included.
    @Test func theFallbackChangesEveryFunction() throws {
        let x64 = try X64Backend().compile(try decodeModule(try assemble(text: Self.wat)))
        #expect(try compileNarrow(Int64(Int32.min)...Int64(Int32.max)).text == x64.text)
        let narrow = try compileNarrow(0...1)
        func body(_ code: CompiledCode, _ i: Int) -> ArraySlice<UInt8> {
            let f = code.functions[i]
            return code.text[Int(f.offset)..<Int(f.offset + f.size)]
        }
        for i in x64.functions.indices { #expect(body(narrow, i) != body(x64, i), "function \(i)") }
    }

    @Test(arguments: [0...0, 0...1, -1...2] as [ClosedRange<Int64>])
    func constantsOutsideTheRangeGoToRegisters(_ encodable: ClosedRange<Int64>) throws {
        let m = try TestInstance(wat: Self.wat, compile: { _ in try compileNarrow(encodable) })
        #expect(m.i64("arith", 24, 0x1234_5678) == (1024 ^ 0xff) + (0x1234_5678 & 0x7fff_0000))
        #expect(m.i32("cmp", 0) == 1)
        #expect(m.i32("cmp", 7) == 2)
        #expect(m.i32("cmp", 6000) == 1)
        let expected: [Int32: Int32] = [0: 10, 1: 11, 2: 12, 3: 13, 4: 12, 5: 11, 6: 99, 7: 99, -1: 99]
        for (index, result) in expected { #expect(m.i32("cases", index) == result, "br_table case \(index)") }
        for index: Int32 in 0..<8 {
            #expect(m.i32("carry", index, 5) == (index % 2 == 0 && index < 6 ? 115 : 15), "br_table case \(index) with a value")
        }
    }
}

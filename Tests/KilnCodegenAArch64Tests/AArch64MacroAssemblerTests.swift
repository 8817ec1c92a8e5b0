import KilnABI
import KilnCodegen
import KilnCodegenAArch64
import Testing

/// Golden disassembly of what `AArch64MacroAssembler` emits for each operation, checked
/// with llvm-objdump: the frame, moves and frame slots, integer operations, comparisons
/// and branches, calls and tail calls, memory, floats. Branch targets read as offsets
/// from the start of the code.
@Suite struct AArch64MacroAssemblerTests {
    typealias M = AArch64MacroAssembler

    /// The disassembly of what `body` emits into a fresh macro-assembler (and the
    /// macro-assembler, for its records).
    static func emit(_ body: (inout M) -> Void) throws -> (lines: [String], masm: M) {
        var masm = M()
        body(&masm)
        #expect(masm.internalFailure == nil, "\(masm.internalFailure ?? "")")
        return (try Disassembly.lines(masm.codeBytes), masm)
    }

    static func x(_ n: UInt8) -> Reg { .gpr(n) }
    static func v(_ n: UInt8) -> Reg { .fpr(n) }

    /// The frame record first, then the patched frame size (frame slots + the vmctx slot,
    /// rounded up to 16), the vmctx saved at `[x29, #-8]`, the stack check against the
    /// store's limit (a trap site at the end of the function); the epilogue pops the
    /// argument area.
    @Test func prologueStackCheckAndEpilogue() throws {
        let (lines, masm) = try Self.emit { m in
            m.prologue(stackCheck: true)
            m.epilogueAndReturn(argumentBytes: 16)
            m.finishFunction(frameSize: 24)
        }
        #expect(lines == [
            "stp x29, x30, [sp, #-0x10]!", "mov x29, sp", "sub sp, sp, #0x20", "nop", "stur x20, [x29, #-0x8]",
            "ldr x16, [x20, #0x10]", "ldr x16, [x16]", "cmp sp, x16", "b.lo 0x34",
            "mov sp, x29", "ldp x29, x30, [sp], #0x10", "add sp, sp, #0x10", "ret",
            "udf #0x6",
        ])
        #expect(masm.records.trapSites == [TrapSite(codeOffset: 0x34, kind: .callStackExhausted)])
    }

    /// Frames of 4 KiB and more take the shifted immediate; without stack arguments the
    /// function returns with a plain `ret`.
    @Test func largeFramesWithoutStackCheck() throws {
        let (large, _) = try Self.emit { m in
            m.prologue(stackCheck: false)
            m.epilogueAndReturn(argumentBytes: 0)
            m.finishFunction(frameSize: 5000)
        }
        #expect(large == [
            "stp x29, x30, [sp, #-0x10]!", "mov x29, sp", "sub sp, sp, #0x1, lsl #12", "sub sp, sp, #0x390",
            "stur x20, [x29, #-0x8]", "mov sp, x29", "ldp x29, x30, [sp], #0x10", "ret",
        ])
        let (page, _) = try Self.emit { m in
            m.prologue(stackCheck: false)
            m.finishFunction(frameSize: 4088)
        }
        #expect(Array(page[2...3]) == ["sub sp, sp, #0x1, lsl #12", "nop"])
    }

    /// Frame slots below x29 (unscaled offsets, then the offset in x17), incoming slots
    /// above the record, outgoing slots at sp, constants stored from wzr/xzr or x16.
    @Test func slotsAndMoves() throws {
        let (lines, _) = try Self.emit { m in
            m.load(Self.x(0), m.frameSlot(0), .i64)
            m.load(Self.x(1), m.frameSlot(30), .i32)
            m.load(Self.x(2), m.frameSlot(31), .i64)
            m.store(Self.x(3), m.outgoingSlot(1), .i32)
            m.load(Self.v(4), m.incomingSlot(0), .f32)
            m.store(Self.v(5), m.vmctx(4096), .f64)
            m.storeImm(0, m.frameSlot(1), .i64)
            m.storeImm(5, m.outgoingSlot(0), .i32)
            m.copy(m.outgoingSlot(2), m.frameSlot(1))
            m.load(Self.x(6), m.outgoingSlot(4096), .i64)
            m.move(Self.x(1), Self.x(2), .i32)
            m.move(Self.x(1), Self.x(2), .i64)
            m.move(Self.x(1), Self.x(1), .i64)
            m.move(Self.v(1), Self.v(2), .f64)
            m.move(Self.v(1), Self.v(2), .f32)
        }
        #expect(lines == [
            "ldur x0, [x29, #-0x10]", "ldur w1, [x29, #-0x100]", "mov x17, #-0x108", "ldr x2, [x29, x17]",
            "str w3, [sp, #0x8]", "ldr s4, [x29, #0x10]", "str d5, [x20, #0x1000]", "stur xzr, [x29, #-0x18]",
            "mov w16, #0x5", "str w16, [sp]", "ldur x16, [x29, #-0x18]", "str x16, [sp, #0x10]",
            "mov w17, #0x8000", "ldr x6, [sp, x17]",
            "mov w1, w2", "mov x1, x2", "fmov d1, d2", "fmov s1, s2",
        ])
    }

    /// Constants: i32 as W (zero-extended), float zero from `movi`, `fmov` immediates,
    /// other floats through x17.
    @Test func constants() throws {
        let (lines, _) = try Self.emit { m in
            m.moveImm(Self.x(3), UInt64.max, .i32)
            m.moveImm(Self.x(3), UInt64.max, .i64)
            m.moveImm(Self.v(0), 0, .f64)
            m.moveImm(Self.v(1), (1.0).bitPattern, .f64)
            m.moveImm(Self.v(2), UInt64(Float(0.1).bitPattern), .f32)
            m.moveImm(Self.v(3), (-0.0).bitPattern, .f64)
        }
        #expect(lines == [
            "mov w3, #-0x1", "mov x3, #-0x1", "movi d0, #0000000000000000", "fmov d1, #1.00000000",
            "mov w17, #0xcccd", "movk w17, #0x3dcc, lsl #16", "fmov s2, w17",
            "mov x17, #-0x8000000000000000", "fmov d3, x17",
        ])
    }

    /// Three-operand integer operations; immediates where A64 has them (negative add
    /// becomes sub, 4096 a shifted immediate, bitmask immediates), through x17 otherwise;
    /// rotate left as rotate right by the negated count.
    @Test func integerBinaryOperations() throws {
        let (lines, _) = try Self.emit { m in
            m.intBinary(.add, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: .reg(Self.x(2)))
            m.intBinary(.sub, .s64, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(-5))
            m.intBinary(.add, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(4096))
            m.intBinary(.sub, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(7))
            m.intBinary(.and, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(0xFF))
            m.intBinary(.xor, .s64, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(0x12345))
            m.intBinary(.or, .s32, dst: Self.x(0), lhs: Self.x(0), rhs: .imm(-1))
            m.intBinary(.mul, .s64, dst: Self.x(0), lhs: Self.x(1), rhs: .reg(Self.x(2)))
            m.intBinary(.mul, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(3))
            m.intBinary(.shl, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(35))
            m.intBinary(.shrS, .s64, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(63))
            m.intBinary(.shrU, .s64, dst: Self.x(0), lhs: Self.x(1), rhs: .reg(Self.x(2)))
            m.intBinary(.rotl, .s64, dst: Self.x(0), lhs: Self.x(1), rhs: .imm(4))
            m.intBinary(.rotl, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: .reg(Self.x(2)))
            m.intBinary(.rotr, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: .reg(Self.x(2)))
        }
        #expect(lines == [
            "add w0, w1, w2", "add x0, x1, #0x5", "add w0, w1, #0x1, lsl #12", "sub w0, w1, #0x7",
            "and w0, w1, #0xff", "mov w17, #0x2345", "movk w17, #0x1, lsl #16", "eor x0, x1, x17",
            "mov w17, #-0x1", "orr w0, w0, w17", "mul x0, x1, x2", "mov w17, #0x3", "mul w0, w1, w17",
            "lsl w0, w1, #3", "asr x0, x1, #63", "lsr x0, x1, x2", "ror x0, x1, #0x3c",
            "neg w17, w2", "ror w0, w1, w17", "ror w0, w1, w2",
        ])
    }

    /// What the backend says it can encode, so the lowering never needs the x17 path.
    @Test func encodableImmediates() {
        let m = M()
        #expect(m.encodesImmediate(4095, for: .binary(.add), .s32))
        #expect(m.encodesImmediate(4096, for: .binary(.sub), .s64))
        #expect(!m.encodesImmediate(4097, for: .binary(.add), .s64))
        #expect(m.encodesImmediate(-4095, for: .compare, .s32))
        #expect(m.encodesImmediate(0xFF, for: .binary(.and), .s32))
        #expect(!m.encodesImmediate(0x12345, for: .binary(.xor), .s64))
        #expect(!m.encodesImmediate(-1, for: .binary(.or), .s32))
        #expect(m.encodesImmediate(-2, for: .binary(.and), .s64))
        #expect(!m.encodesImmediate(3, for: .binary(.mul), .s32))
        #expect(m.encodesImmediate(99, for: .binary(.rotl), .s32))
        #expect(m.supportsThreeOperand(.xor, .reg(Self.x(1))))
    }

    @Test func unaryOperationsAndExtends() throws {
        let (lines, _) = try Self.emit { m in
            m.intUnary(.clz, .s32, dst: Self.x(0), src: Self.x(1))
            m.intUnary(.ctz, .s64, dst: Self.x(0), src: Self.x(1))
            m.intUnary(.popcnt, .s32, dst: Self.x(0), src: Self.x(1))
            m.extend(.i32Extend8S, dst: Self.x(0), src: Self.x(1))
            m.extend(.i64Extend16S, dst: Self.x(0), src: Self.x(1))
            m.extend(.i64ExtendI32S, dst: Self.x(0), src: Self.x(1))
            m.extend(.i32WrapI64, dst: Self.x(0), src: Self.x(1))
        }
        #expect(lines == [
            "clz w0, w1", "rbit x0, x1", "clz x0, x0",
            "fmov s31, w1", "cnt v31.8b, v31.8b", "addv b31, v31.8b", "fmov w0, s31",
            "sxtb w0, w1", "sxth x0, w1", "sxtw x0, w1", "mov w0, w1",
        ])
    }

    /// Division checks zero with `cbz` and INT_MIN / -1 with `cmn`/`ccmp`/`b.vs`, both to
    /// the function's shared trap sites; a remainder is `msub` of the quotient.
    @Test func divisionAndRemainder() throws {
        let (lines, masm) = try Self.emit { m in
            m.divRem(.divS, .s32, dst: Self.x(0), lhs: Self.x(1), rhs: Self.x(2))
            m.divRem(.remU, .s64, dst: Self.x(0), lhs: Self.x(1), rhs: Self.x(2))
            m.finishFunction(frameSize: 0)
        }
        #expect(lines == [
            "cbz w2, 0x20", "cmn w2, #0x1", "ccmp w1, #0x1, #0x0, eq", "b.vs 0x24", "sdiv w0, w1, w2",
            "cbz x2, 0x20", "udiv x17, x1, x2", "msub x0, x17, x2, x1",
            "udf #0x2", "udf #0x3",
        ])
        #expect(masm.records.trapSites.map(\.kind) == [.integerDivideByZero, .integerOverflow])
    }

    /// Comparisons with labels bound before and after: `cbz`/`cbnz` for equality with
    /// zero, `cmn` for a negative immediate, float conditions whose inversion is the
    /// exact negation (NaN included), `cset` and `csel`/`fcsel`.
    @Test func comparisonsAndBranches() throws {
        let (lines, _) = try Self.emit { m in
            let back = m.newLabel(), forward = m.newLabel()
            m.bind(back)
            m.compareAndBranch(.int(.ltS, .s32), lhs: Self.x(0), rhs: .reg(Self.x(1)), ifTrue: true, to: back)
            m.compareAndBranch(.int(.eq, .s64), lhs: Self.x(2), rhs: .imm(0), ifTrue: false, to: forward)
            m.compareAndBranch(.int(.geU, .s32), lhs: Self.x(0), rhs: .imm(-3), ifTrue: true, to: forward)
            m.compareAndBranch(.float(.lt, .f64), lhs: Self.v(0), rhs: .reg(Self.v(1)), ifTrue: false, to: forward)
            m.compareAndSet(.int(.ne, .s64), dst: Self.x(3), lhs: Self.x(4), rhs: .imm(4096))
            m.compareAndSelect(.int(.gtU, .s64), lhs: Self.x(1), rhs: .reg(Self.x(2)), dst: Self.x(0), other: Self.x(3), .i64)
            m.compareAndSelect(.float(.ge, .f32), lhs: Self.v(1), rhs: .reg(Self.v(2)), dst: Self.v(0), other: Self.v(3), .f32)
            m.jump(back)
            m.bind(forward)
            m.branch(onZero: true, Self.x(5), .s32, to: forward)
            m.finishFunction(frameSize: 0)
        }
        #expect(lines == [
            "cmp w0, w1", "b.lt 0x0", "cbnz x2, 0x38", "cmn w0, #0x3", "b.hs 0x38", "fcmp d0, d1", "b.pl 0x38",
            "cmp x4, #0x1, lsl #12", "cset w3, ne", "cmp x1, x2", "csel x0, x0, x3, hi",
            "fcmp s1, s2", "fcsel s0, s0, s3, ge", "b 0x0", "cbz w5, 0x38",
        ])
    }

    /// Calls: the result buffer's address in x8, `bl` patched later, imports and
    /// funcrefs through x16 with the callee's vmctx in x20, the popped area re-reserved,
    /// the vmctx reloaded from `[x29, #-8]`; builtins with the vmctx in x0.
    @Test func calls() throws {
        let builtin = VMContextLayout.builtin(.memoryGrow)
        var (lines, masm) = try Self.emit { m in
            m.call(.direct(3), argumentBytes: 16, resultBuffer: 2, reloadVMContext: false)
            m.call(.imported(vmctxOffset: 240), argumentBytes: 0, resultBuffer: nil, reloadVMContext: true)
            m.call(.indirect, argumentBytes: 0, resultBuffer: nil, reloadVMContext: false)
            m.call(.direct(5), argumentBytes: 0, resultBuffer: nil, reloadVMContext: true)
            m.callBuiltin(.memoryGrow)
        }
        #expect(masm.records.directCalls.map(\.at) == [4, 0x2c])
        #expect(masm.records.directCalls.map(\.function) == [3, 5])
        masm.patchDirectCall(at: 4, to: 0x40)
        masm.patchDirectCall(at: 0x2c, to: 0)
        #expect(masm.internalFailure == nil)
        lines = try Disassembly.lines(masm.codeBytes)
        #expect(lines == [
            "add x8, sp, #0x10", "bl 0x40", "sub sp, sp, #0x10",
            "ldr x16, [x20, #0xf0]", "ldr x20, [x20, #0xf8]", "blr x16", "ldur x20, [x29, #-0x8]",
            "ldr x20, [x22, #0x10]", "ldr x16, [x22]", "blr x16", "ldur x20, [x29, #-0x8]",
            "bl 0x0", "ldur x20, [x29, #-0x8]",
            "mov x0, x20", "ldr x16, [x20, #0x\(String(builtin, radix: 16))]", "blr x16",
        ])
    }

    /// Tail calls keep the top of the argument area: fewer stack arguments move sp up;
    /// as many leave it; more copy the staged arguments (highest first) to just below
    /// the old area after reading the frame record, since they may overwrite it.
    @Test func tailCalls() throws {
        var (_, masm) = try Self.emit { m in
            m.tailCall(.direct(1), ownSlots: 2, calleeSlots: 0)
            m.tailCall(.imported(vmctxOffset: 256), ownSlots: 2, calleeSlots: 2)
            m.tailCall(.indirect, ownSlots: 0, calleeSlots: 2)
        }
        #expect(masm.records.directCalls.map(\.at) == [0x0c])
        masm.patchDirectCall(at: 0x0c, to: 0x54)
        #expect(try Disassembly.lines(masm.codeBytes) == [
            "mov sp, x29", "ldp x29, x30, [sp], #0x10", "add sp, sp, #0x10", "b 0x54",
            "mov sp, x29", "ldp x29, x30, [sp], #0x10", "ldr x16, [x20, #0x100]", "ldr x20, [x20, #0x108]", "br x16",
            "ldr d30, [x29]", "ldr x30, [x29, #0x8]", "add x16, x29, #0x0",
            "ldr d31, [sp, #0x8]", "str d31, [x16, #0x8]", "ldr d31, [sp]", "str d31, [x16]",
            "mov sp, x16", "fmov x29, d30", "ldr x20, [x22, #0x10]", "ldr x16, [x22]", "br x16",
        ])
        #expect(masm.tailArgumentSlot(1, ownSlots: 4, calleeSlots: 2) == masm.incomingSlot(3))
        #expect(masm.tailArgumentSlot(0, ownSlots: 0, calleeSlots: 2) == masm.outgoingSlot(0))
    }

    /// `call_indirect` on a defined table under `image`: bounds, slot address in x18,
    /// funcref in x22, signature check to its trap site; the null check is the type id's
    /// load from the funcref, recorded as an uninitialized-element trap site (no `cbz`).
    @Test func indirectCallSequence() throws {
        let (lines, masm) = try Self.emit { m in
            m.loadFuncRefForCall(
                table: TablePlace(offset: 304, indirect: false), tableIndex: 1, index: Self.x(0), typeIdOffset: 400,
                strategy: .image)
            m.finishFunction(frameSize: 0)
        }
        #expect(lines == [
            "ldr x16, [x20, #0x138]", "cmp x0, x16", "b.hs 0x28", "ldr x18, [x20, #0x130]", "add x18, x18, x0, lsl #3",
            "ldr x22, [x18]", "ldr x0, [x20, #0x190]", "ldr x16, [x22, #0x8]",
            "cmp x0, x16", "b.ne 0x2c", "udf #0x8", "udf #0xa",
        ])
        // The fault site (the load at 0x1c) is recorded while the body is emitted, the
        // out-of-line udfs at the end.
        #expect(masm.records.sortedTrapSites.map(\.codeOffset) == [0x1c, 0x28, 0x2c])
        #expect(masm.records.sortedTrapSites.map(\.kind) == [.uninitializedElement, .undefinedElement, .indirectCallTypeMismatch])
    }

    /// Under `checked`, through an imported table: a zero slot takes the out-of-line
    /// `tableLazyInit` call (index, table, vmctx in w2, w1, x0) and comes back to clear
    /// the lazy tag before the null check.
    @Test func checkedIndirectCallSequence() throws {
        let builtin = VMContextLayout.builtin(.tableLazyInit)
        let (lines, _) = try Self.emit { m in
            m.loadFuncRefForCall(
                table: TablePlace(offset: 240, indirect: true), tableIndex: 3, index: Self.x(1), typeIdOffset: 336,
                strategy: .checked)
            m.finishFunction(frameSize: 0)
        }
        #expect(lines == [
            "ldr x18, [x20, #0xf0]", "ldr x16, [x18, #0x8]", "cmp x1, x16", "b.hs 0x54", "ldr x18, [x18]",
            "add x18, x18, x1, lsl #3", "ldr x22, [x18]", "cbz x22, 0x38", "and x22, x22, #0xfffffffffffffffe",
            "cbz x22, 0x58", "ldr x1, [x20, #0x150]", "ldr x16, [x22, #0x8]", "cmp x1, x16",
            "b.ne 0x5c",
            "mov w2, w1", "mov w1, #0x3", "mov x0, x20", "ldr x16, [x20, #0x\(String(builtin, radix: 16))]", "blr x16",
            "mov x22, x0", "b 0x20",
            "udf #0x8", "udf #0x9", "udf #0xa",
        ])
    }

    /// Linear memory: the base from the vmctx or the register holding it, the address
    /// as a register index, the offset folded in through x17 when the access cannot take
    /// it; each access a trap site.
    @Test func memoryAccesses() throws {
        let (lines, masm) = try Self.emit { m in
            m.wasmLoad(.i32, dst: Self.x(0), address: Self.x(1), offset: 0)
            m.holdMemoryBase(in: Self.x(28))
            m.wasmLoad(.i64_8S, dst: Self.x(0), address: Self.x(1), offset: 16)
            m.wasmStore(.f64, src: Self.v(0), address: nil, offset: 8)
            m.wasmStore(.b16, src: Self.x(2), address: Self.x(3), offset: 0x1234_5678)
            m.wasmLoad(.i64_32S, dst: Self.x(4), address: nil, offset: 0x10000)
            m.memorySize(dst: Self.x(5))
        }
        #expect(lines == [
            "ldr x16, [x20]", "ldr w0, [x16, x1]", "ldr x28, [x20]", "add x17, x1, #0x10", "ldrsb x0, [x28, x17]",
            "str d0, [x28, #0x8]", "mov w17, #0x5678", "movk w17, #0x1234, lsl #16", "add x17, x17, x3",
            "strh w2, [x28, x17]", "mov w17, #0x10000", "ldrsw x4, [x28, x17]",
            "ldr x5, [x20, #0x8]", "ldr x5, [x5, #0x8]", "lsr x5, x5, #16",
        ])
        #expect(masm.records.trapSites.map(\.codeOffset) == [4, 0x10, 0x14, 0x24, 0x2c])
        #expect(masm.records.trapSites.allSatisfy { $0.kind == .outOfBoundsMemoryAccess })
    }

    @Test func floats() throws {
        let (lines, _) = try Self.emit { m in
            m.floatBinary(.min, .f64, dst: Self.v(0), lhs: Self.v(1), rhs: Self.v(2))
            m.floatBinary(.copysign, .f32, dst: Self.v(0), lhs: Self.v(1), rhs: Self.v(2))
            m.floatUnary(.nearest, .f32, dst: Self.v(3), src: Self.v(4))
            m.convert(.truncate(from: .f64, to: .s32, signed: false, saturating: true), dst: Self.x(0), src: Self.v(1))
            m.convert(.convert(from: .s64, to: .f32, signed: true), dst: Self.v(2), src: Self.x(3))
            m.convert(.demote, dst: Self.v(0), src: Self.v(1))
            m.reinterpret(dst: Self.x(1), src: Self.v(2), .s64)
        }
        #expect(lines == [
            "fmin d0, d1, d2", "fmov w16, s1", "fmov w17, s2", "bfxil w17, w16, #0, #31", "fmov s0, w17",
            "frintn s3, s4", "fcvtzu w0, d1", "scvtf s2, x3", "fcvt s0, d1", "fmov x1, d2",
        ])
    }

    /// A trapping truncation checks NaN, then both bounds, before the conversion.
    @Test func trappingTruncation() throws {
        let (lines, _) = try Self.emit { m in
            m.convert(.truncate(from: .f32, to: .s32, signed: true, saturating: false), dst: Self.x(0), src: Self.v(1))
            m.finishFunction(frameSize: 0)
        }
        #expect(lines == [
            "fcmp s1, s1", "b.vs 0x30", "mov w17, #-0x31000000", "fmov s31, w17", "fcmp s1, s31", "b.mi 0x2c",
            "mov w17, #0x4f000000", "fmov s31, w17", "fcmp s1, s31", "b.ge 0x2c", "fcvtzs w0, s1",
            "udf #0x3", "udf #0x4",
        ])
    }

    /// The host->wasm entry trampoline: saves x19-x22, reserves the callee's argument
    /// area, loads the parameters from `values` (x19 from then on) into registers and the
    /// stack, passes `values` as the result buffer, stores the register results back.
    @Test func entryTrampoline() throws {
        let sig = Signature(parameters: [.i32, .f64] + Array(repeating: .i64, count: 8), results: [.i64, .f32])
        let (lines, _) = try Self.emit { m in m.emitEntryTrampoline(sig) }
        #expect(lines == [
            "stp x29, x30, [sp, #-0x10]!", "mov x29, sp", "stp x19, x20, [sp, #-0x20]!", "stp x21, x22, [sp, #0x10]",
            "sub sp, sp, #0x10", "mov x20, x0", "mov x16, x1", "mov x19, x2",
            "ldr w0, [x19]", "ldr d0, [x19, #0x8]", "ldr x1, [x19, #0x10]", "ldr x2, [x19, #0x18]",
            "ldr x3, [x19, #0x20]", "ldr x4, [x19, #0x28]", "ldr x5, [x19, #0x30]", "ldr x6, [x19, #0x38]",
            "ldr x7, [x19, #0x40]", "ldr x9, [x19, #0x48]", "str x9, [sp]",
            "mov x8, x19", "blr x16", "str x0, [x19]", "str s0, [x19, #0x8]",
            "ldp x21, x22, [x29, #-0x10]", "ldp x19, x20, [x29, #-0x20]", "mov sp, x29", "ldp x29, x30, [sp], #0x10",
            "ret",
        ])
    }

    /// Padding between functions traps.
    @Test func alignmentPadding() throws {
        let (lines, _) = try Self.emit { m in
            m.asm.nop()
            m.alignCode(to: 16)
        }
        #expect(lines == ["nop", "udf #0x0", "udf #0x0", "udf #0x0"])
    }

    /// The wasm->host stub: arguments (an i32 as 8 bytes, stack arguments copied from
    /// above the record) into a buffer at sp, the callback with the block's recorded
    /// caller, a host error trapping at the `udf`, results copied into the caller's buffer
    /// whose address came in x8.
    @Test func hostCallStub() throws {
        let sig = Signature(parameters: [.i32, .f32, .externref], results: Array(repeating: .i64, count: 5))
        let (lines, masm) = try Self.emit { m in m.emitHostCallStub(sig) }
        let copies = (0..<5).flatMap { k -> [String] in
            let at = String(8 * k, radix: 16)
            return k == 0 ? ["ldr x16, [sp]", "str x16, [x9]"] : ["ldr x16, [sp, #0x\(at)]", "str x16, [x9, #0x\(at)]"]
        }
        #expect(lines == [
            "stp x29, x30, [sp, #-0x10]!", "mov x29, sp", "sub sp, sp, #0x40", "stur x8, [x29, #-0x8]",
            "str x0, [sp]", "str s0, [sp, #0x8]", "str x1, [sp, #0x10]",
            "mov x0, x20", "ldr x1, [x20, #0x10]", "mov x2, sp", "ldr x16, [x20]", "blr x16", "cbz w0, 0x38",
            "udf #0xc", "ldur x9, [x29, #-0x8]",
        ] + copies + ["mov sp, x29", "ldp x29, x30, [sp], #0x10", "ret"])
        #expect(masm.records.trapSites == [TrapSite(codeOffset: 0x34, kind: .hostError)])

        let stackArgument = Signature(parameters: Array(repeating: .i64, count: 9), results: [.f64])
        let (stub, _) = try Self.emit { m in m.emitHostCallStub(stackArgument) }
        #expect(Array(stub[2...3]) == ["sub sp, sp, #0x50", "str x0, [sp]"])
        #expect(stub.contains("ldr x16, [x29, #0x10]") && stub.contains("str x16, [sp, #0x40]"))
        #expect(Array(stub.suffix(5)) == ["ldr d0, [sp]", "mov sp, x29", "ldp x29, x30, [sp], #0x10", "add sp, sp, #0x10", "ret"])
    }

    /// The lazy trampoline keeps every argument register (and x8) across the resolver
    /// call and leaves with the stack as it entered.
    @Test func lazyTrampoline() throws {
        let (lines, _) = try Self.emit { m in m.emitLazyTrampoline() }
        let save = [
            "stp x0, x1, [sp]", "stp x2, x3, [sp, #0x10]", "stp x4, x5, [sp, #0x20]", "stp x6, x7, [sp, #0x30]",
            "str x8, [sp, #0x40]", "stp d0, d1, [sp, #0x48]", "stp d2, d3, [sp, #0x58]", "stp d4, d5, [sp, #0x68]",
            "stp d6, d7, [sp, #0x78]",
        ]
        let restore = save.map { $0.replacingOccurrences(of: "stp", with: "ldp").replacingOccurrences(of: "str", with: "ldr") }
        #expect(lines == ["stp x29, x30, [sp, #-0x10]!", "mov x29, sp", "sub sp, sp, #0x90"] + save + [
            "ldr w16, [x20, #0x1c]", "sub x0, x20, x16", "mov x1, x18", "mov x2, x20", "ldr x16, [x0]", "blr x16",
            "mov x22, x0",
        ] + restore + [
            "ldr x20, [x22, #0x10]", "ldr x16, [x22]", "mov sp, x29", "ldp x29, x30, [sp], #0x10", "br x16",
        ])
    }

    /// What A64 cannot reach yet is an internal failure naming it, never a silent wrong
    /// branch; the first failure is the one reported.
    @Test func unreachableTargetsAndBugsAreReported() {
        var m = M()
        m.call(.direct(0), argumentBytes: 0, resultBuffer: nil, reloadVMContext: false)
        m.patchDirectCall(at: 0, to: 200 << 20)
        #expect(m.internalFailure?.contains("not yet: a direct call beyond") == true)
        let l = m.newLabel()
        m.compareAndBranch(.float(.eq, .f32), lhs: Self.v(0), rhs: .imm(0), ifTrue: true, to: l)
        #expect(m.internalFailure?.contains("direct call") == true)

        var bug = M()
        let label = bug.newLabel()
        bug.compareAndBranch(.float(.eq, .f32), lhs: Self.v(0), rhs: .imm(0), ifTrue: true, to: label)
        #expect(bug.internalFailure?.contains("float compare with immediate") == true)
    }
}

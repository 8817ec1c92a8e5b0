import AsmX64
import Testing

/// Every instruction form the x86-64 backend emits, encoded and compared with
/// llvm-objdump's Intel syntax. One instruction per case, all disassembled at once.
@Suite struct EncoderTests {
    typealias Case = (String, (inout Assembler) -> Void)

    static let m1 = Mem(base: .rbp, disp: -16)
    static let m2 = Mem(base: .r14, disp: 0x1000)
    static let m3 = Mem(base: .r11, index: .r10, scale: 1, disp: 0)
    static let m4 = Mem(base: .rsp, disp: 8)
    static let m5 = Mem(base: .r13)
    static let m6 = Mem(base: .rax, index: .rcx, scale: 8, disp: 0x7fff_ffff)
    static let m7 = Mem(base: .r12)

    static let cases: [Case] = [
        ("mov rax, rcx", { $0.mov(.q, .rax, .rcx) }),
        ("mov r8d, r15d", { $0.mov(.l, .r8, .r15) }),
        ("mov rdi, qword ptr [rbp - 0x10]", { $0.mov(.q, .rdi, m1) }),
        ("mov eax, dword ptr [r14 + 0x1000]", { $0.mov(.l, .rax, m2) }),
        ("mov qword ptr [rsp + 0x8], r11", { $0.mov(.q, m4, .r11) }),
        ("mov dword ptr [r11 + r10], esi", { $0.mov(.l, m3, .rsi) }),
        ("mov rdx, qword ptr [r13]", { $0.mov(.q, .rdx, m5) }),
        ("mov rcx, qword ptr [r12]", { $0.mov(.q, .rcx, m7) }),
        ("mov rbx, qword ptr [rax + 8*rcx + 0x7fffffff]", { $0.mov(.q, .rbx, m6) }),
        ("mov word ptr [r11 + r10], si", { $0.movw(m3, .rsi) }),
        ("mov byte ptr [r11 + r10], sil", { $0.movb(m3, .rsi) }),
        ("mov byte ptr [rbp - 0x10], al", { $0.movb(m1, .rax) }),
        ("mov r9d, 0x12345678", { $0.movl(.r9, imm32: 0x1234_5678) }),
        ("movabs r10, 0x123456789abcdef0", { $0.movabsq(.r10, imm64: 0x1234_5678_9abc_def0) }),
        ("mov rax, -0x2", { $0.movq(.rax, simm32: -2) }),
        ("mov qword ptr [rbp - 0x10], -0x1", { $0.mov(.q, m1, imm32: -1) }),
        ("mov dword ptr [rbp - 0x10], 0x7", { $0.mov(.l, m1, imm32: 7) }),
        ("movzx eax, byte ptr [r11 + r10]", { $0.movx(.movzbl, .rax, m3) }),
        ("movzx eax, word ptr [r11 + r10]", { $0.movx(.movzwl, .rax, m3) }),
        ("movsx eax, byte ptr [r11 + r10]", { $0.movx(.movsbl, .rax, m3) }),
        ("movsx eax, word ptr [r11 + r10]", { $0.movx(.movswl, .rax, m3) }),
        ("movsx rax, byte ptr [r11 + r10]", { $0.movx(.movsbq, .rax, m3) }),
        ("movsx rax, word ptr [r11 + r10]", { $0.movx(.movswq, .rax, m3) }),
        ("movsxd rax, dword ptr [r11 + r10]", { $0.movx(.movslq, .rax, m3) }),
        ("movzx ecx, sil", { $0.movx(.movzbl, .rcx, .rsi) }),
        ("movsx r8d, dil", { $0.movx(.movsbl, .r8, .rdi) }),
        ("movsx eax, cx", { $0.movx(.movswl, .rax, .rcx) }),
        ("movsx r15, r9b", { $0.movx(.movsbq, .r15, .r9) }),
        ("movsx rdx, r13w", { $0.movx(.movswq, .rdx, .r13) }),
        ("movsxd rax, ecx", { $0.movx(.movslq, .rax, .rcx) }),
        ("lea rsp, [rbp - 0x30]", { $0.leaq(.rsp, Mem(base: .rbp, disp: -0x30)) }),
        ("add rax, rcx", { $0.alu(.add, .q, .rax, .rcx) }),
        ("sub r12d, r13d", { $0.alu(.sub, .l, .r12, .r13) }),
        ("and rbx, r15", { $0.alu(.and, .q, .rbx, .r15) }),
        ("or esi, edi", { $0.alu(.or, .l, .rsi, .rdi) }),
        ("xor edx, edx", { $0.alu(.xor, .l, .rdx, .rdx) }),
        ("cmp rax, r11", { $0.alu(.cmp, .q, .rax, .r11) }),
        ("add eax, 0x5", { $0.alu(.add, .l, .rax, imm32: 5) }),
        ("sub rsp, 0x100", { $0.alu(.sub, .q, .rsp, imm32: 0x100) }),
        ("cmp ecx, -0x1", { $0.alu(.cmp, .l, .rcx, imm32: -1) }),
        ("cmp eax, 0x80000000", { $0.alu(.cmp, .l, .rax, imm32: Int32.min) }),
        ("xor r11d, 0x80000000", { $0.alu(.xor, .l, .r11, imm32: Int32.min) }),
        ("and r10d, 0x1", { $0.alu(.and, .l, .r10, imm32: 1) }),
        ("cmp rsp, qword ptr [r11]", { $0.alu(.cmp, .q, .rsp, Mem(base: .r11)) }),
        ("test eax, eax", { $0.test(.l, .rax, .rax) }),
        ("test r9, r9", { $0.test(.q, .r9, .r9) }),
        ("imul eax, ecx", { $0.imul(.l, .rax, .rcx) }),
        ("imul r8, r9", { $0.imul(.q, .r8, .r9) }),
        ("imul ecx, ecx, 0x3e8", { $0.imul(.l, .rcx, .rcx, imm32: 1000) }),
        ("imul r13, r13, -0x3", { $0.imul(.q, .r13, .r13, imm32: -3) }),
        ("div ecx", { $0.unary(.div, .l, .rcx) }),
        ("idiv r8", { $0.unary(.idiv, .q, .r8) }),
        ("neg eax", { $0.unary(.neg, .l, .rax) }),
        ("not rbx", { $0.unary(.not, .q, .rbx) }),
        ("cdq", { $0.cltd() }),
        ("cqo", { $0.cqto() }),
        ("shl eax, cl", { $0.shift(.shl, .l, .rax) }),
        ("sar r9, cl", { $0.shift(.sar, .q, .r9) }),
        ("shr edx, cl", { $0.shift(.shr, .l, .rdx) }),
        ("rol rax, cl", { $0.shift(.rol, .q, .rax) }),
        ("ror ebx, cl", { $0.shift(.ror, .l, .rbx) }),
        ("shl r11, 0x1", { $0.shift(.shl, .q, .r11, imm8: 1) }),
        ("shr r10, 0x3f", { $0.shift(.shr, .q, .r10, imm8: 63) }),
        ("sar eax, 0x1f", { $0.shift(.sar, .l, .rax, imm8: 31) }),
        ("lzcnt eax, ecx", { $0.bitCount(.lzcnt, .l, .rax, .rcx) }),
        ("tzcnt r8, r9", { $0.bitCount(.tzcnt, .q, .r8, .r9) }),
        ("popcnt rdx, rdx", { $0.bitCount(.popcnt, .q, .rdx, .rdx) }),
        ("sete al", { $0.setcc(.e, .rax) }),
        ("setl sil", { $0.setcc(.l, .rsi) }),
        ("setnp r10b", { $0.setcc(.np, .r10) }),
        ("seta r15b", { $0.setcc(.a, .r15) }),
        ("cmovne eax, ecx", { $0.cmov(.ne, .l, .rax, .rcx) }),
        ("cmovge r12, r13", { $0.cmov(.ge, .q, .r12, .r13) }),
        ("call r11", { $0.call(.r11) }),
        ("call qword ptr [r14 + 0x20]", { $0.call(Mem(base: .r14, disp: 0x20)) }),
        ("jmp r11", { $0.jmp(.r11) }),
        ("ret", { $0.ret() }),
        ("ret 0x10", { $0.ret(imm16: 16) }),
        ("ret 0x1008", { $0.ret(imm16: 0x1008) }),
        ("jmp qword ptr [r10]", { $0.jmp(Mem(base: .r10)) }),
        ("jmp qword ptr [rax + 0x8]", { $0.jmp(Mem(base: .rax, disp: 8)) }),
        ("call qword ptr [r10]", { $0.call(Mem(base: .r10)) }),
        ("and r10, -0x2", { $0.alu(.and, .q, .r10, imm32: -2) }),
        ("lea r11, [r11 + 8*rax]", { $0.leaq(.r11, Mem(base: .r11, index: .rax, scale: 8)) }),
        ("lea r11, [r11 + 8*r13]", { $0.leaq(.r11, Mem(base: .r11, index: .r13, scale: 8)) }),
        ("lea eax, [r8 + r12]", { $0.lea(.l, .rax, Mem(base: .r8, index: .r12, scale: 1)) }),
        ("lea r9d, [r13 + 0x8]", { $0.lea(.l, .r9, Mem(base: .r13, disp: 8)) }),
        ("lea rcx, [rbx - 0x10]", { $0.lea(.q, .rcx, Mem(base: .rbx, disp: -16)) }),
        ("lea rsp, [rsp + 0x20]", { $0.leaq(.rsp, Mem(base: .rsp, disp: 0x20)) }),
        ("lea rsp, [rbp - 0x18]", { $0.leaq(.rsp, Mem(base: .rbp, disp: -0x18)) }),
        ("mov r10, qword ptr [r11]", { $0.mov(.q, .r10, Mem(base: .r11)) }),
        ("cmp rax, qword ptr [r11 + 0x8]", { $0.alu(.cmp, .q, .rax, Mem(base: .r11, disp: 8)) }),
        ("cmp r13, qword ptr [r14 + 0x108]", { $0.alu(.cmp, .q, .r13, Mem(base: .r14, disp: 0x108)) }),
        ("cmp rax, qword ptr [r10 + 0x8]", { $0.alu(.cmp, .q, .rax, Mem(base: .r10, disp: 8)) }),
        ("mov qword ptr [rsp], rdi", { $0.mov(.q, Mem(base: .rsp), .rdi) }),
        ("mov qword ptr [rsp], rax", { $0.mov(.q, Mem(base: .rsp), .rax) }),
        ("mov qword ptr [rbp + 0x28], r13", { $0.mov(.q, Mem(base: .rbp, disp: 0x28), .r13) }),
        ("mov rbx, qword ptr [rbp]", { $0.mov(.q, .rbx, Mem(base: .rbp)) }),
        ("mov rbp, rbx", { $0.mov(.q, .rbp, .rbx) }),
        ("mov esi, 0x1", { $0.movl(.rsi, imm32: 1) }),
        ("movsd qword ptr [rsp + 0x30], xmm0", { $0.movs(.d, Mem(base: .rsp, disp: 0x30), XMM(0)) }),
        ("movsd xmm7, qword ptr [rsp + 0x68]", { $0.movs(.d, XMM(7), Mem(base: .rsp, disp: 0x68)) }),
        ("leave", { $0.leave() }),
        ("ud2", { $0.ud2() }),
        ("push rbp", { $0.push(.rbp) }),
        ("push r14", { $0.push(.r14) }),
        ("pop r15", { $0.pop(.r15) }),
        ("pop rbx", { $0.pop(.rbx) }),
        ("sub rsp, 0x0", { _ = $0.subqPatchable(.rsp) }),
        ("movss xmm0, dword ptr [rbp - 0x10]", { $0.movs(.s, XMM(0), m1) }),
        ("movsd xmm13, qword ptr [r11 + r10]", { $0.movs(.d, XMM(13), m3) }),
        ("movss dword ptr [rsp + 0x8], xmm9", { $0.movs(.s, m4, XMM(9)) }),
        ("movsd qword ptr [rbp - 0x10], xmm1", { $0.movs(.d, m1, XMM(1)) }),
        ("movaps xmm2, xmm15", { $0.movaps(XMM(2), XMM(15)) }),
        ("movd xmm15, r11d", { $0.movToXMM(.l, XMM(15), .r11) }),
        ("movq xmm3, rax", { $0.movToXMM(.q, XMM(3), .rax) }),
        ("movd r11d, xmm0", { $0.movFromXMM(.l, .r11, XMM(0)) }),
        ("movq r10, xmm12", { $0.movFromXMM(.q, .r10, XMM(12)) }),
        ("addss xmm0, xmm1", { $0.sse(.add, .s, XMM(0), XMM(1)) }),
        ("addsd xmm8, xmm9", { $0.sse(.add, .d, XMM(8), XMM(9)) }),
        ("subss xmm14, xmm15", { $0.sse(.sub, .s, XMM(14), XMM(15)) }),
        ("mulsd xmm2, xmm3", { $0.sse(.mul, .d, XMM(2), XMM(3)) }),
        ("divss xmm4, xmm5", { $0.sse(.div, .s, XMM(4), XMM(5)) }),
        ("minsd xmm0, xmm1", { $0.sse(.min, .d, XMM(0), XMM(1)) }),
        ("maxss xmm0, xmm1", { $0.sse(.max, .s, XMM(0), XMM(1)) }),
        ("sqrtsd xmm6, xmm7", { $0.sse(.sqrt, .d, XMM(6), XMM(7)) }),
        ("andps xmm0, xmm1", { $0.logic(.and, .s, XMM(0), XMM(1)) }),
        ("andpd xmm0, xmm1", { $0.logic(.and, .d, XMM(0), XMM(1)) }),
        ("orps xmm10, xmm11", { $0.logic(.or, .s, XMM(10), XMM(11)) }),
        ("orpd xmm0, xmm1", { $0.logic(.or, .d, XMM(0), XMM(1)) }),
        ("xorps xmm3, xmm3", { $0.logic(.xor, .s, XMM(3), XMM(3)) }),
        ("ucomiss xmm0, xmm15", { $0.ucomis(.s, XMM(0), XMM(15)) }),
        ("ucomisd xmm9, xmm2", { $0.ucomis(.d, XMM(9), XMM(2)) }),
        ("roundss xmm0, xmm1, 0xa", { $0.rounds(.s, XMM(0), XMM(1), mode: .ceil) }),
        ("roundsd xmm8, xmm9, 0x8", { $0.rounds(.d, XMM(8), XMM(9), mode: .nearest) }),
        ("cvtsi2ss xmm0, eax", { $0.cvtsi2s(.s, .l, XMM(0), .rax) }),
        ("cvtsi2sd xmm1, r11", { $0.cvtsi2s(.d, .q, XMM(1), .r11) }),
        ("cvttss2si eax, xmm0", { $0.cvtts2si(.s, .l, .rax, XMM(0)) }),
        ("cvttsd2si r9, xmm14", { $0.cvtts2si(.d, .q, .r9, XMM(14)) }),
        ("cvtss2sd xmm0, xmm1", { $0.cvts2s(from: .s, XMM(0), XMM(1)) }),
        ("cvtsd2ss xmm2, xmm3", { $0.cvts2s(from: .d, XMM(2), XMM(3)) }),
    ]

    @Test func formsMatchLLVMObjdump() throws {
        var asm = Assembler()
        for c in Self.cases { c.1(&asm) }
        let lines = try Disassembler.disassemble(asm.bytes)
        #expect(lines.count == Self.cases.count)
        for (i, c) in Self.cases.enumerated() where i < lines.count {
            #expect(lines[i] == c.0, "case \(i)")
        }
    }

    @Test func branchesAndPatching() throws {
        var asm = Assembler()
        let j = asm.jmp(rel32: 0)
        let c = asm.jcc(.ne, rel32: 0)
        let k = asm.call(rel32: 0)
        asm.ret()
        asm.patch32(at: j, UInt32(asm.offset - (j + 4)))
        asm.patch32(at: c, UInt32(bitPattern: Int32(0 - (c + 4))))
        asm.patch32(at: k, UInt32(bitPattern: Int32(5 - (k + 4))))
        let lines = try Disassembler.disassemble(asm.bytes)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("jmp 0x11"))
        #expect(lines[1].hasPrefix("jne 0x0"))
        #expect(lines[2].hasPrefix("call 0x5"))
    }
}

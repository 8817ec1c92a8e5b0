/* Fixtures/bench/dispatch.c rebuilt natively with wasm's memory shape: the VM, the
 * bytecode and the handler table live in one byte array reached as base + 32-bit offset
 * (as in linear memory), and a handler is called through a table of offsets after a
 * bounds check (as Kiln's uniform-table call_indirect is). Same checksum as dispatch.c.
 * It shows how much of dispatch's ratio is the shape of a wasm program rather than the
 * code generator (docs/benchmarks.md, "The optimizing tier"):
 *
 *   clang -O2 -fno-math-errno -shared -fPIC -fvisibility=hidden -nostdlib \
 *     -I Fixtures/bench bench/experiments/dispatch_linear_memory.c -o /tmp/dlm.so
 *   .build/bench/driver /tmp/dlm.so 22000 1   # and .build/bench/dispatch.clang.so, after make bench
 */
#include "bench.h"
static unsigned char heap[1 << 16];
typedef unsigned int u32v;
#define M32(off) (*(u32v *)(mem + (off)))
#define M8(off) (*(unsigned char *)(mem + (off)))
enum { PC = 0, SP = 4, ACC = 8, COUNTER = 12, HALTED = 16, STACK = 20 };
typedef void (*handler)(unsigned char *mem, u32v vm);
static void op_push(unsigned char *mem, u32v vm) { u32v pc = M32(vm + PC); u32v sp = M32(vm + SP); M32(sp) = M8(pc); M32(vm + SP) = sp + 4; M32(vm + PC) = pc + 1; }
static void op_add(unsigned char *mem, u32v vm) { u32v sp = M32(vm + SP) - 4; M32(vm + SP) = sp; M32(sp - 4) += M32(sp); }
static void op_xor(unsigned char *mem, u32v vm) { u32v sp = M32(vm + SP) - 4; M32(vm + SP) = sp; M32(sp - 4) ^= M32(sp); }
static void op_mul(unsigned char *mem, u32v vm) { u32v sp = M32(vm + SP) - 4; M32(vm + SP) = sp; M32(sp - 4) *= M32(sp); }
static void op_dup(unsigned char *mem, u32v vm) { u32v sp = M32(vm + SP); M32(sp) = M32(sp - 4); M32(vm + SP) = sp + 4; }
static void op_swap(unsigned char *mem, u32v vm) { u32v sp = M32(vm + SP); u32v t = M32(sp - 4); M32(sp - 4) = M32(sp - 8); M32(sp - 8) = t; }
static void op_shr(unsigned char *mem, u32v vm) { u32v sp = M32(vm + SP); M32(sp - 4) >>= 3; }
static void op_acc(unsigned char *mem, u32v vm) { M32(vm + ACC) = M32(vm + ACC) * 31 + M32(M32(vm + SP) - 4); }
static void op_dec(unsigned char *mem, u32v vm) { M32(vm + COUNTER) -= 1; }
static void op_jnz(unsigned char *mem, u32v vm) { u32v pc = M32(vm + PC); unsigned char back = M8(pc); pc++; if (M32(vm + COUNTER)) pc -= back; M32(vm + PC) = pc; }
static void op_drop(unsigned char *mem, u32v vm) { M32(vm + SP) -= 4; }
static void op_halt(unsigned char *mem, u32v vm) { M32(vm + HALTED) = 1; }
static handler fns[12] = {op_push, op_add, op_xor, op_mul, op_dup, op_swap, op_shr, op_acc, op_dec, op_jnz, op_drop, op_halt};
static long offs[12];
/* dispatch.c's program, its opcodes as numbers. */
static const unsigned char program[] = {0, 1, 0, 7, 3, 0, 3, 1, 4, 6, 2, 7, 4, 0, 5, 5, 10, 10, 8, 9, 19, 11};
__attribute__((noinline)) static unsigned char *setup(void) {
    for (int i = 0; i < 12; i++) { offs[i] = (char *)fns[i] - (char *)offs; ((u32v *)(heap + 1056))[i] = i; }
    for (unsigned i = 0; i < sizeof program; i++) heap[1024 + i] = program[i];
    return heap;
}
EXPORT u32 run(u32 reps) {
    unsigned char *mem = setup();
    u32v vm = 60000, checksum = 0;
    __asm__("" : "+r"(vm), "+r"(mem)); /* unknown to the compiler, as a wasm address is */
    for (u32 r = 0; r < reps; r++) {
        M32(vm + PC) = 1024; M32(vm + SP) = vm + STACK; M32(vm + ACC) = r; M32(vm + COUNTER) = 1000; M32(vm + HALTED) = 0;
        while (!M32(vm + HALTED)) { u32v pc = M32(vm + PC); M32(vm + PC) = pc + 1; u32v t = M32(1056 + 4 * M8(pc)); if (t >= 12) __builtin_trap(); ((handler)((char *)offs + offs[t]))(mem, vm); }
        checksum ^= M32(vm + ACC);
    }
    return checksum;
}

/* An interpreter's dispatch loop: a small stack-machine bytecode whose handlers are
 * called through a table of function pointers (call_indirect in wasm).
 * Size: how many times the bytecode program (a loop of 1000 iterations) runs. */
#include "bench.h"

typedef struct VM {
    const u8 *pc;
    u32 *sp;
    u32 acc;
    u32 counter;
    int halted;
    u32 stack[64];
} VM;

typedef void (*handler)(VM *);

enum { OP_PUSH, OP_ADD, OP_XOR, OP_MUL, OP_DUP, OP_SWAP, OP_SHR, OP_ACC, OP_DEC, OP_JNZ, OP_DROP, OP_HALT, OP_COUNT };

static void op_push(VM *vm) { *vm->sp++ = vm->pc[0]; vm->pc++; }
static void op_add(VM *vm) { vm->sp--; vm->sp[-1] += vm->sp[0]; }
static void op_xor(VM *vm) { vm->sp--; vm->sp[-1] ^= vm->sp[0]; }
static void op_mul(VM *vm) { vm->sp--; vm->sp[-1] *= vm->sp[0]; }
static void op_dup(VM *vm) { vm->sp[0] = vm->sp[-1]; vm->sp++; }
static void op_swap(VM *vm) { u32 t = vm->sp[-1]; vm->sp[-1] = vm->sp[-2]; vm->sp[-2] = t; }
static void op_shr(VM *vm) { vm->sp[-1] >>= 3; }
static void op_acc(VM *vm) { vm->acc = vm->acc * 31 + vm->sp[-1]; }
static void op_dec(VM *vm) { vm->counter--; }
static void op_jnz(VM *vm) { u8 back = vm->pc[0]; vm->pc++; if (vm->counter) vm->pc -= back; }
static void op_drop(VM *vm) { vm->sp--; }
static void op_halt(VM *vm) { vm->halted = 1; }

/* Not const: the table lives in memory, so the calls stay indirect. */
static handler handlers[OP_COUNT] = {op_push, op_add, op_xor, op_mul, op_dup, op_swap,
                                     op_shr, op_acc, op_dec, op_jnz, op_drop, op_halt};

/* x = seed; loop { x = x * 7 + 3; x ^= x >> 3; acc(x); counter-- } while counter */
static const u8 program[] = {
    OP_PUSH, 1,                                     /* x */
    OP_PUSH, 7, OP_MUL, OP_PUSH, 3, OP_ADD,         /* loop: x = x*7 + 3 */
    OP_DUP, OP_SHR, OP_XOR,                         /* x ^= x >> 3 */
    OP_ACC, OP_DUP, OP_PUSH, 5, OP_SWAP, OP_DROP, OP_DROP,
    OP_DEC, OP_JNZ, 19,                             /* back to offset 2 (the loop) */
    OP_HALT,
};

EXPORT u32 run(u32 reps) {
    VM vm;
    u32 checksum = 0;
    for (u32 r = 0; r < reps; r++) {
        vm.pc = program;
        vm.sp = vm.stack;
        vm.acc = r;
        vm.counter = 1000;
        vm.halted = 0;
        while (!vm.halted) handlers[*vm.pc++](&vm);
        checksum ^= vm.acc;
    }
    return checksum;
}

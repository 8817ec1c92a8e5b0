// Kiln's C shim: signal handlers that turn faults in wasm code into traps, the
// sigsetjmp-based `kiln_invoke`, the lock-free registry of wasm code ranges, and the
// per-thread alternate signal stack. Everything here must stay async-signal-safe where
// the handler reaches it. See docs/runtime.md ("Traps").
#define _GNU_SOURCE
#include "CKilnRuntime.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif
#if defined(__x86_64__)
#include <cpuid.h>
#endif

// A builtin names the wasm instruction that called it by its return address backed up
// into the call instruction: x86-64 `call` has variable length, so one byte back is
// inside it; AArch64 `bl` is the 4 bytes just before the return address.
#if defined(__aarch64__)
#define KILN_CALL_RETURN_BACKUP 4
#else
#define KILN_CALL_RETURN_BACKUP 1
#endif

// MARK: - Code registry

// Fixed capacity so the signal handler never follows a pointer that may be freed or
// reallocated. A slot's `state` is FREE, CLAIMED (being written), or LIVE.
#define KILN_REGISTRY_CAPACITY 4096
enum { SLOT_FREE = 0, SLOT_CLAIMED = 1, SLOT_LIVE = 2 };

typedef struct kiln_code_slot {
    _Atomic int state;
    uintptr_t start;
    uintptr_t end;
    const uint32_t *offsets;
    const uint8_t *kinds;
    size_t count;
    void *cookie;
} kiln_code_slot;

_Static_assert(offsetof(kiln_code_slot, state) == 0, "claim_slot reads the state first");
static kiln_code_slot registry[KILN_REGISTRY_CAPACITY];
// One past the highest slot ever used: the handler scans only below it.
static _Atomic int registry_high_water;
// Signal handlers currently reading the registry; unregistration waits for zero.
static _Atomic int handlers_in_flight;
static _Atomic int live_count;

// The slot protocol both registries (code, linear memory) follow. A slot type starts
// with its `_Atomic int state`; `stride` is its size.

// Claims a FREE slot (CLAIMED: only the caller writes it). Returns its index or -1.
static int claim_slot(void *slots, size_t stride, int capacity) {
    for (int i = 0; i < capacity; i++) {
        _Atomic int *state = (_Atomic int *)((char *)slots + (size_t)i * stride);
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(state, &expected, SLOT_CLAIMED)) return i;
    }
    return -1;
}

// Makes claimed slot `i`, its fields written, visible to the signal handler.
static void publish_slot(_Atomic int *state, _Atomic int *high_water, int i) {
    int hw = atomic_load(high_water);
    while (hw < i + 1 && !atomic_compare_exchange_weak(high_water, &hw, i + 1)) {}
    atomic_store(state, SLOT_LIVE);  // seq_cst: publishes the fields
}

// Takes a slot away from the signal handler, then frees it.
static void retire_slot(_Atomic int *state) {
    atomic_store(state, SLOT_CLAIMED);
    // A handler that incremented before our store may still read the slot: wait for it.
    // One that increments after it sees CLAIMED and skips the slot.
    while (atomic_load(&handlers_in_flight) != 0) sched_yield();
    atomic_store(state, SLOT_FREE);
}

int kiln_register_code(uintptr_t start, size_t length, const uint32_t *offsets,
                       const uint8_t *kinds, size_t count, void *cookie) {
    int i = claim_slot(registry, sizeof registry[0], KILN_REGISTRY_CAPACITY);
    if (i < 0) return -1;
    kiln_code_slot *s = &registry[i];
    s->start = start;
    s->end = start + length;
    s->offsets = offsets;
    s->kinds = kinds;
    s->count = count;
    s->cookie = cookie;
    atomic_fetch_add(&live_count, 1);
    publish_slot(&s->state, &registry_high_water, i);
    return i;
}

void kiln_unregister_code(int handle) {
    if (handle < 0 || handle >= KILN_REGISTRY_CAPACITY) return;
    retire_slot(&registry[handle].state);
    atomic_fetch_sub(&live_count, 1);
}

int kiln_registered_code_count(void) { return atomic_load(&live_count); }

int kiln_code_is_registered(uintptr_t address) {
    int hw = atomic_load(&registry_high_water);
    for (int i = 0; i < hw; i++) {
        kiln_code_slot *s = &registry[i];
        if (atomic_load(&s->state) == SLOT_LIVE && address >= s->start && address < s->end) return 1;
    }
    return 0;
}

// MARK: - Linear memory registry

// The reservations of live linear memories, so the signal handler can tell a fault of
// an unchecked heap access (its address inside one) from any other fault. Same
// protocol as the code registry: fixed capacity, FREE/CLAIMED/LIVE slots.
#define KILN_MEMORY_CAPACITY 16384
// TrapKind.outOfBoundsMemoryAccess (Sources/KilnABI/TrapKind.swift).
#define KILN_TRAP_OUT_OF_BOUNDS_MEMORY 5

typedef struct kiln_memory_slot {
    _Atomic int state;
    uintptr_t start;
    uintptr_t end;
} kiln_memory_slot;

_Static_assert(offsetof(kiln_memory_slot, state) == 0, "claim_slot reads the state first");
static kiln_memory_slot memories[KILN_MEMORY_CAPACITY];
static _Atomic int memories_high_water;

int kiln_register_memory(uintptr_t start, size_t length) {
    int i = claim_slot(memories, sizeof memories[0], KILN_MEMORY_CAPACITY);
    if (i < 0) return -1;
    memories[i].start = start;
    memories[i].end = start + length;
    publish_slot(&memories[i].state, &memories_high_water, i);
    return i;
}

void kiln_unregister_memory(int handle) {
    if (handle < 0 || handle >= KILN_MEMORY_CAPACITY) return;
    retire_slot(&memories[handle].state);
}

// Async-signal-safe.
static int inside_linear_memory(uintptr_t address) {
    int hw = atomic_load(&memories_high_water);
    for (int i = 0; i < hw; i++) {
        kiln_memory_slot *m = &memories[i];
        if (atomic_load(&m->state) == SLOT_LIVE && address >= m->start && address < m->end) return 1;
    }
    return 0;
}

// Async-signal-safe: atomics and plain reads only.
// A PC in wasm code that is no trap site is still an out-of-bounds access when the
// fault lies inside a linear memory's reservation: the optimizing tier's unchecked
// (guarded) accesses are not listed one by one (docs/codegen.md, "Trap semantics").
static int lookup_trap(uintptr_t pc, int sig, uintptr_t fault_address, uint32_t *kind, void **cookie) {
    int hw = atomic_load(&registry_high_water);
    for (int i = 0; i < hw; i++) {
        kiln_code_slot *s = &registry[i];
        if (atomic_load(&s->state) != SLOT_LIVE) continue;
        if (pc < s->start || pc >= s->end) continue;
        uint32_t offset = (uint32_t)(pc - s->start);
        size_t lo = 0, hi = s->count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->offsets[mid] < offset) lo = mid + 1;
            else hi = mid;
        }
        if (lo < s->count && s->offsets[lo] == offset) {
            *kind = s->kinds[lo];
            *cookie = s->cookie;
            return 1;
        }
        if ((sig == SIGSEGV || sig == SIGBUS) && inside_linear_memory(fault_address)) {
            *kind = KILN_TRAP_OUT_OF_BOUNDS_MEMORY;
            *cookie = s->cookie;
            return 1;
        }
        return 0;  // in wasm code but neither a trap site nor a heap access: a Kiln bug; let it crash
    }
    return 0;
}

// MARK: - Jump records and kiln_invoke

typedef struct kiln_jmp_record {
    sigjmp_buf buf;
    struct kiln_jmp_record *prev;
} kiln_jmp_record;

static __thread kiln_jmp_record *tls_jmp;
static __thread kiln_trap_info tls_trap;

int kiln_invoke_depth(void) {
    int n = 0;
    for (kiln_jmp_record *r = tls_jmp; r != NULL; r = r->prev) n++;
    return n;
}

typedef void (*kiln_entry_fn)(void *vmctx, const void *code, uint64_t *values);

int kiln_invoke(const void *entry, void *vmctx, const void *code, uint64_t *values,
                kiln_trap_info *trap) {
    kiln_jmp_record rec;
    rec.prev = tls_jmp;  // not modified after sigsetjmp, so valid after the longjmp
    if (sigsetjmp(rec.buf, 0) != 0) {
        tls_jmp = rec.prev;
        *trap = tls_trap;
        return 1;
    }
    tls_jmp = &rec;
    ((kiln_entry_fn)entry)(vmctx, code, values);
    tls_jmp = rec.prev;
    return 0;
}

// MARK: - Traps raised by builtins

static void *lookup_cookie(uintptr_t pc) {
    int hw = atomic_load(&registry_high_water);
    for (int i = 0; i < hw; i++) {
        kiln_code_slot *s = &registry[i];
        if (atomic_load(&s->state) != SLOT_LIVE) continue;
        if (pc >= s->start && pc < s->end) return s->cookie;
    }
    return NULL;
}

void kiln_raise_trap_at(uint32_t kind, uintptr_t pc) {
    kiln_jmp_record *rec = tls_jmp;
    if (rec == NULL) abort();  // a builtin ran outside kiln_invoke: a Kiln bug
    tls_trap.kind = kind;
    tls_trap.pc = pc;
    tls_trap.cookie = pc ? lookup_cookie(pc) : NULL;
    siglongjmp(rec->buf, 1);
}

void kiln_raise_trap(uint32_t kind) { kiln_raise_trap_at(kind, 0); }

// MARK: - Builtin wrappers
//
// Generated code calls these (C ABI, signatures as in KilnABI's `Builtin`). Each packs
// its arguments, calls the Swift implementation, and raises the trap the implementation
// reported from this C frame, after Swift has returned. The PC named is the return
// address minus one: inside the call instruction of the wasm function.

#define KILN_BUILTIN_SLOTS 24
static kiln_builtin_impl builtin_impls[KILN_BUILTIN_SLOTS];

void kiln_set_builtin_impl(int index, kiln_builtin_impl impl) {
    if (index >= 0 && index < KILN_BUILTIN_SLOTS) builtin_impls[index] = impl;
}

#define CALL_IMPL(index, vmctx, args, result)                                          \
    do {                                                                               \
        uint32_t kind_ = builtin_impls[index](vmctx, args, result);                    \
        if (kind_ != 0)                                                                \
            kiln_raise_trap_at(kind_, (uintptr_t)__builtin_return_address(0) - KILN_CALL_RETURN_BACKUP);     \
    } while (0)

enum {
    B_MEMORY_FILL = 1, B_MEMORY_COPY, B_MEMORY_INIT, B_DATA_DROP, B_TABLE_GET, B_TABLE_SET,
    B_TABLE_GROW, B_TABLE_FILL, B_TABLE_COPY, B_TABLE_INIT, B_ELEM_DROP, B_REF_FUNC,
    B_TABLE_LAZY_INIT, B_TRAP
};

static void w_memory_fill(void *vmctx, uint32_t dst, uint32_t value, uint32_t len) {
    uint64_t a[3] = {dst, value, len}, r = 0;
    CALL_IMPL(B_MEMORY_FILL, vmctx, a, &r);
}
static void w_memory_copy(void *vmctx, uint32_t dst, uint32_t src, uint32_t len) {
    uint64_t a[3] = {dst, src, len}, r = 0;
    CALL_IMPL(B_MEMORY_COPY, vmctx, a, &r);
}
static void w_memory_init(void *vmctx, uint32_t seg, uint32_t dst, uint32_t src, uint32_t len) {
    uint64_t a[4] = {seg, dst, src, len}, r = 0;
    CALL_IMPL(B_MEMORY_INIT, vmctx, a, &r);
}
static void w_data_drop(void *vmctx, uint32_t seg) {
    uint64_t a[1] = {seg}, r = 0;
    CALL_IMPL(B_DATA_DROP, vmctx, a, &r);
}
static uint64_t w_table_get(void *vmctx, uint32_t table, uint32_t index) {
    uint64_t a[2] = {table, index}, r = 0;
    CALL_IMPL(B_TABLE_GET, vmctx, a, &r);
    return r;
}
static void w_table_set(void *vmctx, uint32_t table, uint32_t index, uint64_t value) {
    uint64_t a[3] = {table, index, value}, r = 0;
    CALL_IMPL(B_TABLE_SET, vmctx, a, &r);
}
static int64_t w_table_grow(void *vmctx, uint32_t table, uint32_t delta, uint64_t init) {
    uint64_t a[3] = {table, delta, init}, r = 0;
    CALL_IMPL(B_TABLE_GROW, vmctx, a, &r);
    return (int64_t)r;
}
static void w_table_fill(void *vmctx, uint32_t table, uint32_t dst, uint64_t value, uint32_t len) {
    uint64_t a[4] = {table, dst, value, len}, r = 0;
    CALL_IMPL(B_TABLE_FILL, vmctx, a, &r);
}
static void w_table_copy(void *vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                         uint32_t src, uint32_t len) {
    uint64_t a[5] = {dst_table, src_table, dst, src, len}, r = 0;
    CALL_IMPL(B_TABLE_COPY, vmctx, a, &r);
}
static void w_table_init(void *vmctx, uint32_t table, uint32_t seg, uint32_t dst, uint32_t src,
                         uint32_t len) {
    uint64_t a[5] = {table, seg, dst, src, len}, r = 0;
    CALL_IMPL(B_TABLE_INIT, vmctx, a, &r);
}
static void w_elem_drop(void *vmctx, uint32_t seg) {
    uint64_t a[1] = {seg}, r = 0;
    CALL_IMPL(B_ELEM_DROP, vmctx, a, &r);
}
static const void *w_ref_func(void *vmctx, uint32_t function) {
    uint64_t a[1] = {function}, r = 0;
    CALL_IMPL(B_REF_FUNC, vmctx, a, &r);
    return (const void *)(uintptr_t)r;
}
static uint64_t w_table_lazy_init(void *vmctx, uint32_t table, uint32_t index) {
    uint64_t a[2] = {table, index}, r = 0;
    CALL_IMPL(B_TABLE_LAZY_INIT, vmctx, a, &r);
    return r;
}

// Raises `kind` at the caller: the optimizing tier's explicit checks (no Swift side).
__attribute__((noreturn)) static void w_trap(void *vmctx, uint32_t kind) {
    (void)vmctx;
    kiln_raise_trap_at(kind, (uintptr_t)__builtin_return_address(0) - KILN_CALL_RETURN_BACKUP);
}

const void *kiln_builtin_address(int index) {
    switch (index) {
    case B_MEMORY_FILL: return (const void *)w_memory_fill;
    case B_MEMORY_COPY: return (const void *)w_memory_copy;
    case B_MEMORY_INIT: return (const void *)w_memory_init;
    case B_DATA_DROP: return (const void *)w_data_drop;
    case B_TABLE_GET: return (const void *)w_table_get;
    case B_TABLE_SET: return (const void *)w_table_set;
    case B_TABLE_GROW: return (const void *)w_table_grow;
    case B_TABLE_FILL: return (const void *)w_table_fill;
    case B_TABLE_COPY: return (const void *)w_table_copy;
    case B_TABLE_INIT: return (const void *)w_table_init;
    case B_ELEM_DROP: return (const void *)w_elem_drop;
    case B_REF_FUNC: return (const void *)w_ref_func;
    case B_TABLE_LAZY_INIT: return (const void *)w_table_lazy_init;
    case B_TRAP: return (const void *)w_trap;
    default: return NULL;
    }
}

// MARK: - Locks

static pthread_mutex_t kiln_mutexes[4] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                          PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
void kiln_lock(int which) { pthread_mutex_lock(&kiln_mutexes[which & 3]); }
void kiln_unlock(int which) { pthread_mutex_unlock(&kiln_mutexes[which & 3]); }

// MARK: - Signal handlers

static const int handled_signals[] = {SIGILL, SIGSEGV, SIGBUS, SIGFPE};
#define HANDLED_COUNT 4
static struct sigaction previous_actions[HANDLED_COUNT];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_result;

static uintptr_t pc_of(void *context) {
    ucontext_t *uc = (ucontext_t *)context;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
#error "unsupported host architecture"
#endif
}

static void chain_to_previous(int sig, siginfo_t *info, void *context) {
    for (int i = 0; i < HANDLED_COUNT; i++) {
        if (handled_signals[i] != sig) continue;
        struct sigaction *prev = &previous_actions[i];
        if (prev->sa_flags & SA_SIGINFO) {
            if (prev->sa_sigaction) {
                prev->sa_sigaction(sig, info, context);
                return;
            }
        } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
            prev->sa_handler(sig);
            return;
        }
        // Default action: restore it and return; the faulting instruction runs again
        // and the process dies the way it would have without Kiln.
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
        return;
    }
}

static void kiln_signal_handler(int sig, siginfo_t *info, void *context) {
    int saved_errno = errno;
    atomic_fetch_add(&handlers_in_flight, 1);
    kiln_jmp_record *rec = tls_jmp;
    if (rec != NULL) {
        uintptr_t pc = pc_of(context);
        uint32_t kind;
        void *cookie;
        if (lookup_trap(pc, sig, (uintptr_t)info->si_addr, &kind, &cookie)) {
            tls_trap.kind = kind;
            tls_trap.pc = pc;
            tls_trap.cookie = cookie;
            atomic_fetch_sub(&handlers_in_flight, 1);
            errno = saved_errno;
            siglongjmp(rec->buf, 1);
        }
    }
    atomic_fetch_sub(&handlers_in_flight, 1);
    errno = saved_errno;
    chain_to_previous(sig, info, context);
}

static void install(void) {
    for (int i = 0; i < HANDLED_COUNT; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = kiln_signal_handler;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        if (sigaction(handled_signals[i], &sa, &previous_actions[i]) != 0) {
            install_result = errno;
            return;
        }
    }
}

kiln_cpuid_bits kiln_cpuid(void) {
    kiln_cpuid_bits bits = {0, 0, 0};
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) bits.leaf1_ecx = c;
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        bits.leaf7_ebx = b;
    }
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d)) bits.ext1_ecx = c;
#endif
    return bits;
}

void kiln_flush_icache(const void *start, size_t length) {
    char *p = (char *)(uintptr_t)start;
    __builtin___clear_cache(p, p + length);
}

uint64_t kiln_hwcap(void) {
#if defined(__aarch64__)
    return (uint64_t)getauxval(AT_HWCAP);
#else
    return 0;
#endif
}

int kiln_install_signal_handlers(void) {
    pthread_once(&install_once, install);
    return install_result;
}

// MARK: - Alternate signal stack

#define ALTSTACK_SIZE (128 * 1024)
static pthread_key_t altstack_key;
static pthread_once_t altstack_key_once = PTHREAD_ONCE_INIT;
static __thread int tls_altstack_ready;

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static void free_altstack(void *base) {
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    munmap(base, ALTSTACK_SIZE + page_size());
}

static void make_altstack_key(void) { pthread_key_create(&altstack_key, free_altstack); }

int kiln_ensure_sigaltstack(void) {
    if (tls_altstack_ready) return 0;
    stack_t old;
    if (sigaltstack(NULL, &old) != 0) return errno;
    if (!(old.ss_flags & SS_DISABLE) && old.ss_size >= 16384) {
        tls_altstack_ready = 1;  // the host (or Swift's runtime) already has one
        return 0;
    }
    pthread_once(&altstack_key_once, make_altstack_key);
    size_t guard = page_size();
    void *base = mmap(NULL, ALTSTACK_SIZE + guard, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return errno;
    if (mprotect(base, guard, PROT_NONE) != 0) {  // guard page below the stack
        int e = errno;
        munmap(base, ALTSTACK_SIZE + guard);
        return e;
    }
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = (char *)base + guard;
    ss.ss_size = ALTSTACK_SIZE;
    if (sigaltstack(&ss, NULL) != 0) {
        int e = errno;
        munmap(base, ALTSTACK_SIZE + guard);
        return e;
    }
    pthread_setspecific(altstack_key, base);
    tls_altstack_ready = 1;
    return 0;
}

// MARK: - Stack bounds, memfd, errno

static __thread uintptr_t tls_stack_low, tls_stack_high;

int kiln_thread_stack_bounds(uintptr_t *low, uintptr_t *high) {
    if (tls_stack_high == 0) {
        pthread_attr_t attr;
        int r = pthread_getattr_np(pthread_self(), &attr);
        if (r != 0) return r;
        void *addr;
        size_t size;
        r = pthread_attr_getstack(&attr, &addr, &size);
        pthread_attr_destroy(&attr);
        if (r != 0) return r;
        tls_stack_low = (uintptr_t)addr;
        tls_stack_high = (uintptr_t)addr + size;
    }
    *low = tls_stack_low;
    *high = tls_stack_high;
    return 0;
}

int kiln_prepare_thread(uintptr_t *low, uintptr_t *high) {
    if (tls_stack_high != 0 && tls_altstack_ready) {
        *low = tls_stack_low;
        *high = tls_stack_high;
        return 0;
    }
    int r = kiln_ensure_sigaltstack();
    if (r != 0) return r;
    return kiln_thread_stack_bounds(low, high);
}

int kiln_open_readonly(const char *path) { return open(path, O_RDONLY | O_CLOEXEC); }

int kiln_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int kiln_errno(void) { return errno; }

int kiln_ftruncate(int fd, int64_t length) { return ftruncate(fd, (off_t)length); }

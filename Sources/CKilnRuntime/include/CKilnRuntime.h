// The C part of Kiln's runtime: the only code that touches signals, sigsetjmp and
// thread-local jump records. Kept small on purpose; docs/runtime.md explains it.
#pragma once
#include <stddef.h>
#include <stdint.h>
// The system headers the Swift side uses, so it needs no Glibc overlay (Embedded Swift
// has none): mmap/mprotect/munmap, fstat, pread/write/close, sysconf, strerror, errno codes.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What the signal handler recorded about the trap that ended a `kiln_invoke`.
typedef struct kiln_trap_info {
    /// `TrapKind` raw value (see Sources/KilnABI/TrapKind.swift).
    uint32_t kind;
    /// Faulting program counter.
    uintptr_t pc;
    /// The `cookie` given to `kiln_register_code` for the code range holding `pc`.
    void *cookie;
} kiln_trap_info;

/// The `cpuid` registers the x86-64 loader checks generated code's required features
/// against (`X64CPUFeatures` in KilnRuntime): leaf 1 ECX, leaf 7/0 EBX, leaf 0x80000001
/// ECX. All zero on other architectures, or where a leaf does not exist.
typedef struct kiln_cpuid_bits {
    uint32_t leaf1_ecx;
    uint32_t leaf7_ebx;
    uint32_t ext1_ecx;
} kiln_cpuid_bits;
kiln_cpuid_bits kiln_cpuid(void);

/// Makes `[start, start+length)` coherent between data and instruction caches before it
/// runs (`__builtin___clear_cache`): needed on AArch64 wherever code reaches memory at run
/// time; nothing on x86-64.
void kiln_flush_icache(const void *start, size_t length);

/// `getauxval(AT_HWCAP)` on AArch64 (the features the AArch64 loader checks,
/// `AArch64CPUFeatures` in KilnRuntime); 0 on other architectures.
uint64_t kiln_hwcap(void);

/// Installs the SIGILL/SIGSEGV/SIGBUS/SIGFPE handlers. Idempotent and thread-safe
/// (`pthread_once`). Returns 0 on success, an errno value otherwise.
int kiln_install_signal_handlers(void);

/// Registers `[start, start+length)` as wasm code with its trap table (`count` sites,
/// `offsets` sorted ascending, relative to `start`; `kinds` the `TrapKind` of each).
/// The arrays must stay valid until `kiln_unregister_code`. Lock-free for readers.
/// Returns a handle >= 0, or -1 when the fixed-capacity registry is full.
int kiln_register_code(uintptr_t start, size_t length, const uint32_t *offsets,
                       const uint8_t *kinds, size_t count, void *cookie);

/// Removes a registration; on return no signal handler is reading it any more.
void kiln_unregister_code(int handle);

/// Registers a linear memory's reservation `[start, start+length)`: a fault inside it at
/// a PC in registered code is an out-of-bounds access. Returns a handle >= 0, or -1 when
/// the fixed-capacity registry is full.
int kiln_register_memory(uintptr_t start, size_t length);

/// Removes a memory registration; on return no signal handler is reading it any more.
void kiln_unregister_memory(int handle);

/// Makes sure the calling thread has an alternate signal stack (installs one owned by
/// the runtime, freed at thread exit, when the thread has none). Returns 0 or an errno.
int kiln_ensure_sigaltstack(void);

/// The calling thread's stack bounds (cached per thread). Returns 0 or an errno.
int kiln_thread_stack_bounds(uintptr_t *low, uintptr_t *high);

/// Prepares the calling thread to run wasm: its alternate signal stack
/// (`kiln_ensure_sigaltstack`) and its stack bounds (`kiln_thread_stack_bounds`), both
/// cached per thread so later calls cost two thread-local loads. Returns 0 or an errno.
int kiln_prepare_thread(uintptr_t *low, uintptr_t *high);

/// Calls `entry(vmctx, code, values)` (an entry trampoline, see docs/abi.md) under a
/// `sigsetjmp(…, 0)`. Returns 0 when it returned normally; 1 when a wasm trap ended it,
/// with `*trap` filled in. Nested calls (wasm -> host -> wasm) each get their own record.
int kiln_invoke(const void *entry, void *vmctx, const void *code, uint64_t *values,
                kiln_trap_info *trap);

/// `open(path, O_RDONLY | O_CLOEXEC)` (`open` is variadic, so Swift cannot call it
/// directly without the Glibc overlay); -1 with errno set on failure.
int kiln_open_readonly(const char *path);

/// `memfd_create(name, MFD_CLOEXEC)`; -1 with errno set on failure.
int kiln_memfd_create(const char *name);

/// The calling thread's `errno`.
int kiln_errno(void);

/// Ends the innermost `kiln_invoke` on this thread with a trap of `kind` (a `TrapKind`
/// raw value), as if wasm code had faulted: records the trap and `siglongjmp`s. Called by
/// a builtin after its checks, with no Swift-owned references live in the frames it
/// skips. Aborts when no `kiln_invoke` is active (a Kiln bug). Never returns.
__attribute__((noreturn)) void kiln_raise_trap(uint32_t kind);

/// Like `kiln_raise_trap`, naming `pc` (an address inside wasm code: the builtin's
/// return address) as where the trap happened, so the `Trap` names the wasm function.
__attribute__((noreturn)) void kiln_raise_trap_at(uint32_t kind, uintptr_t pc);

/// The Swift implementation of a trapping builtin: reads its arguments from `args`,
/// writes its result (if any) to `*result`, returns 0 or the `TrapKind` to raise. It
/// returns before the trap is raised, so no Swift frame is skipped by the `siglongjmp`.
typedef uint32_t (*kiln_builtin_impl)(void *vmctx, const uint64_t *args, uint64_t *result);

/// Installs the Swift implementation of builtin `index` (`Builtin` raw value). Called
/// once, before any vmctx gets the wrapper's address.
void kiln_set_builtin_impl(int index, kiln_builtin_impl impl);

/// The C-ABI function generated code calls for builtin `index` (`Builtin` raw value;
/// not `memoryGrow`, which Swift provides directly): a wrapper with the signature of
/// KilnABI's `Builtin` doc comment that packs the arguments, calls the implementation
/// and raises its trap (naming the wasm caller by its return address). NULL for other
/// indices.
const void *kiln_builtin_address(int index);

/// A process-wide mutex `which` (0..3): 0 the signature interner, 1 the registry of
/// table and funcref ranges.
void kiln_lock(int which);
void kiln_unlock(int which);

/// `ftruncate(fd, length)`; -1 with errno set on failure.
int kiln_ftruncate(int fd, int64_t length);

/// Test hook: how many `kiln_invoke` calls are active on this thread.
int kiln_invoke_depth(void);

/// Test hook: how many trap-table registrations are live.
int kiln_registered_code_count(void);

/// Test hook: whether a live registration covers `address`.
int kiln_code_is_registered(uintptr_t address);

#ifdef __cplusplus
}
#endif

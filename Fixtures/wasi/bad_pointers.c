// Calls WASI directly with pointers outside linear memory. Each call must return EFAULT
// (21) to the guest; the host must stay unhurt and the program must go on to the end.
#include <stdint.h>
#include <stdio.h>
#include <wasi/api.h>

#define PAGE 65536u

// path_open as preview1 defines it (pointer and length): wasi-libc's wrapper takes a C
// string and would run strlen over it first, in the guest.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) uint16_t
raw_path_open(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t path_len, uint32_t oflags, uint64_t rights,
              uint64_t inheriting, uint32_t fdflags, uint32_t opened);

int main(void) {
    uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * PAGE;
    __wasi_size_t written = 0;
    // The iovec array itself past the end of memory.
    __wasi_errno_t e1 = __wasi_fd_write(1, (const __wasi_ciovec_t *)(uintptr_t)(end - 4), 1, &written);
    // A valid iovec naming a buffer that runs past the end.
    __wasi_ciovec_t iov = {(const uint8_t *)(uintptr_t)(end - 8), 64};
    __wasi_errno_t e2 = __wasi_fd_write(1, &iov, 1, &written);
    // A huge iovec count.
    __wasi_ciovec_t ok = {(const uint8_t *)"x", 1};
    __wasi_errno_t e3 = __wasi_fd_write(1, &ok, 0x20000000u, &written);
    // The result pointer out of bounds: nothing must be written to stdout either.
    __wasi_errno_t e4 = __wasi_fd_write(1, &ok, 1, (__wasi_size_t *)(uintptr_t)0xFFFFFFFCu);
    // A read into a buffer past the end.
    __wasi_iovec_t into = {(uint8_t *)(uintptr_t)(end - 1), 16};
    __wasi_size_t got = 0;
    __wasi_errno_t e5 = __wasi_fd_read(0, &into, 1, &got);
    // Out-parameters out of bounds.
    __wasi_errno_t e6 = __wasi_args_sizes_get((__wasi_size_t *)(uintptr_t)end, &written);
    __wasi_errno_t e7 = __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, (__wasi_timestamp_t *)(uintptr_t)(end - 7));
    __wasi_errno_t e8 = __wasi_random_get((uint8_t *)(uintptr_t)(end - 16), 17);
    // A path that runs past the end.
    __wasi_fd_t opened;
    __wasi_errno_t e9 = raw_path_open(3, 0, end - 2, 16, 0, 0, 0, 0, (uint32_t)(uintptr_t)&opened);
    printf("errnos: %d %d %d %d %d %d %d %d %d\n", e1, e2, e3, e4, e5, e6, e7, e8, e9);
    // In-bounds calls still work afterwards.
    __wasi_timestamp_t now = 0;
    __wasi_errno_t fine = __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &now);
    printf("after them: clock_time_get -> %d, time %s\n", fine, now > 0 ? "positive" : "zero");
    return 0;
}

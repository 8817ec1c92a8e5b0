#include <libelf.h>
#include <gelf.h>
#include <sys/syscall.h>
#include <unistd.h>

/// An anonymous in-memory file for libelf to write into (the C function is
/// `memfd_create`, called through `syscall` because Swift cannot call variadic C
/// functions and glibc only declares the wrapper under _GNU_SOURCE). Returns -1 with
/// errno set on failure.
static inline int kiln_elf_memfd_create(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */);
}

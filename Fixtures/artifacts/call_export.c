/* A minimal C host for a Kiln artifact, loaded by the system loader (dlopen) instead of
 * Kiln's runtime: the AArch64 smoke test cross-compiles it with aarch64-linux-gnu-gcc
 * and runs it under qemu-aarch64 (Tests/KilnCompilerTests/AArch64QemuTests.swift).
 *
 *   call_export ARTIFACT EXPORT ENTRY_SYMBOL STORE_CONTEXT_OFFSET STACK_LIMIT_OFFSET ARG
 *
 * calls the exported function EXPORT (one i32 parameter, one i32 result) with ARG through
 * the artifact's entry trampoline ENTRY_SYMBOL (`__kiln_entry_typeN` in .symtab, N the
 * export's type index), as docs/abi.md ("Host -> wasm: entry trampolines") says:
 *
 *   void entry(void *vmctx, const void *code, uint64_t *values);
 *
 * The vmctx is zeroed except for its store context, whose stack limit lies 256 KiB below
 * this frame: enough for a function that uses no memory, table, global or import (the
 * offsets come from KilnABI, passed by the test). Prints "EXPORT(ARG)=RESULT".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*entry_fn)(void *vmctx, const void *code, uint64_t *values);

/* The st_value of symbol `name` in the file's .symtab (an address relative to the load
 * base: Kiln artifacts have addresses equal to file offsets from 0), or 0. */
static uint64_t symtab_value(const char *path, const char *name) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *file = malloc(size);
    if (!file || fread(file, 1, size, f) != (size_t)size) { fclose(f); return 0; }
    fclose(f);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(file + eh->e_shoff);
    uint64_t value = 0;
    for (int i = 0; i < eh->e_shnum && !value; i++) {
        if (sh[i].sh_type != SHT_SYMTAB) continue;
        const Elf64_Sym *syms = (const Elf64_Sym *)(file + sh[i].sh_offset);
        const char *strings = (const char *)(file + sh[sh[i].sh_link].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); k++) {
            if (strcmp(strings + syms[k].st_name, name) == 0) { value = syms[k].st_value; break; }
        }
    }
    free(file);
    return value;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s ARTIFACT EXPORT ENTRY_SYMBOL STORE_CONTEXT_OFFSET STACK_LIMIT_OFFSET ARG\n", argv[0]);
        return 2;
    }
    void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!handle) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
    void *code = dlsym(handle, argv[2]);
    if (!code) { fprintf(stderr, "dlsym %s: %s\n", argv[2], dlerror()); return 1; }
    Dl_info info;
    if (!dladdr(code, &info) || !info.dli_fbase) { fprintf(stderr, "dladdr failed\n"); return 1; }
    uint64_t entry_offset = symtab_value(argv[1], argv[3]);
    if (!entry_offset) { fprintf(stderr, "no %s in .symtab\n", argv[3]); return 1; }
    entry_fn entry = (entry_fn)((char *)info.dli_fbase + entry_offset);

    static uint64_t vmctx[8192];        /* 64 KiB, zeroed */
    static uint64_t store_context[512]; /* zeroed */
    char here;
    uintptr_t limit = (uintptr_t)&here - 256 * 1024;
    memcpy((char *)store_context + strtoul(argv[5], 0, 0), &limit, sizeof limit);
    void *store = store_context;
    memcpy((char *)vmctx + strtoul(argv[4], 0, 0), &store, sizeof store);

    uint64_t values[1] = {(uint32_t)atoi(argv[6])};
    entry(vmctx, code, values);
    printf("%s(%s)=%u\n", argv[2], argv[6], (uint32_t)values[0]);
    return 0;
}

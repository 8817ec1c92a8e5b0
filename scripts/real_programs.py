#!/usr/bin/env python3
"""Real programs through both tiers (`make real-programs`, docs/reliability.md).

Builds programs that real compilers emit very differently from the fuzzer's
modules and the spec tests: zstd and the Lua 5.4 interpreter (C, from their own
sources, downloaded from PyPI sdists that bundle them: zstandard and lupa) and a tour of
Rust's standard library (Fixtures/real-programs/std_tour.rs). Each is built natively and
for wasm32-wasi; the wasm is compiled by Kiln under each tier (for x86-64, run here, and
for AArch64, compiled only), run as a WASI command, and its output compared with the
native build's. Prints one line per program and tier with the compile and run times;
exits 1 on any difference or failure.

    scripts/real_programs.py [--kiln .build/release/kiln] [--work .build/real-programs]
"""
import argparse
import os
import re
import subprocess
import sys
import tarfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Fixtures", "real-programs")
# Pinned so the programs (and their outputs) stay the same from run to run.
SDISTS = {"zstandard": "0.25.0", "lupa": "2.8"}
WASI_CC = ["clang-16", "--target=wasm32-wasi", "--sysroot=/usr", "-O2"]
RUSTC = "/usr/bin/rustc"  # Debian's, which has the wasm32-wasi standard library
LUA_CORE = ("lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser "
            "lstate lstring ltable ltm lundump lvm lzio lauxlib lbaselib lcorolib lmathlib "
            "lstrlib ltablib lutf8lib").split()


def run(cmd, **kw):
    """Runs cmd; returns (status, stdout, stderr, seconds)."""
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - start


def must(cmd, what):
    status, out, err, _ = run(cmd)
    if status != 0:
        sys.exit(f"real-programs: {what} failed ({' '.join(cmd[:3])} ...):\n{err.strip()[-2000:]}")
    return out


def fetch_sources(work):
    """The sdists, downloaded once and unpacked; returns {name: directory}."""
    dirs = {}
    for name, version in SDISTS.items():
        archive = os.path.join(work, f"{name}-{version}.tar.gz")
        if not os.path.exists(archive):
            must([sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
                  "-d", work, f"{name}=={version}"], f"downloading {name} {version} from PyPI")
        target = os.path.join(work, f"{name}-{version}")
        if not os.path.isdir(target):
            with tarfile.open(archive) as t:
                t.extractall(work)
        dirs[name] = target
    return dirs


def build_zstd(work, src, levels):
    """zstd's single-file library without its thread pool (wasm32-wasi has no pthreads),
    built natively once and for wasm at each optimization level (-Oz gives loops of a
    single block, another shape); returns {level: (native, wasm, argv)}."""
    lib = os.path.join(src, "zstd")
    single = os.path.join(work, "zstd_single.c")
    with open(os.path.join(lib, "zstd.c")) as f:
        text, found = re.subn(r"(?m)^#define ZSTD_MULTITHREAD\s*$", "", f.read())
    if found != 1:
        sys.exit("real-programs: zstd.c no longer defines ZSTD_MULTITHREAD on a line of its own")
    with open(single, "w") as f:
        f.write(text)
    driver = os.path.join(FIXTURES, "zstd_roundtrip.c")
    native = os.path.join(work, "zstd_roundtrip")
    flags = ["-DZSTD_DISABLE_ASM", "-Wno-deprecated-declarations", "-I", lib, driver, single]
    must(["gcc", "-O2", *flags, "-o", native], "building zstd natively")
    builds = {}
    for level in levels:
        wasm = os.path.join(work, f"zstd_roundtrip{level}.wasm")
        must([*WASI_CC, level, *flags, "-o", wasm], f"building zstd for wasm32-wasi ({level})")
        builds[level] = (native, wasm, ["4000000"])
    return builds


def build_lua(work, src):
    """Lua's core and its pure libraries; errors and yields abort (no longjmp in wasm32-wasi)."""
    lua = os.path.join(src, "third-party", "lua54")
    shim = os.path.join(work, "lua-shim")
    os.makedirs(shim, exist_ok=True)
    with open(os.path.join(shim, "setjmp.h"), "w") as f:
        f.write("/* wasm32-wasi has no setjmp; LUAI_THROW aborts instead */\n")
    files = [os.path.join(lua, f + ".c") for f in LUA_CORE]
    driver = os.path.join(FIXTURES, "lua_script.c")
    native, wasm = os.path.join(work, "lua_script"), os.path.join(work, "lua_script.wasm")
    must(["gcc", "-O2", "-I", lua, driver, *files, "-lm", "-o", native], "building Lua natively")
    must([*WASI_CC, "-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS", "-I", shim, "-I", lua,
          "-DLUAI_THROW(L,c)=abort()", "-DLUAI_TRY(L,c,a)={a}", "-Dluai_jmpbuf=int", driver, *files, "-lm",
          "-lwasi-emulated-signal", "-lwasi-emulated-process-clocks", "-o", wasm], "building Lua for wasm32-wasi")
    return native, wasm, []


def build_rust(work):
    source = os.path.join(FIXTURES, "std_tour.rs")
    native, wasm = os.path.join(work, "std_tour"), os.path.join(work, "std_tour.wasm")
    must([RUSTC, "-O", source, "-o", native], "building std_tour natively")
    must([RUSTC, "--target", "wasm32-wasi", "-O", "-C", "strip=debuginfo", source, "-o", wasm],
         "building std_tour for wasm32-wasi")
    return native, wasm, []


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiln", default=os.path.join(ROOT, ".build", "release", "kiln"))
    parser.add_argument("--work", default=os.path.join(ROOT, ".build", "real-programs"))
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    sources = fetch_sources(args.work)
    zstd = build_zstd(args.work, sources["zstandard"], ["-O2", "-Oz"])
    programs = {
        "zstd": zstd["-O2"],
        "zstd -Oz": zstd["-Oz"],
        "lua": build_lua(args.work, sources["lupa"]),
        "std_tour": build_rust(args.work),
    }
    failures = 0
    print(f"{'program':<10} {'wasm':>9}  {'tier':<10} {'compile':>9} {'run':>8} {'native run':>10}  result")
    for name, (native, wasm, argv) in programs.items():
        status, expected, err, native_seconds = run([native, *argv])
        if status != 0:
            sys.exit(f"real-programs: native {name} failed: {err.strip()}")
        stem = os.path.join(args.work, name.replace(" ", ""))
        for tier in ("baseline", "optimizing"):
            artifact = f"{stem}-{tier}.so"
            status, _, err, compile_seconds = run([args.kiln, "compile", "--tier", tier, wasm, "-o", artifact])
            if status != 0:
                failures += 1
                print(f"{name:<10} {os.path.getsize(wasm):>9}  {tier:<10} FAILED to compile: {err.strip()}")
                continue
            status, out, err, run_seconds = run([args.kiln, "run", artifact, *argv])
            if status != 0 or out != expected:
                failures += 1
                verdict = f"exit {status}: {err.strip()[:300]}" if status != 0 else "output differs from native"
            else:
                verdict = "same output as native"
            # AArch64: compiled only (WASI commands run only for this machine's ISA).
            a64 = f"{stem}-{tier}-aarch64.so"
            status, _, a64err, _ = run([args.kiln, "compile", "--target", "aarch64", "--tier", tier, wasm, "-o", a64])
            if status != 0:
                failures += 1
                verdict += f"; AArch64 compile FAILED: {a64err.strip()}"
            else:
                verdict += "; AArch64 compiles"
            print(f"{name:<10} {os.path.getsize(wasm):>9}  {tier:<10} {compile_seconds:>8.2f}s {run_seconds:>7.2f}s "
                  f"{native_seconds:>9.2f}s  {verdict}")
    if failures:
        sys.exit(f"real-programs: {failures} failure(s)")
    print("real-programs: every program's output matched its native build under both tiers")


if __name__ == "__main__":
    main()

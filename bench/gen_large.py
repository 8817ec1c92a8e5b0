"""Writes a large C program for the compile-throughput figure: FUNCS functions of
straight-line and looping integer/f64 code over a global array, all reachable from `run`
(so wasm-ld keeps them), no indirect calls (so every engine can compile it).

    gen_large.py OUT.c [FUNCS]
"""
import random
import sys


def function(rng, index, count):
    lines = [f"__attribute__((noinline)) static u32 f{index}(u32 a, u32 b) {{"]
    lines.append("    u32 x = a ^ %du, y = b + %du; double d = (double)(a & 1023);" % (rng.randrange(1 << 31), rng.randrange(1 << 31)))
    for _ in range(rng.randrange(6, 14)):
        kind = rng.randrange(6)
        k = rng.randrange(1, 1 << 20)
        if kind == 0:
            lines.append(f"    x = (x * {k}u + y) ^ (y >> {rng.randrange(1, 31)});")
        elif kind == 1:
            lines.append(f"    y += data[(x + {k}u) & 4095]; data[y & 4095] = x;")
        elif kind == 2:
            lines.append(f"    for (u32 i = 0; i < (a & 7); i++) {{ x += i * {k}u; y ^= x << (i & 15); }}")
        elif kind == 3:
            lines.append(f"    if ((x & {k}u) > (y & {k}u)) x -= y / ({k}u | 1); else y += x % ({k}u | 1);")
        elif kind == 4:
            lines.append(f"    d = d * {rng.random():.6f} + (double)(y & 65535); x += (u32)(d / {1 + rng.random():.6f});")
        else:
            lines.append(f"    switch (x & 3) {{ case 0: y += {k}u; break; case 1: y ^= {k}u; break; case 2: x += y; break; default: x = y - x; }}")
    if index + 1 < count:
        lines.append(f"    if ((x & 255) == {rng.randrange(256)}) return f{index + 1}(y, x);")
    lines.append("    return x ^ y;")
    lines.append("}")
    return "\n".join(lines)


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 12000
    rng = random.Random(20261125)
    parts = ['#include "bench.h"', "static u32 data[4096];"]
    parts += [f"static u32 f{i}(u32 a, u32 b);" for i in range(count)]
    parts += [function(rng, i, count) for i in range(count)]
    parts.append("EXPORT u32 run(u32 n) {\n    u32 s = 0;")
    # Call every function once so none is dropped as dead code.
    for i in range(count):
        parts.append(f"    s += f{i}(n, s);")
    parts.append("    return s;\n}")
    with open(out, "w") as f:
        f.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()

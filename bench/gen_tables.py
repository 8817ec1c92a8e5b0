"""Writes the `make bench-tables` module: a funcref table of SLOTS slots, every slot set by
one active element segment (FUNCS small functions repeated: slot i holds function i % FUNCS),
and three exports that call through it.

    python3 bench/gen_tables.py OUT.wasm SLOTS [FUNCS]

Functions (all of type (i32) -> i32 unless noted):
    f0 .. f{FUNCS-1}   x -> x + k + 1           (k = the function's index)
    loop(n, idx)       n x call_indirect through slot idx (acc = table[idx](acc)), returns acc
    direct(n, idx)     the same loop with `call f0` instead (baseline: the loop without the
                       indirect call sequence)
    sweep(n)           calls slots 0 .. n-1 once each (acc = table[i](acc)), returns acc
No memory, no imports, no globals: instantiation is the table and the vmctx.
Written as binary wasm directly (a 1M-entry segment is ~2 MB; its text form would be 8 MB).
"""
import sys

I32 = 0x7F
FUNCREF = 0x70


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


def name(s):
    return uleb(len(s)) + s.encode()


def functype(params, results):
    return b"\x60" + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])


# opcodes
BLOCK, LOOP, END, BR, BR_IF = b"\x02\x40", b"\x03\x40", b"\x0b", b"\x0c", b"\x0d"
CALL, CALL_INDIRECT = b"\x10", b"\x11"
LGET, LSET = b"\x20", b"\x21"
I32CONST, I32ADD, I32GEU = b"\x41", b"\x6a", b"\x4f"


def body(locals_, code):
    """locals_: number of extra i32 locals."""
    decl = vec([uleb(locals_) + bytes([I32])]) if locals_ else vec([])
    b = decl + code + END
    return uleb(len(b)) + b


def counted_loop(n_local, i_local, acc_local, step):
    """block { loop { if i >= n break; acc = step(acc); i++; continue } } acc"""
    return (BLOCK + LOOP
            + LGET + uleb(i_local) + LGET + uleb(n_local) + I32GEU + BR_IF + uleb(1)
            + step
            + LGET + uleb(i_local) + I32CONST + sleb(1) + I32ADD + LSET + uleb(i_local)
            + BR + uleb(0) + END + END
            + LGET + uleb(acc_local))


def module(slots, funcs):
    funcs = min(funcs, slots)
    types = [functype([I32], [I32]), functype([I32, I32], [I32])]
    # Function indices: 0..funcs-1 the slot functions, then loop, direct, sweep.
    f_loop, f_direct, f_sweep = funcs, funcs + 1, funcs + 2
    func_types = [0] * funcs + [1, 1, 0]
    table = bytes([FUNCREF]) + b"\x01" + uleb(slots) + uleb(slots)
    exports = [name("loop") + b"\x00" + uleb(f_loop),
               name("direct") + b"\x00" + uleb(f_direct),
               name("sweep") + b"\x00" + uleb(f_sweep)]
    # One active segment (flags 0: table 0, funcref, function indices) at offset 0.
    items = [uleb(i % funcs) for i in range(slots)]
    elem = b"\x00" + I32CONST + sleb(0) + END + vec(items)
    codes = []
    for k in range(funcs):
        codes.append(body(0, LGET + uleb(0) + I32CONST + sleb(k + 1) + I32ADD))
    # loop(n=0, idx=1; i=2, acc=3)
    codes.append(body(2, counted_loop(0, 2, 3,
                                      LGET + uleb(3) + LGET + uleb(1) + CALL_INDIRECT + uleb(0) + b"\x00"
                                      + LSET + uleb(3))))
    # direct(n=0, idx=1; i=2, acc=3)
    codes.append(body(2, counted_loop(0, 2, 3, LGET + uleb(3) + CALL + uleb(0) + LSET + uleb(3))))
    # sweep(n=0; i=1, acc=2)
    codes.append(body(2, counted_loop(0, 1, 2,
                                      LGET + uleb(2) + LGET + uleb(1) + CALL_INDIRECT + uleb(0) + b"\x00"
                                      + LSET + uleb(2))))
    return (b"\x00asm\x01\x00\x00\x00"
            + section(1, vec(types))
            + section(3, vec([uleb(t) for t in func_types]))
            + section(4, vec([table]))
            + section(7, vec(exports))
            + section(9, vec([elem]))
            + section(10, vec(codes)))


def sweep_checksum(slots, funcs):
    """What sweep(slots) returns: sum over slots of (i % funcs) + 1, mod 2^32."""
    funcs = min(funcs, slots)
    full, rest = divmod(slots, funcs)
    return (full * funcs * (funcs + 1) // 2 + rest * (rest + 1) // 2) & 0xFFFFFFFF


if __name__ == "__main__":
    out, slots = sys.argv[1], int(sys.argv[2])
    funcs = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    with open(out, "wb") as f:
        f.write(module(slots, funcs))

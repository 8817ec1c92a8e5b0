"""Wasmtime side of `make bench`, run inside the benchmark venv (bench/bench.py starts it).

    wasmtime_runner.py run WASM N REPS          time only the calls of `run(N)`
    wasmtime_runner.py compile WASM REPS        time `Module(engine, bytes)` (serial and parallel)
    wasmtime_runner.py instantiate WASM COUNT   time instantiation; resident memory per instance

Each prints one JSON object on stdout. Engines: Cranelift at opt level "speed", no cache,
everything else Wasmtime's defaults (pooling allocator off, copy-on-write memory init on).
"""
import json
import sys
import time

import wasmtime


def engine(parallel=True):
    config = wasmtime.Config()
    config.strategy = "cranelift"
    config.cranelift_opt_level = "speed"
    config.parallel_compilation = parallel
    return wasmtime.Engine(config)


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def cmd_run(path, n, reps):
    eng = engine()
    module = wasmtime.Module.from_file(eng, path)
    store = wasmtime.Store(eng)
    instance = wasmtime.Instance(store, module, [])
    run = instance.exports(store)["run"]
    times, checksum = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        c = run(store, n)
        t1 = time.perf_counter()
        times.append((t1 - t0) * 1e6)
        checksum = c & 0xFFFFFFFF
    return {"times_us": times, "checksum": checksum}


def cmd_compile(path, reps):
    data = open(path, "rb").read()
    out = {"bytes": len(data)}
    for label, parallel in (("serial", False), ("parallel", True)):
        eng = engine(parallel)
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            wasmtime.Module(eng, data)
            times.append((time.perf_counter() - t0) * 1e6)
        out[label + "_us"] = times
    return out


def cmd_instantiate(path, count):
    eng = engine()
    module = wasmtime.Module.from_file(eng, path)
    # Warm up (lazy engine state, first-touch of code pages), then measure.
    warm = wasmtime.Store(eng)
    wasmtime.Instance(warm, module, [])
    keep = []
    before = rss_bytes()
    times = []
    for _ in range(count):
        store = wasmtime.Store(eng)
        t0 = time.perf_counter()
        inst = wasmtime.Instance(store, module, [])
        times.append((time.perf_counter() - t0) * 1e6)
        keep.append((store, inst))
    after = rss_bytes()
    return {"times_us": times, "rss_per_instance": (after - before) / count, "count": count}


def main(argv):
    cmd = argv[1]
    if cmd == "run":
        result = cmd_run(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "compile":
        result = cmd_compile(argv[2], int(argv[3]))
    elif cmd == "instantiate":
        result = cmd_instantiate(argv[2], int(argv[3]))
    else:
        raise SystemExit(f"unknown command {cmd}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)

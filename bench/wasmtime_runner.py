"""Wasmtime side of `make bench`, run inside the benchmark venv (bench/bench.py starts it).

    wasmtime_runner.py run WASM N CALLS         time only the calls of `run(N)`: CPU time of
                                                this thread, wall time, involuntary switches
    wasmtime_runner.py compile WASM REPS        time `Module(engine, bytes)` (serial and parallel;
                                                wall and process CPU time)
    wasmtime_runner.py instantiate WASM COUNT   time instantiation; resident memory per instance

Each prints one JSON object on stdout. Engines: Cranelift at opt level "speed", no cache,
everything else Wasmtime's defaults (pooling allocator off, copy-on-write memory init on).
"""
import json
import resource
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


def cmd_run(path, n, calls):
    eng = engine()
    module = wasmtime.Module.from_file(eng, path)
    store = wasmtime.Store(eng)
    instance = wasmtime.Instance(store, module, [])
    run = instance.exports(store)["run"]
    cpu, wall, switches, checksum = [], [], [], None
    for _ in range(calls):
        s0 = resource.getrusage(resource.RUSAGE_THREAD).ru_nivcsw
        w0, c0 = time.perf_counter(), time.thread_time()
        c = run(store, n)
        c1, w1 = time.thread_time(), time.perf_counter()
        switches.append(resource.getrusage(resource.RUSAGE_THREAD).ru_nivcsw - s0)
        cpu.append((c1 - c0) * 1e6)
        wall.append((w1 - w0) * 1e6)
        checksum = c & 0xFFFFFFFF
    return {"cpu_us": cpu, "wall_us": wall, "nivcsw": switches, "checksum": checksum}


def cmd_compile(path, reps):
    data = open(path, "rb").read()
    out = {"bytes": len(data)}
    for label, parallel in (("serial", False), ("parallel", True)):
        eng = engine(parallel)
        times, cpu = [], []
        for _ in range(reps):
            t0, c0 = time.perf_counter(), time.process_time()
            wasmtime.Module(eng, data)
            cpu.append((time.process_time() - c0) * 1e6)
            times.append((time.perf_counter() - t0) * 1e6)
        out[label + "_us"] = times
        out[label + "_cpu_us"] = cpu  # all threads of the process
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

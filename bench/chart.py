"""Draws ratio-to-native per workload per engine from results.json (runs in the bench venv):
bars at the median per-round ratio, whiskers from the lowest to the highest.

    chart.py results.json out.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ENGINES = ["native-gcc", "kiln-baseline", "kiln-optimizing", "kiln-checked", "kiln-eager", "wasmtime", "wasm2c"]


def main():
    results = json.load(open(sys.argv[1]))
    names = list(results["workloads"])
    engines = [e for e in ENGINES if any("ratio" in results["workloads"][n]["engines"].get(e, {}) for n in names)]
    width = 0.8 / max(len(engines), 1)
    fig, ax = plt.subplots(figsize=(11, 5))
    for i, e in enumerate(engines):
        xs, ys, lo, hi = [], [], [], []
        for j, n in enumerate(names):
            r = results["workloads"][n]["engines"].get(e, {})
            if "ratio" in r:
                xs.append(j + i * width)
                ys.append(r["ratio"])
                lo.append(r["ratio"] - r["ratio_min"])
                hi.append(r["ratio_max"] - r["ratio"])
            elif "missing" in r:
                ax.text(j + i * width, 0.05, "missing", rotation=90, ha="center", va="bottom", fontsize=7)
        ax.bar(xs, ys, width, label=e, yerr=[lo, hi], capsize=2, error_kw={"linewidth": 0.8})
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([j + width * (len(engines) - 1) / 2 for j in range(len(names))])
    ax.set_xticklabels(names)
    ax.set_ylabel("CPU time / native clang -O2 (median, min-max over rounds)")
    ax.set_title(f"Kiln benchmarks, {results['meta']['date']} ({results['meta']['cpu']}); missing bars: see docs/benchmarks.md")
    ax.legend()
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()

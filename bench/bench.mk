# `make bench`: Kiln against native code, Wasmtime and wasm2c (see docs/benchmarks.md).
# Never part of `make test`. Builds a release kiln for the figures (compile throughput of
# a debug build says little); falls back to the debug one if that build fails.
#   BENCH_REPS=5       runs per median
#   BENCH_ONLY=fib,..  a subset of the workloads
#   BENCH_QUICK=1      tiny sizes: checks the harness, does not touch docs/benchmarks.md

.PHONY: bench bench-quick bench-tables bench-tables-quick

bench: build
	-$(SWIFT) build -c release --product kiln
	python3 bench/bench.py

bench-quick: build
	BENCH_QUICK=1 BENCH_REPS=3 python3 bench/bench.py

# `make bench-tables`: the funcref-table strategies (image, checked, eager) side by side:
# instantiation time against table size, warm call_indirect (ns, callgrind instructions,
# objdump), first vs second sweep, resident memory per instance (docs/tables-benchmark.md).
#   TABLES_QUICK=1     small sizes: checks the harness, does not touch docs/
bench-tables: deps
	$(SWIFT) build -c release --product kiln
	python3 bench/bench_tables.py

bench-tables-quick: deps
	$(SWIFT) build -c release --product kiln
	TABLES_QUICK=1 python3 bench/bench_tables.py

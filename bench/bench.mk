# `make bench`: Kiln's two code generators (baseline, optimizing) against native code,
# Wasmtime and wasm2c (see docs/benchmarks.md). Never part of `make test`. Builds a release
# kiln for the figures (compile throughput of a debug build says little); falls back to the
# debug one if that build fails.
#   BENCH_REPS=5       rounds: one fresh process per engine per round, engines rotated
#   BENCH_CALLS=1      timed calls of `run` in each round's process
#   BENCH_ONLY=fib,..  a subset of the workloads
#   BENCH_QUICK=1      tiny sizes: checks the harness, does not touch docs/benchmarks.md

.PHONY: bench bench-quick bench-tables bench-tables-quick bench-deps

# What the harnesses need beyond `make deps`: gcc (native and wasm2c builds), python3's
# venv module (Wasmtime, wabt and matplotlib come from PyPI into .build/bench-venv),
# objdump, valgrind and strace (bench-tables).
BENCH_APT_PACKAGES :=
ifeq ($(shell command -v gcc),)
BENCH_APT_PACKAGES += gcc libc6-dev
endif
ifneq ($(shell python3 -c 'import ensurepip, venv' 2>/dev/null && echo ok),ok)
BENCH_APT_PACKAGES += python3-venv
endif
ifeq ($(shell command -v objdump),)
BENCH_APT_PACKAGES += binutils
endif
ifeq ($(shell command -v valgrind),)
BENCH_APT_PACKAGES += valgrind
endif
ifeq ($(shell command -v strace),)
BENCH_APT_PACKAGES += strace
endif

bench-deps: deps
ifneq ($(strip $(BENCH_APT_PACKAGES)),)
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_APT_PACKAGES)
endif

bench: build bench-deps
	-$(SWIFT) build -c release --product kiln
	python3 bench/bench.py

bench-quick: build bench-deps
	BENCH_QUICK=1 BENCH_REPS=3 python3 bench/bench.py

# `make bench-tables`: the funcref-table strategies (image, checked, eager) under both
# code generators side by side: instantiation time against table size, warm call_indirect
# (ns, callgrind instructions, objdump), first vs second sweep, resident memory per
# instance (docs/tables-benchmark.md).
#   TABLES_QUICK=1     small sizes: checks the harness, does not touch docs/
bench-tables: bench-deps
	$(SWIFT) build -c release --product kiln
	python3 bench/bench_tables.py

bench-tables-quick: bench-deps
	$(SWIFT) build -c release --product kiln
	TABLES_QUICK=1 python3 bench/bench_tables.py

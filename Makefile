# Kiln's one entry point for building, testing and demonstrating.
#   make demo   compile the bundled example to a .so, run it, show its sections; then a
#               C hello world (wasi-libc) compiled to a .so and run as a WASI command
#   make test   unit tests, end-to-end tests and the spec suite
#   make fuzz   the fuzzers of issue 8 (FUZZ_SECONDS, FUZZ_SEED, FUZZ_MODE, FUZZ_FLAGS); not part of test
#   make fuzz-tiers   the baseline and the optimizing tier against each other and the reference
# Missing system packages are installed with apt-get (CI runs as root).

SWIFT ?= swift
BUILD_DIR := .build/debug
KILN := $(BUILD_DIR)/kiln
DEMO_DIR := .build/demo

.PHONY: all deps build test demo spec-all spec-aarch64 artifact-host embedded-smoke fuzz fuzz-tiers real-programs clean

all: build

# System packages the build and the tests need; installed only when missing.
APT_PACKAGES :=
ifeq ($(wildcard /usr/include/libelf.h),)
APT_PACKAGES += libelf-dev
endif
ifeq ($(shell command -v pkg-config),)
APT_PACKAGES += pkg-config
endif
ifeq ($(shell command -v eu-elflint),)
APT_PACKAGES += elfutils
endif
ifeq ($(shell command -v readelf),)
APT_PACKAGES += binutils
endif
# The optimizing tier: LLVM 19's C API.
ifeq ($(wildcard /usr/lib/llvm-19/include/llvm-c/Core.h),)
APT_PACKAGES += llvm-19-dev
endif
# WASI test programs (Fixtures/wasi): C against wasi-libc, and Rust.
ifeq ($(wildcard /usr/bin/clang-16),)
APT_PACKAGES += clang-16
endif
ifeq ($(wildcard /usr/bin/wasm-ld-16),)
APT_PACKAGES += lld-16
endif
ifeq ($(wildcard /usr/include/wasm32-wasi/stdio.h),)
APT_PACKAGES += wasi-libc
endif
ifeq ($(wildcard /usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a),)
APT_PACKAGES += libclang-rt-16-dev-wasm32
endif
ifeq ($(wildcard /usr/bin/rustc),)
APT_PACKAGES += rustc
endif
ifeq ($(wildcard /usr/lib/rustlib/wasm32-wasi/lib),)
APT_PACKAGES += libstd-rust-dev-wasm32
endif

# AArch64 (issue 10): the runtime core cross-built with Embedded Swift, linked by the cross
# gcc against arm64 glibc, run under qemu-user.
ifeq ($(shell command -v qemu-aarch64),)
APT_PACKAGES += qemu-user
endif
ifeq ($(shell command -v aarch64-linux-gnu-gcc),)
APT_PACKAGES += gcc-aarch64-linux-gnu
endif
ifeq ($(wildcard /usr/aarch64-linux-gnu/include/stdio.h),)
APT_PACKAGES += libc6-dev-arm64-cross
endif

deps:
ifneq ($(strip $(APT_PACKAGES)),)
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES)
endif

build: deps
	$(SWIFT) build

test: build
	$(SWIFT) test

demo: build
	@mkdir -p $(DEMO_DIR)
	$(KILN) compile Fixtures/examples/fib.wat -o $(DEMO_DIR)/fib.so --verbose
	$(KILN) run $(DEMO_DIR)/fib.so --invoke fib 20
	$(KILN) run $(DEMO_DIR)/fib.so --invoke checksum
	$(KILN) inspect $(DEMO_DIR)/fib.so
	readelf -W -S $(DEMO_DIR)/fib.so
	clang-16 --target=wasm32-wasi --sysroot=/usr -O2 Fixtures/wasi/hello.c -o $(DEMO_DIR)/hello.wasm
	$(KILN) compile $(DEMO_DIR)/hello.wasm -o $(DEMO_DIR)/hello.so
	$(KILN) run $(DEMO_DIR)/hello.so

# Builds the runtime core (KilnABI + KilnRuntime) as Embedded Swift for
# x86_64-unknown-linux-gnu, links a small host against glibc and runs it on an artifact
# (also part of `make test`).
embedded-smoke: build
	$(SWIFT) test --filter EmbeddedTests

# Every core spec file, for a full picture (not part of `make test`).
spec-all: build
	-$(KILN) wast ../shared/spec/core/*.wast

# The artifact host (issue 10): the runtime core built with Embedded Swift for AArch64 (and
# for x86_64, to test it natively), by the one recipe kiln and the tests use too:
# .build/kiln-artifact-host-aarch64, .build/kiln-artifact-host-x86_64.
artifact-host: deps
	scripts/build-artifact-host.sh aarch64
	scripts/build-artifact-host.sh x86_64

# The spec files of the test suite's lists (Tests/KilnWASTTests/SpecFileList.swift) compiled
# for AArch64 and run under qemu-aarch64 in the artifact host: both tiers x the three table
# strategies (not part of `make test`; docs/testing.md has the measured time).
SPEC_FILES := $(shell grep -o '"\(core\|spec-extra\)/[a-z0-9_.-]*\.wast"' Tests/KilnWASTTests/SpecFileList.swift | tr -d '"')
SPEC_TABLE_FILES := $(shell sed -n '/static let tables/,/\.map/p' Tests/KilnWASTTests/SpecFileList.swift | grep -o '"[a-z0-9_-]*"' | tr -d '"' | sed 's|.*|core/&.wast|')
spec-aarch64: build artifact-host
	@for tier in baseline optimizing; do for strategy in image checked eager; do \
		echo "== aarch64 $$tier $$strategy"; \
		start=$$(date +%s); \
		$(KILN) wast --target aarch64 --tier $$tier --table-init $$strategy \
			$(addprefix ../shared/spec/,$(sort $(SPEC_FILES) $(SPEC_TABLE_FILES))) | tail -1; \
		echo "   ($$(( $$(date +%s) - start )) s)"; \
	done; done

# Real programs (zstd, Lua 5.4, a Rust standard-library tour) built natively and for
# wasm32-wasi, run under both tiers and compared with the native output; zstd's and Lua's
# sources come from PyPI sdists (docs/reliability.md, "Real programs"). Not part of `make test`.
real-programs: deps
	$(SWIFT) build -c release --product kiln
	python3 scripts/real_programs.py --kiln .build/release/kiln

# Differential and robustness fuzzing (docs/reliability.md). Never part of `make test`.
#   FUZZ_SECONDS  total run time, split evenly across the modes (default 300)
#   FUZZ_SEED     seed of the run (default: from the clock; printed)
#   FUZZ_MODE     gen, wasm, wat, artifact, tiers, a comma list, or all (default: every
#                 mode but tiers, which needs the optimizing tier and is slower per module)
#   FUZZ_FLAGS    more kiln-fuzz options, e.g. --narrow-shift-counts --no-save --max-results 2
FUZZ_SECONDS ?= 300
FUZZ_MODE ?= all
FUZZ_SEED ?=
FUZZ_FLAGS ?=
fuzz: deps
	$(SWIFT) build -c release --product kiln-fuzz
	.build/release/kiln-fuzz run --mode $(FUZZ_MODE) --seconds $(FUZZ_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) $(FUZZ_FLAGS)

# `make fuzz` in the tiers mode: every generated module run by the reference, the baseline
# and the optimizing tier, compared after every call (same variables; FUZZ_MODE is tiers).
fuzz-tiers: FUZZ_MODE = tiers
fuzz-tiers: fuzz

clean:
	rm -rf .build

# Benchmarks (never part of `make test`).
-include bench/bench.mk

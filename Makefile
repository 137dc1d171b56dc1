# wafersim: the two commands of the Quick start, and the pieces they are made of.
#   make demo   install dependencies if missing, build, run the default yield/defect sweep, then
#               the RTL blocks' co-simulation against the C++ models, then the GPT-4-in-a-day
#               estimate on tiny-3nm beside the 3,450-wafer claim
#   make test   the same build, then every test through CTest, then the tests again built with
#               AddressSanitizer + UndefinedBehaviorSanitizer
# Also: make build | bench | fuzz (FUZZ_SECONDS=60) | test-minimal | clean
#   make test-minimal   build-minimal/ without the RTL and ONNX (-DWAFERSIM_RTL=OFF
#                       -DWAFERSIM_ONNX=OFF: no SystemC, Verilator, libonnx), then its tests
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
MIN_DIR ?= build-minimal
FUZZ_DIR ?= build-fuzz
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
DEMO_OUT ?= out/default

.PHONY: all deps configure build demo test test-asan test-minimal bench fuzz clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release > $(BUILD_DIR).configure.log 2>&1 || (cat $(BUILD_DIR).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	./$(BUILD_DIR)/wafersim sweep configs/sweeps/default.yaml --out $(DEMO_OUT) --jobs $(JOBS)
	@echo
	@echo "== RTL tile blocks against the C++ models (Verilator + SystemC; docs/rtl.md) =="
	./$(BUILD_DIR)/wafersim verify-rtl --cycles 200000 --out $(DEMO_OUT)/verify-rtl
	@echo
	@echo "== GPT-4 in a day on tiny-3nm? (docs/gpt4-in-a-day.md) =="
	./$(BUILD_DIR)/wafersim estimate --model workloads/gpt4-moe.yaml --system configs/systems/tiny-3nm-cluster.yaml --wafers 3584 --top 1 --out $(DEMO_OUT)/gpt4
	@echo "the claim: GPT-4 (3e25 FLOP) in one day on ~3,450 wafers of 100 PFLOPS at \$$20k each, fully utilised."
	@echo "tiny-3nm: the answer line above, on 3,584 wafers (the nearest count >= 3,450 that a layout can use), and the resource that binds it."

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan

test-asan: deps
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAFERSIM_SANITIZE=ON -DWAFERSIM_BENCH=OFF > $(ASAN_DIR).configure.log 2>&1 || (cat $(ASAN_DIR).configure.log; exit 1)
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS)

test-minimal: deps
	@cmake -S . -B $(MIN_DIR) -DCMAKE_BUILD_TYPE=Release -DWAFERSIM_RTL=OFF -DWAFERSIM_ONNX=OFF -DWAFERSIM_BENCH=OFF > $(MIN_DIR).configure.log 2>&1 || (cat $(MIN_DIR).configure.log; exit 1)
	@cmake --build $(MIN_DIR) -j $(JOBS)
	ctest --test-dir $(MIN_DIR) --output-on-failure -j $(JOBS)

bench: build
	./$(BUILD_DIR)/bench/mesh_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	./$(BUILD_DIR)/bench/routing_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	./$(BUILD_DIR)/bench/noc_bench
	./$(BUILD_DIR)/bench/estimate_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	./$(BUILD_DIR)/bench/rtl_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	./$(BUILD_DIR)/bench/mapping_bench

# The libFuzzer targets of tests/fuzz (FUZZERS=... runs a subset), each for FUZZ_SECONDS with its
# own corpus FUZZ_DIR/corpus-NAME grown from tests/fuzz/seeds-NAME (config's: tests/fuzz/seeds)
# and the dictionary tests/fuzz/NAME.dict where there is one.
# A finding (a crash, a sanitizer report (UBSan halts too), an exception other than InputError,
# a hang past 10 s, 2 GB RSS) stops that fuzzer with its reproducer in FUZZ_DIR/artifacts/NAME/;
# the others still run, then the target fails.
# FUZZ_SEED=N fixes libFuzzer's random seed, so that a run explores the same inputs every time
# (CI does, so a commit's result does not depend on luck); without it each run explores anew.
FUZZERS ?= config defect_map trace model onnx
FUZZ_SEED ?=
fuzz: deps
	@cmake -S . -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAFERSIM_FUZZ=ON -DWAFERSIM_BENCH=OFF > $(FUZZ_DIR).configure.log 2>&1 || (cat $(FUZZ_DIR).configure.log; exit 1)
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addsuffix _fuzzer,$(FUZZERS))
	@failed=""; for f in $(FUZZERS); do \
	  name=$$(echo $$f | tr _ -); seeds=tests/fuzz/seeds-$$name; [ $$f = config ] && seeds=tests/fuzz/seeds; \
	  corpus=$(FUZZ_DIR)/corpus-$$name; artifacts=$(FUZZ_DIR)/artifacts/$$name/; \
	  dict=; [ -f tests/fuzz/$$name.dict ] && dict=-dict=tests/fuzz/$$name.dict; \
	  mkdir -p $$corpus $$artifacts; \
	  echo "== $${f}_fuzzer: $(FUZZ_SECONDS) s, corpus $$corpus, seeds $$seeds =="; \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ./$(FUZZ_DIR)/tests/fuzz/$${f}_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 $(if $(FUZZ_SEED),-seed=$(FUZZ_SEED)) -artifact_prefix=$$artifacts $$dict $$corpus $$seeds || failed="$$failed $$f"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: findings in:$$failed (reproducers under $(FUZZ_DIR)/artifacts/)"; exit 1; fi

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR) $(MIN_DIR) $(BUILD_DIR).configure.log $(ASAN_DIR).configure.log $(FUZZ_DIR).configure.log $(MIN_DIR).configure.log

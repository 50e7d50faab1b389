# The README's commands. `make run` and `make test` do everything from a fresh
# Debian 12 machine: install packages, generate dev keys, build, then serve or test.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all deps deps-dev deps-bench keys configure proto build build-run run cluster migrate test test-unit test-integration bench \
	deploy clean help lint format coverage sanitize fuzz chaos scale

all: build

help:
	@echo "make run               install deps, make dev keys, build, serve the demo store"
	@echo "make cluster           3 instances behind HAProxy, Redis Cluster, 3 Kafka brokers, PostgreSQL"
	@echo "make test              the whole suite (unit + integration)"
	@echo "make chaos             the fault suite: real processes, one fault at a time, answers checked against the ledger"
	@echo "make lint              clang-format, clang-tidy and cppcheck on the project's own code"
	@echo "make coverage          line coverage of internal/ and pkg/ (fails below 80%)"
	@echo "make sanitize          the suite under ASan+UBSan (and the coverage gate), the unit tests under TSan"
	@echo "make scale             one instance on 100,000 stores / 1 M beacons, customers, phones vs the demo store"
	@echo "make deps | keys | proto | build | migrate | test-unit | test-integration | bench | fuzz | format | deploy | clean"

deps:
	@scripts/deps.sh

deps-dev:
	@scripts/deps.sh dev

deps-bench:
	@scripts/deps.sh bench

keys:
	@scripts/keys.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD_DIR)/build.ninja

proto: configure
	cmake --build $(BUILD_DIR) --target proto -j $(JOBS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only what `make run` runs: the server, the CLI and the embedded broker
# (tests and benchmarks build with `make test` / `make bench`).
build-run: configure
	cmake --build $(BUILD_DIR) --target customer-id customer-idctl devkafka -j $(JOBS)

run: build-run keys
	BUILD_DIR=$(BUILD_DIR) scripts/run.sh

# Several instances on loopback (scripts/cluster.sh): PostgreSQL, a Redis
# Cluster, the embedded Kafka with 3 brokers, 3 instances and HAProxy in
# front; prints how to call it. CLUSTER_ARGS=--check makes one call and stops.
CLUSTER_ARGS ?=
cluster: build-run keys
	BUILD_DIR=$(BUILD_DIR) scripts/cluster.sh $(CLUSTER_ARGS)

# Applies the migrations to the configured database (CUSTOMER_ID_POSTGRES_URL
# or postgres.url) and exits; the service also applies them at start.
migrate: build-run
	$(BUILD_DIR)/customer-id --config internal/config/config.yaml --migrate

test-unit: build
	cd $(BUILD_DIR) && ctest -L unit --output-on-failure

test-integration: build keys
	cd $(BUILD_DIR) && ctest -L integration --output-on-failure

# Everything but the fault suite (label chaos: minutes long, `make chaos`).
test: build keys
	cd $(BUILD_DIR) && ctest -LE chaos --output-on-failure

# The fault suite (tests/chaos/README.md): builds only what it runs, prints one
# row per fault and fails when a count that must be 0 is not. CHAOS_ARGS are
# passed on, e.g. CHAOS_ARGS="--only kill-9,redis-lost".
CHAOS_ARGS ?=
chaos: configure keys
	cmake --build $(BUILD_DIR) --target chaos_suite -j $(JOBS)
	$(BUILD_DIR)/tests/chaos/chaos_suite $(CHAOS_ARGS)

# grpc_load also draws docs/images/latency-vs-throughput.svg (gnuplot: deps-bench).
bench: build keys deps-bench
	$(BUILD_DIR)/bench/micro_bench
	$(BUILD_DIR)/bench/grpc_load
	$(BUILD_DIR)/bench/https_load
	$(BUILD_DIR)/bench/analytics_query
	$(BUILD_DIR)/bench/redis_cluster_load
	$(BUILD_DIR)/bench/redis_commit_cost

# One instance against scale data beside the demo store alone, in one run
# (docs/capacity.md). SCALE_ARGS e.g. "--stores 10000 --customers 100000
# --phones 100000" for a quicker pass; bounded by SCALE_TIMEOUT seconds.
SCALE_ARGS ?=
SCALE_TIMEOUT ?= 1800
scale: build keys
	cmake --build $(BUILD_DIR) --target scale_data micro_bench -j $(JOBS)
	$(BUILD_DIR)/bench/micro_bench --benchmark_filter='BM_FloorPlanLookup|BM_PhoneIndex'
	timeout --kill-after=30 $(SCALE_TIMEOUT) $(BUILD_DIR)/bench/scale_data $(SCALE_ARGS)

# Layout and smells; clang-tidy needs the compile commands of a configured build.
lint: deps-dev configure proto
	scripts/lint.sh

format: deps-dev
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

coverage: deps-dev keys
	scripts/coverage.sh

# The suite under sanitizers (scripts/sanitize.sh): the coverage tree built
# with ASan/UBSan too (its report is the coverage gate CI uses), and the unit
# tests under TSan. SANITIZE=address or thread runs one half.
SANITIZE ?= all
sanitize: deps-dev keys
	scripts/sanitize.sh $(SANITIZE)
# libFuzzer targets (tests/fuzz) under ASan/UBSan, FUZZ_SECONDS each, in their
# own build dir with clang 16 (Debian's clang 14 cannot compile libstdc++ 12's
# <expected>; clang 16 can once __cpp_concepts is raised to C++20's value).
# Seeds come from tests/fuzz/corpus/<target>; new inputs go to the build dir.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = token table_qr identify_request
FUZZ_FLAGS = -U__cpp_concepts -D__cpp_concepts=202002L -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link -fno-omit-frame-pointer

fuzz: deps-dev
	CXX=clang++-16 cmake -S . -B $(FUZZ_DIR) -G Ninja -DCID_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS="$(FUZZ_FLAGS)" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
	cmake --build $(FUZZ_DIR) --target fuzzers -j $(JOBS)
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$target; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_DIR)/tests/fuzz/fuzz_$$target -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 $(FUZZ_DIR)/corpus/$$target tests/fuzz/corpus/$$target \
	    2>&1 | tee $(FUZZ_DIR)/fuzz_$$target.log | grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)'; \
	  if ! grep -q 'stat::number_of_executed_units' $(FUZZ_DIR)/fuzz_$$target.log || \
	     grep -qE '==[0-9]+==ERROR|runtime error|SUMMARY: .*Sanitizer' $(FUZZ_DIR)/fuzz_$$target.log; then \
	    echo "fuzz: $$target FAILED (see $(FUZZ_DIR)/fuzz_$$target.log)"; exit 1; \
	  fi; \
	done
	@echo "fuzz: every target ran $(FUZZ_SECONDS) s without a crash, leak or sanitizer report"

deploy:
	@command -v kubectl >/dev/null || { echo "deploy: kubectl is not installed; see deploy/k8s/README.md" >&2; exit 1; }
	kubectl apply -f deploy/k8s/

clean:
	rm -rf $(BUILD_DIR) build-coverage build-fuzz

# Zone accuracy: the store simulator at σ = 4/6/8 dB and the real labeled
# dataset (README "Zone accuracy"). Not part of `make test`.
.PHONY: accuracy
ACCURACY_DATASET ?= bench/accuracy/data
accuracy: configure
	cmake --build $(BUILD_DIR) --target accuracy_report -j $(JOBS)
	$(BUILD_DIR)/bench/accuracy_report --dataset $(ACCURACY_DATASET)

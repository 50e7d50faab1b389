# The README's commands. `make run` and `make test` do everything from a fresh
# Debian 12 machine: install packages, generate dev keys, build, then serve or test.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all deps keys configure proto build run migrate test test-unit test-integration bench deploy clean help

all: build

help:
	@echo "make run               install deps, make dev keys, build, serve the demo store"
	@echo "make test              the whole suite (unit + integration)"
	@echo "make deps | keys | proto | build | migrate | test-unit | test-integration | bench | deploy | clean"

deps:
	@scripts/deps.sh

keys:
	@scripts/keys.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD_DIR)/build.ninja

proto: configure
	cmake --build $(BUILD_DIR) --target proto -j $(JOBS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build keys
	scripts/run.sh

# Applies the migrations to the configured database (CUSTOMER_ID_POSTGRES_URL
# or postgres.url) and exits; the service also applies them at start.
migrate: build
	build/customer-id --config internal/config/config.yaml --migrate

test-unit: build
	cd $(BUILD_DIR) && ctest -L unit --output-on-failure

test-integration: build keys
	cd $(BUILD_DIR) && ctest -L integration --output-on-failure

test: build keys
	cd $(BUILD_DIR) && ctest --output-on-failure

bench: build keys
	$(BUILD_DIR)/bench/micro_bench
	$(BUILD_DIR)/bench/grpc_load
	$(BUILD_DIR)/bench/https_load

deploy:
	@command -v kubectl >/dev/null || { echo "deploy: kubectl is not installed; see deploy/k8s/README.md" >&2; exit 1; }
	kubectl apply -f deploy/k8s/

clean:
	rm -rf $(BUILD_DIR)

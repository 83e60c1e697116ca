# skvm: thin wrapper over CMake. The README's two commands are `make demo` and `make check`.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
DEMO_SKILL ?= examples/skills/csv-report

.PHONY: all deps build demo check test asan asan-check screenshots perf format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Open the workbench on the bundled example skill.
demo: build
	@$(BUILD)/skvm workbench $(DEMO_SKILL)

# The whole suite, as CI runs it.
check: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test: check

# Unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSKVM_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

asan-check: asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) -L 'core|ui'

screenshots: build
	@bash scripts/screenshots.sh $(BUILD)

perf: build
	@cmake --build $(BUILD) --target perf -j $(JOBS) 2>/dev/null || true
	@bash scripts/perf.sh $(BUILD)

format:
	@clang-format -i app/*.[ch] core/*.[ch] ui/*.[ch] tests/*.[ch] tests/*/*.[ch]

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

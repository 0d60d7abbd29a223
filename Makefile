# pulser-hub-sync: `make run` and `make test` are the quick start (README.md).
SHELL := /bin/bash
PORT ?= 8080
CONFIGURATION ?= debug
# Swift lives in /opt/swift on the project's machines; put it on PATH when it is not already.
export PATH := $(if $(wildcard /opt/swift/usr/bin/swift),/opt/swift/usr/bin:,)$(PATH)

SWIFT_BUILD_FLAGS := -c $(CONFIGURATION)
BIN_DIR = $(shell swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)

.PHONY: deps build run test bench soak screenshots release deb lint-deb test-install test-all sanitize fuzz clean

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

run: build
	HUBSYNC_BIN_DIR=$(BIN_DIR) PORT=$(PORT) bash scripts/run-dev.sh

# Suites about SQLite's own files (modes, WAL, checkpoints, power cuts, a full disk, a deleted
# file, the sqlite3 shell), and those on PostgreSQL whichever the pass (servers of their own, two
# hosts, faults, store copy): not run again in the PostgreSQL pass.
SQLITE_ONLY_SUITES = PowerLossTests|StorageFaultTests|CrashSafetyTests|RunModeTests|CheckpointTests|StateFileTests|EventsAtScaleTests|PostgreSQLTests|FuzzCorpusTests|TwoHostsTests|PostgreSQLFaultTests|StoreCopyTests

# Unit tests and end-to-end tests (real nginx, real FastCGI processes, real SQLite files); then
# the suites again with every store on a real PostgreSQL server (issue 18).
test: deps
	swift build --build-tests
	HUBSYNC_BIN_DIR=$$(swift build --show-bin-path) swift test --skip-build --no-parallel
	HUBSYNC_TEST_DB=postgresql HUBSYNC_BIN_DIR=$$(swift build --show-bin-path) \
	    swift test --skip-build --no-parallel --skip '$(SQLITE_ONLY_SUITES)'

# Performance figures on realistic traffic beside ceilings and a Python peer measured in the same
# run (bench/run.py); not part of CI.
bench: deps
	@for tool in wrk valgrind:valgrind strip:binutils; do command -v $${tool%%:*} >/dev/null || apt-get install -y -qq --no-install-recommends $${tool##*:} >/dev/null; done
	@# The peer (bench/peer) lives in a venv of its own, from PyPI; Debian's python3 needs python3-venv for it.
	@python3 -c 'import ensurepip' 2>/dev/null || apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
	swift build -c release
	python3 bench/run.py

# 30 minutes (SOAK_SECONDS) at 80% of the maximum rate: memory, descriptors, errors, losses
# (bench/soak.py); then the crash-safety test for 60 s.
soak: deps
	@command -v wrk >/dev/null || apt-get install -y -qq --no-install-recommends wrk >/dev/null
	swift build -c release
	python3 bench/soak.py
	swift build --build-tests
	HUBSYNC_CRASH_SECONDS=60 HUBSYNC_BIN_DIR=$$(swift build --show-bin-path) swift test --skip-build --filter CrashSafety

# libFuzzer over the parsers that read client input (Fuzz/, scripts/fuzz.sh): FUZZ_RUNS inputs per
# target (default 1,000,000) from the seed corpus in Fuzz/Corpus; not part of CI.
fuzz: deps
	scripts/fuzz.sh

# The install callback's and the console's pages, photographed by headless Chromium into docs/screenshots/.
screenshots: deps
	swift build
	python3 scripts/screenshots.py

# Self-contained binaries (static Swift standard library, libfcgi and SQLite) and a tarball in dist/.
release: deps
	@bash scripts/install-deps.sh release
	bash scripts/release.sh

# dist/pulser-hub-sync_VERSION_ARCH.deb from the release binaries, checked by lintian.
deb: release
	bash scripts/build-deb.sh
	$(MAKE) --no-print-directory lint-deb

lint-deb:
	lintian --fail-on error --tag-display-limit 0 dist/pulser-hub-sync_$$(scripts/version.sh --debian)_$$(dpkg --print-architecture).deb

# Installs the .deb into a clean Debian 12 root (debootstrap, cached under var/) without Swift, runs
# the units' commands there behind its nginx, and proves a delivery, a callback and an upgrade.
test-install: deb
	@bash scripts/install-deps.sh install-test
	bash Tests/Install/test-install.sh

# The unit tests (and the callback's tests against the fake GitHub) once under AddressSanitizer and once under
# ThreadSanitizer, each in a build directory of its own.
UNIT_TESTS := ^(CommonTests|WebhookTests|SyncTests|CallbackTests|FuzzCorpusTests)\.
sanitize: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan-suppressions.txt \
	    swift test --scratch-path .build-asan --sanitize=address --filter '$(UNIT_TESTS)'
	swift test --scratch-path .build-tsan --sanitize=thread --filter '$(UNIT_TESTS)'

# Everything, including what takes too long for every CI run.
test-all: test test-install

clean:
	rm -rf .build .build-release .build-fuzz .build-asan .build-tsan var dist

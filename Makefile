# Herald — build, run and test. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libmemcached-dev memcached libsqlite3-dev pkg-config
DATA_DIR ?= data
HOST ?= 127.0.0.1
PORT ?= 8080
FORMAT_PATHS := Package.swift Sources Tests

.PHONY: help deps deps-python deps-browser deps-deploy build release run test test-chaos test-browser check-openapi fuzz-api fmt lint clean tsan asan coverage mutate bench soak crosscheck profile threads wakeups stalls walpages perf
BROWSER_PACKAGES := chromium chromium-driver
# What the tests of deploy/ run: the README's nginx in front of Herald over TLS
# (Tests/Chaos/proxy_test.py), and systemd-analyze on its unit (Tests/Chaos/systemd_unit_test.py).
DEPLOY_PACKAGES := nginx openssl curl systemd iproute2

help:
	@echo "make run    build (release), start a local memcached, run 'herald serve --dev' on $(HOST):$(PORT)"
	@echo "make test   install what is missing, run the whole test suite"
	@echo "make test-chaos     the tests in Tests/Chaos alone (part of make test); longer: CHAOS_SECONDS=600 make test-chaos"
	@echo "make test-browser   the demo inbox in headless Chromium (Selenium)"
	@echo "make check-openapi  validate openapi.yaml     make fuzz-api   schemathesis against a live server"
	@echo "make fmt    format the code (swift format)   make lint   check formatting"
	@echo "make tsan   ThreadSanitizer: the Swift suites and a loaded server built with it (Tests/Sanitizer/run.sh)"
	@echo "make asan   AddressSanitizer: a loaded server built with it (Tests/Sanitizer/run.sh address)"
	@echo "make coverage   the lines of Sources no test runs, Swift and Python tests together (Tests/Coverage/run.sh)"
	@echo "make mutate MUTANTS=60 SEED=1   how many small faults the Swift suites notice (Tests/Mutation/mutate.py)"
	@echo "make bench  the benchmark suite               make profile LOAD=creates   perf on the server under one load"
	@echo "make threads LOAD=fanout5k   CPU, context switches and system calls per item of each kind of server thread (bench/threads.sh)"
	@echo "make wakeups LOAD=creates    where woken threads are queued and how long they wait to run (bench/wakeups.sh)"
	@echo "make stalls LOAD=fanout5k    how long the whole VM stopped, beside the disk's writes (bench/stalls.sh)"
	@echo "make walpages LOAD=batches   the pages each SQLite transaction writes, by table and index (bench/walpages.sh)"
	@echo "make soak MINUTES=15         a long mixed load: Herald's memory, threads and files cycle by cycle (bench/soak.sh)"
	@echo "make crosscheck              the fan-outs against nchan with the team's shared Python load tool (bench/crosscheck.sh)"

# Installs those of the Debian packages given that are missing (through sudo when not root), after
# an apt-get update unless this checkout ran one in the last hour (APT_STAMP), so that the targets
# that install during one make test update the package lists once.
APT_STAMP := $(CURDIR)/.build/apt-updated
define install_missing
missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then \
	sudo=""; [ "$$(id -u)" -ne 0 ] && sudo=sudo; \
	echo "installing:$$missing"; \
	if [ -z "$$(find $(APT_STAMP) -mmin -60 2>/dev/null)" ]; then \
		$$sudo apt-get update -qq && mkdir -p $(dir $(APT_STAMP)) && touch $(APT_STAMP) || exit 1; \
	fi; \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
fi
endef

# Installs the Debian packages that are missing.
deps:
	@$(call install_missing,$(APT_PACKAGES))

# The Python tools of the tests (Selenium, schemathesis, openapi-spec-validator), when missing.
deps-python:
	@python3 -c 'import selenium, schemathesis, openapi_spec_validator' 2>/dev/null || \
		python3 -m pip install -q --disable-pip-version-check -r Tests/requirements.txt

# Chromium and its WebDriver for the browser test (Debian packages), when missing.
deps-browser: deps deps-python
	@$(call install_missing,$(BROWSER_PACKAGES))

# nginx, openssl, curl, systemd and iproute2 for the tests of deploy/ and of clients that vanish
# (Debian packages), when missing.
deps-deploy: deps
	@$(call install_missing,$(DEPLOY_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product herald

# Starts memcached on a unix socket under $(DATA_DIR) (no port clash with a system memcached; without
# its LRU maintainer, as README's Operations recommends), then herald in development mode; Ctrl-C
# stops both.
run: release
	@mkdir -p $(DATA_DIR)
	@user=""; [ "$$(id -u)" -eq 0 ] && user="-u root"; \
	rm -f $(DATA_DIR)/memcached.sock; \
	memcached -s $(CURDIR)/$(DATA_DIR)/memcached.sock -m 64 -o no_lru_maintainer $$user & mc=$$!; \
	trap 'kill $$mc 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 50); do [ -S $(DATA_DIR)/memcached.sock ] && break; sleep 0.1; done; \
	.build/release/herald serve --dev --host $(HOST) --port $(PORT) \
		--database $(DATA_DIR)/herald.sqlite --memcached $(CURDIR)/$(DATA_DIR)/memcached.sock

test: deps
	mkdir -p .build; set -o pipefail; $(SWIFT) build --build-tests 2>&1 | tee .build/build-tests.log
	@# Herald's own code builds without warnings (a clean clone compiles every file, so CI sees all).
	@if grep -E '^$(CURDIR)/(Sources|Tests)/[^:]+:[0-9]+:[0-9]+: warning:' .build/build-tests.log; then \
		echo "make test: the build warned in Herald's own code (above)" >&2; exit 1; fi
	$(SWIFT) test --skip-build
	python3 -m unittest discover -s Tests/Bench -p '*_test.py'
	python3 -m unittest discover -s Tests/Docs -p '*_test.py'
	python3 -m unittest discover -s Tests/Sanitizer -p '*_test.py'
	python3 -m unittest discover -s Tests/Mutation -p '*_test.py'
	$(MAKE) --no-print-directory test-chaos

# Counts exact and nothing acknowledged lost while memcached and Herald are killed, paused and
# flushed under load (Tests/Chaos; CHAOS_SECONDS, default 30, and CHAOS_SEED).
test-chaos: deps deps-deploy
	$(SWIFT) build --product herald
	HERALD_BIN=.build/debug/herald python3 -W error::ResourceWarning -m unittest discover -s Tests/Chaos -p '*_test.py'

# The demo inbox in a real headless Chromium: live badge, page actions vs the API, reconnect after a
# server restart, CORS from another origin. Screenshots: Tests/Browser/artifacts/.
test-browser: deps-browser
	$(SWIFT) build --product herald
	python3 Tests/Browser/inbox_test.py --herald .build/debug/herald

check-openapi: deps-python
	python3 -m openapi_spec_validator openapi.yaml

# Property-based requests from the spec against a live server: no 5xx, responses as specified.
fuzz-api: deps-python check-openapi
	$(SWIFT) build --product herald
	bash Tests/Fuzz/run.sh .build/debug/herald

fmt:
	$(SWIFT) format --in-place --recursive $(FORMAT_PATHS)

lint:
	$(SWIFT) format lint --strict --recursive $(FORMAT_PATHS)

clean:
	rm -rf .build .build-tsan .build-asan .build-cov .build-mutation $(DATA_DIR)

# ThreadSanitizer over the Swift suites and a server under the bench's loads; fails on any report
# but those TSan cannot see through on Linux (Tests/Sanitizer/run.sh). Builds into .build-tsan.
tsan: deps
	bash Tests/Sanitizer/run.sh thread

# AddressSanitizer over a server under the same loads; fails on any error it reports. Builds into
# .build-asan.
asan: deps
	bash Tests/Sanitizer/run.sh address

# Line coverage of Sources by the Swift suites and the chaos, fuzz and browser tests together;
# the lines no test runs in .build-cov/uncovered.txt. Builds into .build-cov.
coverage: deps deps-deploy deps-python deps-browser
	bash Tests/Coverage/run.sh

# Mutation testing: a seeded sample of one-operator faults in Sources, each built and run through
# the Swift suites; the survivors in .build-mutation/report.md. Builds a copy of HEAD there.
MUTANTS ?= 60
SEED ?= 1
mutate: deps
	python3 Tests/Mutation/mutate.py --mutants $(MUTANTS) --seed $(SEED)

# The benchmark suite (Herald vs nginx+nchan vs raw memcached); results in bench/results/.
bench: deps
	@command -v nginx >/dev/null && [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] || { \
		sudo=""; [ "$$(id -u)" -ne 0 ] && sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq nginx libnginx-mod-nchan; }
	bash bench/run.sh $(SCENARIOS)

# perf on the server under one load (counts creates batches fanout fanout5k fanout14k fanout20k);
# see bench/profile.sh.
profile: deps perf
	bash bench/profile.sh $(LOAD)

# Where woken server threads and the load generator are queued and how long they wait to run,
# under one load (the same loads); see bench/wakeups.sh.
wakeups: deps perf
	bash bench/wakeups.sh $(LOAD)

perf:
	@command -v perf >/dev/null || { \
		sudo=""; [ "$$(id -u)" -ne 0 ] && sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq linux-perf; }

# Each kind of server thread's CPU, context switches and system calls per item under one load
# (counts creates batches fanout fanout5k fanout14k fanout20k), and the creates' latency tail; see
# bench/threads.sh.
threads: deps
	bash bench/threads.sh $(LOAD)

# How long the whole VM stopped under one load (the same loads), beside the disk's writes
# meanwhile; SCRATCH_DIR=/dev/shm for the database in memory. See bench/stalls.sh.
stalls: deps
	bash bench/stalls.sh $(LOAD)

# The pages each of the writer's transactions writes under one load (the same loads), by the table
# or index that owns them, and per write; see bench/walpages.sh.
walpages: deps
	bash bench/walpages.sh $(LOAD)

# A long mixed load on one server, memcached restarted halfway: what it holds, cycle by cycle, and
# `herald check` on the database it left (bench/soak.sh; a report in bench/results/soak-*.md).
MINUTES ?= 12
soak: deps
	bash bench/soak.sh $(MINUTES)

# The 1k/s and 5k/s fan-outs against nginx + nchan, measured with ../shared/bench/sse_fanout_bench.py
# rather than herald-bench (bench/crosscheck.sh; a report in bench/results/crosscheck-*.md).
crosscheck: deps
	bash bench/crosscheck.sh

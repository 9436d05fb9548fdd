# The two commands of the README: `make demo` and `make test`. Each sets up .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_HOME ?= demo-home
# The browser tests (reports, Dagster UI) drive Debian's chromium, never a downloaded one.
CHROMIUM := /usr/bin/chromium
# The PDF reports' text is read back by poppler's pdftotext in the tests.
PDFTOTEXT := /usr/bin/pdftotext
# axe-core, the accessibility checker the report tests run in Chromium (npm registry).
AXE_VERSION := 4.14.1
AXE := test-artifacts/axe-core-$(AXE_VERSION)/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The served test (tests/served) starts a throwaway cluster of Debian's PostgreSQL.
INITDB = $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))

.PHONY: install browser pdftotext postgresql demo test lint unit bench docs clean

install: $(STAMP)

# uv installs the same pinned versions as pip would, in seconds rather than minutes; the
# bytecode is compiled once here, not by each of the test groups at once.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

demo: install browser
	$(BIN)/reseau demo --home $(DEMO_HOME)

browser: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

pdftotext: $(PDFTOTEXT)

$(PDFTOTEXT):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq poppler-utils >/dev/null

$(AXE):
	@mkdir -p $(dir $(AXE))
	cd $(dir $(AXE)) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
	  tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js package/LICENSE && \
	  rm axe-core-$(AXE_VERSION).tgz

postgresql:
	@test -n "$(INITDB)" || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint dbt_project/models --disable-progress-bar --nocolor

# Both cores: the generated regions' tests (they share one region, built once) run beside
# the others, each group in its own pytest, and so do the tests of real processes (the
# served deployment: `reseau serve` and its daemon on PostgreSQL; runs killed with SIGKILL),
# mostly waiting on their runs; the other groups' reports follow the first's. Two tests of
# their own homes join the groups with room (their files' durations balance the three: each
# group takes 12 to 13 minutes here).
E2E := tests/e2e tests/synthetic tests/pipeline/test_deliveries.py
SERVED := tests/served tests/pipeline/test_crash.py tests/pipeline/test_published_warehouse.py \
	tests/pipeline/test_pdf_reports.py
# The lint of `make lint`, with sqlfluff (40 s: it compiles every model with dbt) beside the
# tests rather than before them, in a dbt target of its own.
test: install browser pdftotext postgresql $(AXE)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@mkdir -p test-artifacts
	@# Parse the dbt project once, so that the groups do not write its manifest at once.
	@$(BIN)/python -c "from pipelines.orchestration.assets.dbt import ensure_manifest; ensure_manifest()"
	@DBT_TARGET_PATH=$(CURDIR)/test-artifacts/sqlfluff-dbt DBT_LOG_PATH=$(CURDIR)/test-artifacts/sqlfluff-dbt \
	$(BIN)/sqlfluff lint dbt_project/models --disable-progress-bar --nocolor \
	  > test-artifacts/sqlfluff.log 2>&1 & sqlfluff=$$!; \
	$(BIN)/pytest --durations=10 $(SERVED) > test-artifacts/pytest-served.log 2>&1 & served=$$!; \
	$(BIN)/pytest --durations=10 $(E2E) > test-artifacts/pytest-regions.log 2>&1 & regions=$$!; \
	$(BIN)/pytest --durations=10 $(addprefix --ignore=,$(E2E) $(SERVED)); others=$$?; \
	wait $$regions; status=$$?; wait $$served; served_status=$$?; wait $$sqlfluff; lint=$$?; \
	echo "--- tests of the generated regions ($(E2E)):"; cat test-artifacts/pytest-regions.log; \
	echo "--- tests of the served deployment ($(SERVED)):"; cat test-artifacts/pytest-served.log; \
	echo "--- sqlfluff lint dbt_project/models:"; cat test-artifacts/sqlfluff.log; \
	test $$others -eq 0 && test $$status -eq 0 && test $$served_status -eq 0 && test $$lint -eq 0

# Sizes in referrals (the 10,000,000 home takes a long time to generate, once).
BENCH_SIZES ?= 100000 1000000 10000000
bench: install
	$(BIN)/python -m bench.run --sizes $(BENCH_SIZES)

clean:
	rm -rf $(VENV) $(DEMO_HOME) test-artifacts .demo-home.pseudonym-key dbt_project/target dbt_project/logs

# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
PORT   ?= 8501

.PHONY: run test test-fast browser services sample-data bench clean

## run: install into .venv if needed and serve the app on the bundled sample data
run: $(VENV)/.run-deps
	@echo "Opening the workbench on http://localhost:$(PORT) (Ctrl+C to stop)"
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

## test: install what the tests need (browser included) and run every test
test: $(VENV)/.dev-deps browser services
	$(PY) -m pytest

## test-fast: skip the browser test and the notebooks
test-fast: $(VENV)/.dev-deps
	$(PY) -m pytest -m "not browser" --ignore=notebooks

$(VENV)/bin/python:
	python3 -m venv $(VENV)

# The library installs as a package (editable: the checkout is the code), with its `segmentation` command.
$(VENV)/.run-deps: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -e .
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install -r requirements-dev.txt
	$(PIP) install --no-deps -e .
	@touch $(VENV)/.run-deps $@

## browser: Debian's Chromium for the browser test (Playwright drives it; nothing is downloaded by Playwright)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; }
	@chromium --version

## services: Debian's PostgreSQL (the tests start their own server on a free loopback port) and Java for PySpark
services:
	@{ command -v java >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql openjdk-17-jre-headless >/dev/null; }
	@java -version 2>&1 | head -1
	@ls -d /usr/lib/postgresql/*/bin

## sample-data: regenerate sample_data/ (the same bytes every time)
sample-data: $(VENV)/.run-deps
	$(PY) -m segmentation.sample sample_data

## bench: run the benchmarks and collect their results in bench/RESULTS.md
bench: $(VENV)/.dev-deps
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache test-output bench/data

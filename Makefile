# Two commands matter: `make demo` and `make test`. Everything else is a building block.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

# Every installable package in the repository; order does not matter (pip resolves local names together).
PACKAGES := libs/stampli_nav_events libs/stampli_nav_rules libs/stampli_samples libs/stampli_files libs/embedded_sftp libs/bc_client libs/bc_emulator \
	libs/vendor_matching source-stampli-sftp destination-dynamics-nav source-dynamics-nav destination-stampli-sftp runner \
	webhook-receiver
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
TEST_TIMEOUT ?= 300

PYAIRBYTE_VENV := .venv-pyairbyte

.PHONY: install lint format test unit pyairbyte-test demo demo-nav-classic bench bench-source bench-destination bench-emulator reliability images image-test clean

install: $(VENV)/.installed

$(VENV)/.installed: $(PYPROJECTS) requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=24"
	$(PIP) install --quiet -r requirements-dev.txt $(foreach p,$(PACKAGES),-e "./$(p)[test]")
	touch $@

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Container image tests need an engine and built images: they run in `make image-test`, not here.
test: install lint
	$(PY) -m pytest -q -n 2 --timeout=$(TEST_TIMEOUT) -m "not image_tests and not pyairbyte"

unit: install
	$(PY) -m pytest -q -n 2 --timeout=$(TEST_TIMEOUT) -m "not slow and not image_tests and not pyairbyte"

# The four connectors under PyAirbyte (with and without its DuckDB cache), from PyAirbyte's own virtualenv: the
# connectors and the test servers stay in .venv. Not part of `make test` (PyAirbyte pulls ~200 packages).
pyairbyte-test: install $(PYAIRBYTE_VENV)/.installed
	STAMPLI_NAV_VENV="$(abspath $(VENV))" $(PYAIRBYTE_VENV)/bin/python -m pytest -q -c tests/pyairbyte/pytest.ini \
		-m pyairbyte tests/pyairbyte

$(PYAIRBYTE_VENV)/.installed: tests/pyairbyte/requirements.txt
	test -x $(PYAIRBYTE_VENV)/bin/python || $(PYTHON) -m venv $(PYAIRBYTE_VENV)
	$(PYAIRBYTE_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(PYAIRBYTE_VENV)/bin/python -m pip install --quiet -r tests/pyairbyte/requirements.txt
	touch $@

demo: install
	$(PY) -m stampli_nav_runner.demo

demo-nav-classic: install  # the same exports against a classic NAV 2018 server (page web services, issue 13)
	$(PY) -m stampli_nav_runner.demo --nav-classic basic --root .demo-nav-classic

bench: bench-source bench-destination bench-emulator

bench-emulator: install
	$(PY) libs/bc_emulator/bench/bench_emulator.py

bench-source: install
	bash bench/run_source_bench.sh

bench-destination: install
	$(PY) bench/bench_destination.py

reliability: install
	$(PY) -m pytest -q tests/reliability --crash-trials=100 -s
	$(PY) bench/load_run.py

images:
	bash packaging/build_images.sh

image-test:
	bash packaging/image_test.sh

clean:
	rm -rf $(VENV) $(PYAIRBYTE_VENV) .demo .demo-nav-classic .runs bench/.work

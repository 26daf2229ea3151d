# The two set-up commands of the README: `make report` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS := dataset-fashion-mnist chromium poppler-utils fonts-dejavu-core
PROFILE ?= quick
RESULTS := results/bench-$(PROFILE).json
REPORT := results/site

.PHONY: report test install system bench baselines lint clean publish

install: system $(STAMP)

system:
	@dpkg -s $(DEBS) >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $(DEBS); }

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

bench: install
	mkdir -p results
	$(PY) -m pytest bench/ -p no:cacheprovider --vg-profile $(PROFILE) --benchmark-json $(RESULTS)

# Your run's report in its own folder; site/ (the published study) is left as it is.
report: bench
	$(PY) -m vgmodels.report --results $(RESULTS) --out $(REPORT)  # ends with the paths of index.html and report.pdf
	@echo "Your report: $(REPORT)/index.html (the published study stays in site/; make publish rebuilds it)"

# Republish the study on purpose, from the records committed under $(STUDY) (resumed: only what is
# missing trains): the paper profile, paper300's three cases, the sweeps where present; another
# device's runs of the same seeds ($(OTHER)) only for the setup's comparison. Rendered into site/.
STUDY ?= study/cpu
OTHER ?= study/h200/paper
publish: install
	mkdir -p results
	$(PY) -m pytest bench/ -p no:cacheprovider --vg-profile paper --vg-runs $(STUDY)/paper --vg-resume --benchmark-json results/bench-paper.json
	$(PY) -m pytest bench/test_cases.py -p no:cacheprovider --vg-profile paper300 --vg-cases depth3,depth5,baseline --vg-runs $(STUDY)/paper300 --vg-resume
	$(PY) -m vgmodels.report --results results/bench-paper.json $(STUDY)/paper300 $(wildcard $(STUDY)/sweeps $(STUDY)/beyond200) $(if $(wildcard $(OTHER)),--other-device $(OTHER)) --out site

test: install
	$(PY) -m ruff check vgmodels bench tests
	$(PY) -m ruff format --check vgmodels bench tests
	$(VENV)/bin/actionlint .github/workflows/*.yml
	$(PY) -m pytest tests
	mkdir -p results
	$(PY) -m pytest bench/ -p no:cacheprovider --vg-profile smoke \
	  --vg-baseline bench/baselines/smoke.json --benchmark-json results/bench-smoke.json
	$(PY) -m vgmodels.report --results results/bench-smoke.json --out results/site-smoke

# Regenerate the committed accuracy baselines (3 seeds each).
baselines: install
	mkdir -p results
	$(PY) -m pytest bench/ -p no:cacheprovider --vg-profile smoke --vg-seeds 3 --benchmark-json results/seeds-smoke.json
	$(PY) -m vgmodels.check results/seeds-smoke.json --write-baseline bench/baselines/smoke.json
	$(PY) -m pytest bench/ -p no:cacheprovider --vg-profile quick --vg-seeds 3 --benchmark-json results/seeds-quick.json
	$(PY) -m vgmodels.check results/seeds-quick.json --write-baseline bench/baselines/quick.json

lint: install
	$(PY) -m ruff format vgmodels bench tests
	$(PY) -m ruff check --fix vgmodels bench tests

clean:
	rm -rf results .benchmarks .pytest_cache

# Backpropagation calculus lesson: `make` renders it, `make test` tests it.
# Everything installs itself on first use: Debian packages (scripts/system-deps),
# a virtual environment in .venv and the project, editable, with its test extras.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LESSON ?= mathcore/lessons/default.toml

.PHONY: all install system-deps test explain bench clean

all: explain

system-deps:
	@scripts/system-deps

install: system-deps $(STAMP)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

test: install
	$(PY) -m pytest

explain: install
	$(PY) -m mathcore explain $(LESSON)

bench: install
	$(PY) scripts/bench_mathcore.py

clean:
	rm -rf media/* .pytest_cache .hypothesis

# Two set-up commands on a fresh machine (only Python 3.10+ needed):
#   make demo   install into .venv and run the main job
#   make test   install into .venv (with dev tools) and run the whole test suite
# Both install the locked dependency set (requirements/lock.txt, see README "Dependencies").
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements/lock.txt

.PHONY: demo test lint bench lock test-latest clean docs

$(BIN)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/ohmslice demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks docs/_gen_cli.py

# Refresh the lock from pyproject.toml: the newest releases, for every Python from 3.10.
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet uv
	.venv-lock/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.10 \
		--no-header --quiet -o $(LOCK).new
	{ echo "# ohmslice's locked dependency set, every Python >= 3.10. Made by 'make lock'; do not edit."; \
	  cat $(LOCK).new; } > $(LOCK) && rm $(LOCK).new

# The suite against the newest releases (no lock), in a venv of its own: drift is seen early.
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade -e '.[dev]'
	.venv-latest/bin/python -m pytest -q

$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev,bench]'
	touch $@

bench: $(BIN)/.bench-installed
	# eis.py also runs drt.py (the DRT and lin-KK side by side)
	for b in eis timeconst pulses decompose simulate run_stages cycling read batch conductivity; do $(BIN)/python benchmarks/$$b.py || exit 1; done

# The documentation site (site/index.html), warnings as errors; the suite builds it too
docs: $(BIN)/.installed
	$(BIN)/python -m mkdocs build --strict

clean:
	rm -rf $(VENV) .venv-latest .venv-lock build *.egg-info src/*.egg-info site

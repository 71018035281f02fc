# mmstudy: every target bootstraps its own virtual environment in .venv (git-ignored).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup test test-slow demo bench validate clean

help:
	@echo "make demo      set up .venv and run the demo (built-in solver, analysis, OOMMF data)"
	@echo "make test      set up .venv and run the test suite (CI runs exactly this)"
	@echo "make test-slow run the long physics checks (pytest -m slow)"
	@echo "make bench     measure reader and analysis speed; writes benchmarks/results/*.md"
	@echo "make validate  run the full solver-vs-OOMMF comparisons; writes validation/report.md"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -q

demo: $(STAMP)
	$(BIN)/python -m orchestrator.demo demo_output

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_io.py --out benchmarks/results/io.md
	$(BIN)/python benchmarks/bench_analysis.py --out benchmarks/results/analysis.md
	$(BIN)/python benchmarks/bench_solver.py --out benchmarks/results/solver.md
	$(BIN)/python benchmarks/bench_dispatch.py --out benchmarks/results/dispatch.md

validate: $(STAMP)
	$(BIN)/python -m orchestrator.validate validation

clean:
	rm -rf $(VENV) demo_output .pytest_cache .hypothesis

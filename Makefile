# mmstudy: every target bootstraps its own virtual environment in .venv (git-ignored).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup test check-wheel test-slow demo bench validate clean janus janus-quick

help:
	@echo "make demo      set up .venv and run the demo (built-in solver, analysis, OOMMF data)"
	@echo "make test      set up .venv and run the test suite, then the wheel check (CI runs exactly this)"
	@echo "make check-wheel  build the wheel, install it (not editable) into a temporary venv and"
	@echo "               run mmstudy from outside the checkout (part of make test)"
	@echo "make test-slow run the long physics checks (pytest -m slow)"
	@echo "make bench     measure reader and analysis speed; writes benchmarks/results/*.md"
	@echo "make validate  run the full solver-vs-OOMMF comparisons; writes validation/report.md"
	@echo "make janus     reproduce paper 000 (Janus skyrmion), ~1 h 45 min on 2 cores; reports/janus/full/"
	@echo "make janus-quick  the same, coarser and shorter (~8 min); reports/janus/quick/"
	@echo "               (BACKEND=builtin|oommf|mumax3, default builtin)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q
	$(BIN)/python tests/packaging/check_wheel.py

# the installed package as users get it: wheel → fresh venv (deps from .venv, no network)
# → `mmstudy scripts` (mumax3, OOMMF) and `mmstudy run` (built-in) outside the checkout
check-wheel: $(STAMP)
	$(BIN)/python tests/packaging/check_wheel.py

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -q

demo: $(STAMP)
	$(BIN)/python -m orchestrator.demo demo_output

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_io.py --out benchmarks/results/io.md
	$(BIN)/python benchmarks/bench_analysis.py --out benchmarks/results/analysis.md
	$(BIN)/python benchmarks/bench_solver.py --out benchmarks/results/solver.md
	$(BIN)/python benchmarks/bench_dispatch.py --out benchmarks/results/dispatch.md
	$(BIN)/python benchmarks/bench_minimize.py --out benchmarks/results/minimize.md

validate: $(STAMP)
	$(BIN)/python -m orchestrator.validate validation

# paper 000 (orchestrator/papers/janus): runs studies/janus/*.toml into runs/janus*/ (resumed
# on rerun) and writes reports/janus/
BACKEND ?= builtin
janus: $(STAMP)
	$(BIN)/python -m orchestrator.papers.janus --backend $(BACKEND)

janus-quick: $(STAMP)
	$(BIN)/python -m orchestrator.papers.janus --quick --backend $(BACKEND)

clean:
	rm -rf $(VENV) demo_output .pytest_cache .hypothesis

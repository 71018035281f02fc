# mmstudy: every target bootstraps its own virtual environment in .venv (git-ignored).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the papers: every folder of orchestrator/papers/ with a paper.toml (make <paper>,
# make <paper>-quick); BACKEND=builtin|oommf|mumax3 picks the solver
PAPERS := $(notdir $(patsubst %/paper.toml,%,$(wildcard orchestrator/papers/*/paper.toml)))
BACKEND ?= builtin

.PHONY: help setup test check-wheel test-slow demo bench validate clean papers-quick \
	paper-report $(PAPERS) $(addsuffix -quick,$(PAPERS))

help:
	@echo "make demo      set up .venv and run the demo (built-in solver, analysis, OOMMF data)"
	@echo "make test      set up .venv and run the test suite, then the wheel check (CI runs exactly this)"
	@echo "make check-wheel  build the wheel, install it (not editable) into a temporary venv and"
	@echo "               run mmstudy from outside the checkout (part of make test)"
	@echo "make test-slow run the long physics checks (pytest -m slow)"
	@echo "make bench     measure reader and analysis speed; writes benchmarks/results/*.md"
	@echo "make validate  run the full solver-vs-OOMMF comparisons; writes validation/report.md"
	@echo "make <paper>   reproduce a paper: run its studies, analyse, write reports/<paper>/full/"
	@echo "make <paper>-quick  the same, coarser and shorter; reports/<paper>/quick/"
	@echo "make papers-quick   every paper's quick mode"
	@echo "make paper-report P=<paper> [QUICK=1]  write a paper's report again from its finished runs"
	@echo "               papers: $(PAPERS) (times: $(BIN)/python -m orchestrator.papers list)"
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

# the papers (orchestrator/papers/<paper>/paper.toml): `make janus` runs the paper's study
# files into runs/janus/<backend>/ (resumed on rerun) and writes reports/janus/full/;
# `make janus-quick` the same with its quick overrides (runs/janus-quick/, reports/janus/quick/)
$(PAPERS): %: $(STAMP)
	$(BIN)/python -m orchestrator.papers run $@ --backend $(BACKEND)

$(addsuffix -quick,$(PAPERS)): %-quick: $(STAMP)
	$(BIN)/python -m orchestrator.papers run $* --quick --backend $(BACKEND)

papers-quick: $(addsuffix -quick,$(PAPERS))

# the report again from finished runs, running nothing: make paper-report P=janus [QUICK=1]
paper-report: $(STAMP)
	@test -n "$(P)" || { echo "make paper-report P=<paper> [QUICK=1]; papers: $(PAPERS)"; exit 2; }
	$(BIN)/python -m orchestrator.papers report $(P)$(if $(filter 1 yes true,$(QUICK)), --quick) --backend $(BACKEND)

clean:
	rm -rf $(VENV) demo_output .pytest_cache .hypothesis

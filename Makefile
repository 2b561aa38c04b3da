# The course's commands. Each target sets up the virtual environment it needs (.venv in the repository).
#   make lab      start JupyterLab at the course; self-learners work in my-work/ (copied once, never replaced)
#   make check    everyday work: lint and the fast tests (no nbgrader pipeline, notebook run or browser), < 1 min
#   make test     lint and run every test (what CI runs)
#   make demo     the instructor pipeline on demo submissions: generate, autograde, feedback, grades.csv
#   make release  regenerate release/ from source/ with nbgrader (refuses to replace unsaved edits)
#   make exchange create nbgrader's exchange folder with safe permissions (1777) and print where it is
#   make grade    grade a whole class in parallel (ASSIGNMENT=...)
#   make grade-safely  the same, each kernel sandboxed: no network, no writes outside its folder (root)
#   make report   after grading: reports/<assignment>.html, the class on one offline page (ASSIGNMENT=...)
#   make adversarial   write the adversarial submissions into a course copy (COURSE=dir)
#   make student-dist  build dist/student/ + dist/student.zip: what students get, no answers (REPLACE=1 over edits)
#   make test-hub a real class on JupyterHub + PostgreSQL on 127.0.0.1, with throwaway Unix users (root; tests/hub)

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader runs `alembic` and the kernels from PATH: the environment's bin comes first.
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: lab check test lint demo release exchange clean-demo setup setup-dev grade benchmark grade-safely adversarial student-dist report hub-setup test-hub

setup: $(VENV)/.student-installed
setup-dev: $(VENV)/.dev-installed

# nnlab.lab_setup sets JupyterLab up in .venv: offline (no news, no update checks), with the course's CSS.
$(VENV)/.student-installed: requirements.txt pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m nnlab.lab_setup
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.student-installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

# JupyterLab refuses to run as root (a container, a cloud VM) unless told it may.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup exchange
	$(BIN)/python -m tools.my_work
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
		$(ALLOW_ROOT) $(LAB_ARGS)

lint: setup-dev
	$(BIN)/ruff check .

# The fast tier: every test not marked slow (nbgrader, whole notebooks, pipelines) or browser (pyproject.toml).
check: lint
	$(BIN)/python -m pytest -q -m "not slow and not browser" $(PYTEST_ARGS)

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: setup
	$(BIN)/python -m tools.demo

release: setup
	$(BIN)/python -m tools.release

exchange: setup
	$(BIN)/python -m tools.exchange

# Remove only the demo students (folders, gradebook records, the demo's own exchange); nobody else's work.
clean-demo: setup
	$(BIN)/python -m tools.demo --clean

# Grade a whole class in parallel: make grade ASSIGNMENT=01_activations [JOBS=4]
grade: setup
	@test -n "$(ASSIGNMENT)" || (echo "usage: make grade ASSIGNMENT=<assignment> [JOBS=n]"; exit 2)
	$(BIN)/python -m tools.grade $(ASSIGNMENT) $(if $(JOBS),--jobs $(JOBS))

# The same grading with every submission's kernel sandboxed (needs root): make grade-safely ASSIGNMENT=01_activations
grade-safely: setup
	@test -n "$(ASSIGNMENT)" || (echo "usage: make grade-safely ASSIGNMENT=<assignment> [JOBS=n]"; exit 2)
	$(BIN)/python -m tools.grade_safely $(ASSIGNMENT) $(if $(JOBS),--jobs $(JOBS))

# After grading, one page about the class: make report ASSIGNMENT=01_activations [PREVIOUS=saved .scores.json]
report: setup
	@test -n "$(ASSIGNMENT)" || (echo "usage: make report ASSIGNMENT=<assignment> [PREVIOUS=<scores.json>]"; exit 2)
	$(BIN)/python -m tools.report $(ASSIGNMENT) $(if $(PREVIOUS),--previous $(PREVIOUS))

# Write the adversarial submissions (tools/adversarial/) into a generated course copy: make adversarial COURSE=dir
adversarial: setup
	@test -n "$(COURSE)" || (echo "usage: make adversarial COURSE=<course copy with release/ generated>"; exit 2)
	$(BIN)/python -m tools.adversarial --course-dir $(COURSE)

# Benchmarks (scripts that print numbers): grading speed, notebook run times, MNIST inference.
benchmark: setup
	$(BIN)/python benchmarks/notebooks.py
	$(BIN)/python benchmarks/grading.py

student-dist: setup
	$(BIN)/python -m tools.student_dist $(if $(REPLACE),--replace)

# The hub's environment, installed as deploy/jupyterhub/README.md installs it on a site, so that the throwaway users'
# servers never read this repository (wherever it is cloned, even under /root): Debian's PostgreSQL, Node.js and
# venv if missing (root, apt-get); HUB_VENV, a virtual environment outside the repository that every user can read
# and run (from Debian's Python), with the course's requirements.txt (without its `-e .`), the hub's, pytest, wheel
# and the course's package itself, not editable, built from a copy of nnlab/ and grader/ (so nothing is written
# here) and reinstalled by every `make hub-setup` (quick); configurable-http-proxy
# from package-lock.json (run by the hub, as root, so it stays here). Tests download nothing.
HUB := deploy/jupyterhub
HUB_PYTHON ?= /usr/bin/python3
HUB_VENV ?= /opt/nnlab-hub/venv
HUB_DEBS := $(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql) \
	$(if $(shell command -v npm),,nodejs npm) $(if $(shell $(HUB_PYTHON) -c 'import ensurepip' 2>/dev/null && echo y),,python3-venv)
hub-setup: $(HUB_VENV)/.installed $(HUB)/node_modules/.installed
	@umask 022 && staging=$$(mktemp -d) && trap 'rm -rf "$$staging"' EXIT && \
	  tar -cf - --exclude=__pycache__ pyproject.toml README.md nnlab grader | tar -xf - -C "$$staging" && \
	  $(HUB_VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation --force-reinstall "$$staging"
	$(HUB_VENV)/bin/python -m nnlab.lab_setup
	@echo "hub-setup: the course's package installed into $(HUB_VENV) (not editable)"

$(HUB_VENV)/.installed: requirements.txt pyproject.toml $(HUB)/requirements.txt
	@if [ -n "$(strip $(HUB_DEBS))" ]; then apt-get update -qq && apt-get install -y -qq $(HUB_DEBS) >/dev/null; fi
	@umask 022 && mkdir -p $(dir $(HUB_VENV)) && { test -x $(HUB_VENV)/bin/python || $(HUB_PYTHON) -m venv $(HUB_VENV); }
	grep -v '^-e' requirements.txt > $(HUB_VENV)/course-requirements.txt
	umask 022 && $(HUB_VENV)/bin/python -m pip install --quiet -r $(HUB_VENV)/course-requirements.txt \
	  -r $(HUB)/requirements.txt 'pytest>=8,<10' wheel
	@chmod -R a+rX $(HUB_VENV)
	@touch $@

$(HUB)/node_modules/.installed: $(HUB)/package.json $(HUB)/package-lock.json | $(HUB_VENV)/.installed
	cd $(HUB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-hub: hub-setup
	NNLAB_TEST_HUB=1 NNLAB_HUB_VENV=$(HUB_VENV) PATH="$(HUB_VENV)/bin:$$PATH" \
	  $(HUB_VENV)/bin/python -m pytest -rP tests/hub $(PYTEST_ARGS)

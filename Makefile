# Two commands matter: `make report` and `make test`. Both set up the virtual environment first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup report test lint lab bench clean

setup: $(STAMP)

# The first setup downloads and installs ~150 packages (a few minutes): pip shows each one.
$(STAMP): pyproject.toml
	@echo "== setup 1/4: virtual environment $(VENV) ($(PYTHON))"
	$(PYTHON) -m venv $(VENV)
	@echo "== setup 2/4: upgrading pip"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "== setup 3/4: installing hadr_model and its dependencies (a few minutes the first time)"
	$(BIN)/python -m pip install --progress-bar on -e ".[test,dask]"
	@echo "== setup 4/4: registering the python3 Jupyter kernel of $(VENV)"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)
	@echo "== setup done"

# hadr report prints each step on stderr (and a per-cell progress bar on a terminal).
report: setup
	$(BIN)/hadr report --out reports/

lint: setup
	$(BIN)/ruff check hadr_model tests benchmarks
	$(BIN)/mypy

test: setup lint
	$(BIN)/python -m pytest -q

lab: setup
	$(BIN)/jupyter lab notebooks/

bench: setup
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) reports/*.html reports/*.json reports/*.ipynb reports/*.png build *.egg-info

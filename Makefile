# Two commands a newcomer runs on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint train clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/solesource demo

test: $(STAMP)
	$(BIN)/python -m pytest

train: $(STAMP)
	$(BIN)/python scripts/train_vendor.py
	$(BIN)/python scripts/train_dates.py

lint: $(STAMP)
	$(BIN)/ruff check monitor extractors notifications fastscan tests scripts

clean:
	rm -rf $(VENV) demo-output

# Zhibu: the two commands.
#   make run   set everything up on a fresh machine and serve the demo on http://127.0.0.1:5000
#   make test  set up everything the tests need and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := .make

export ZHIBU_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run run-https test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP)/python-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@mkdir -p $(STAMP) && touch $@

run: $(STAMP)/python-deps
	$(BIN)/flask --app server db upgrade
	$(BIN)/flask --app server demo --if-empty
	$(BIN)/flask --app server serve --port $(PORT) $(if $(HTTPS),--https,)

# Serve on the local network over HTTPS (phones need a secure context for the camera and the
# service worker); prints the LAN address as a QR code.
run-https:
	$(MAKE) run HTTPS=1

test: $(STAMP)/python-deps
	bash scripts/test.sh

# Benchmarks (bench/): prints a table and writes bench/results/latest.json.
bench: $(STAMP)/python-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(STAMP)

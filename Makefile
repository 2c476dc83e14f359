# Zhibu: the two commands.
#   make run   set everything up on a fresh machine and serve the demo on http://127.0.0.1:5000
#   make test  set up everything the tests need and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := .make

export ZHIBU_INSTANCE_PATH ?= $(CURDIR)/instance

# The PWA (pwa/): `npm ci` when the lock file changes, `npm run build` when its sources change.
NPM      ?= npm
PWA_SRC  := $(shell find pwa/src pwa/public -type f 2>/dev/null) pwa/index.html pwa/vite.config.js pwa/package.json

.PHONY: run run-https test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP)/python-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/pwa-deps: pwa/package-lock.json
	cd pwa && $(NPM) ci --no-audit --no-fund
	@mkdir -p $(STAMP) && touch $@

$(STAMP)/pwa-build: $(STAMP)/pwa-deps $(PWA_SRC)
	cd pwa && $(NPM) run build
	@mkdir -p $(STAMP) && touch $@

run: $(STAMP)/python-deps $(STAMP)/pwa-build $(STAMP)/fonts
	$(BIN)/flask --app server db upgrade
	$(BIN)/flask --app server demo --if-empty
	$(BIN)/flask --app server serve --port $(PORT) $(if $(HTTPS),--https,)

# Serve on the local network over HTTPS (phones need a secure context for the camera and the
# service worker); prints the LAN address as a QR code.
run-https:
	$(MAKE) run HTTPS=1

# The CJK font embedded in generated PDFs (server/core/pdf.py): WenQuanYi Micro Hei, TrueType, 4 MB.
$(STAMP)/fonts:
	test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || apt-get install -y fonts-wqy-microhei || (apt-get update && apt-get install -y fonts-wqy-microhei)
	@mkdir -p $(STAMP) && touch $@

# The browser tests drive Debian's Chromium (/usr/bin/chromium); Playwright never downloads one.
# The same Chinese font (fonts target) makes pages render as on a phone (and screenshots read).
$(STAMP)/chromium: $(STAMP)/fonts
	command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)
	@mkdir -p $(STAMP) && touch $@

# The PWA's unit tests (Vitest) run first; a failure stops the command.
test: $(STAMP)/python-deps $(STAMP)/pwa-build $(STAMP)/chromium $(STAMP)/fonts
	cd pwa && $(NPM) test -- --run
	bash scripts/test.sh

# Benchmarks (bench/): prints a table and writes bench/results/latest.json.
bench: $(STAMP)/python-deps
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(STAMP) pwa/node_modules pwa/dist

# Two commands on a fresh machine: `make run` serves the site, `make test` checks it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app petition
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint format venv system-packages chromium node-tools translations extract update-translations db bench load lighthouse clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Debian's packages the site and its tests need: Chromium for the browser tests (Playwright never
# downloads a browser of its own), zbar to read QR codes back, poppler to read PDFs back, wrk for the
# benchmarks; and for the PDFs (petition/typesetting.py) cairo, Pango and the Noto fonts, which cover
# every script signers write (fonts-noto-core: Latin, Arabic, Indic, Hebrew, Inuktitut syllabics and
# more; fonts-noto-cjk: Chinese, Japanese, Korean). Only what is missing is installed.
# Java runs the Nu HTML Checker (tests/test_html_checker.py) and npm installs it: Debian's are
# installed only where the machine has none of its own.
DEBIAN_PACKAGES := chromium fonts-dejavu-core zbar-tools poppler-utils wrk libcairo2 libpango-1.0-0 \
	libpangocairo-1.0-0 fonts-noto-core fonts-noto-cjk \
	$(if $(shell command -v java),,default-jre-headless) $(if $(shell command -v npm),,nodejs npm)
system-packages:
	@missing="$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's $$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

# The name older notes and scripts use.
chromium: system-packages

# The test tools from npm, as package-lock.json pins them: the Nu HTML Checker (vnu-jar ships its
# vnu.jar; its install script, which would fetch a Java of its own, is not run).
node_modules/.installed: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

node-tools: node_modules/.installed

translations: venv
	$(BIN)/pybabel compile -d translations

# Translation workflow: extract the strings, merge them into the catalogues, translate, compile.
extract: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k bilingual -k bilingual_plural:1,2 -k in_language_plural:2,3 --no-location --sort-output -o translations/messages.pot .

update-translations: extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

db: venv
	APP_ENV=$${APP_ENV:-development} $(FLASK) db upgrade
	APP_ENV=$${APP_ENV:-development} $(FLASK) endorsements import --if-empty

run: venv translations db
	APP_ENV=$${APP_ENV:-development} $(FLASK) run --debug --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: venv system-packages node-tools translations lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: venv translations
	$(BIN)/python -m bench.routes $(BENCH_ARGS)

# 20,000 signers submit and confirm under gunicorn with mail workers and an SMTP sink, then the
# accounting (bench/README.md); LOAD_ARGS="--faults --database-url postgresql://…" and so on.
load: venv translations
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# Lighthouse's four scores for /en/ and /fr/ as a phone and a desktop (bench/lighthouse.py), with the
# pinned Lighthouse from the npm registry and Debian's Chromium; LIGHTHOUSE_ARGS="--pages /en/,/fr/privacy".
LIGHTHOUSE_VERSION := 12.8.2
lighthouse: venv translations system-packages
	LIGHTHOUSE="npm exec --yes --package=lighthouse@$(LIGHTHOUSE_VERSION) -- lighthouse" \
		$(BIN)/python -m bench.lighthouse $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache

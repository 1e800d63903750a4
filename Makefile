# Microblog: `make run` to serve, `make test` to check everything. Both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 4
DEV_MAIL_PORT ?= 8025

# Debian packages the test suite drives for real: jq (the cookbook), chromium (browser tests),
# postgresql (the PostgreSQL suite), wrk (the benchmarks' smoke test), lnav (docs/lnav's format),
# redis-server (login limits shared by gunicorn workers). Installed only when missing.
TEST_DEBS := jq chromium postgresql wrk lnav redis-server

.PHONY: run serve test lint bench install install-dev system-deps clean
.PHONY: mail logs lock screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs come from the hashed lock files (requirements/*.txt, made by `make lock` with uv),
# then the project itself without dependencies: every install gets the same versions.
LOCK_RUNTIME := requirements/runtime.txt
LOCK_DEV     := requirements/dev.txt
UV_VERSION   ?= 0.13.9
# The project's bytecode, compiled as pip compiles every package it installs from a wheel, so no
# command compiles our modules again at each start (under PYTHONDONTWRITEBYTECODE none is saved).
PRECOMPILE   := $(BIN)/python -m compileall -q app observability

$(VENV)/.installed: pyproject.toml $(LOCK_RUNTIME) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK_RUNTIME)
	$(BIN)/pip install --quiet --no-deps -e .
	$(PRECOMPILE)
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK_DEV) | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK_DEV)
	$(BIN)/pip install --quiet --no-deps -e .
	$(PRECOMPILE)
	touch $@ $(VENV)/.installed

# Re-resolve the locks from pyproject.toml (after adding or bumping a dependency); one universal
# resolution covers Python 3.11 to 3.13 on every platform. Commit requirements/ afterwards.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	  --quiet --output-file $(LOCK_RUNTIME)
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
	  --generate-hashes --quiet --output-file $(LOCK_DEV)

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):8000 wsgi:app

# A development SMTP server that prints every email it receives (aiosmtpd is a runtime dependency).
mail: install
	@echo "SMTP server on localhost:$(DEV_MAIL_PORT); in another terminal:"
	@echo "  MAIL_SERVER=localhost MAIL_PORT=$(DEV_MAIL_PORT) ADMINS=you@example.com make run"
	$(BIN)/python -m aiosmtpd -n -l localhost:$(DEV_MAIL_PORT)

# One request's story from logs/: make logs ID=7K3MQ-9XA2B-TR5WN
logs: install
	@test -n "$(ID)" || (echo "usage: make logs ID=<request id>" >&2 && exit 2)
	$(BIN)/microblog-logs show '$(ID)'

# The README's pictures (docs/screenshots/*.png), of a seeded demo, by the browser tests' Chromium.
screenshots: install-dev system-deps
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

system-deps:
	@missing=""; \
	command -v jq >/dev/null || missing="$$missing jq"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v rg >/dev/null || missing="$$missing ripgrep"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v lnav >/dev/null || missing="$$missing lnav"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v mkfs.ext4 >/dev/null || missing="$$missing e2fsprogs"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "WARNING: could not install$$missing; the tests that need them will say so"; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install-dev system-deps lint
	$(BIN)/pytest
	@echo "== the app tests again, on a throwaway PostgreSQL server =="
	$(BIN)/pytest tests/app -m "not slow" --postgres
	@echo "== the fast suite on the other supported Pythons (3.11-3.13) that are installed =="
	$(BIN)/nox --sessions others

# The load generator is Debian's wrk, the log search's yardstick Debian's ripgrep; the figures
# and their targets are in docs/benchmarks.md.
bench: install-dev
	@command -v wrk >/dev/null || (echo "installing Debian package: wrk" && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	@command -v rg >/dev/null || (echo "installing Debian package: ripgrep" && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ripgrep >/dev/null)
	$(PRECOMPILE)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .nox .pytest_cache .ruff_cache .mypy_cache

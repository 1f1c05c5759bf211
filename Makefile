# collecte: two commands do all the set-up on a fresh Debian machine (as root).
#   make demo   install what is missing, start services + sandbox + Airflow, run the DAGs, print a summary
#   make test   the same set-up, then the whole test suite
#   make stop   stop what `make demo` started

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SYSTEM_PACKAGES := python3-venv openssh-server acl postgresql chromium poppler-utils default-jre-headless fonts-dejavu-core fonts-dejavu-extra redis-server openssl
PYTEST_ARGS ?=

.PHONY: setup system venv demo stop status test lint bench clean

setup: system venv

# apt-get only when a package is missing: a re-run costs a few dpkg look-ups.
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

# EXECUTOR=celery: Redis broker, PostgreSQL metadata DB, WORKERS Celery workers on every queue, or one
# worker per space-separated group of WORKER_QUEUES (e.g. WORKER_QUEUES="browser,default api").
EXECUTOR ?= local
WORKERS ?= 2
WORKER_QUEUES ?=

demo: setup
	COLLECTE_EXECUTOR=$(EXECUTOR) COLLECTE_WORKERS=$(WORKERS) COLLECTE_WORKER_QUEUES="$(WORKER_QUEUES)" \
	  $(PY) -m sandbox.demo start

stop:
	@if [ -x $(PY) ]; then $(PY) -m sandbox.demo stop; fi

status:
	$(PY) -m sandbox.demo status

test: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

bench: setup
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean: stop
	rm -rf .local

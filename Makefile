# On a fresh machine: `make demo`, `make test` (`make test-pg` on the local PostgreSQL);
# `make serve` runs the production shape.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
# pytest-xdist: one test process per CPU keeps the suite to a few minutes.
PYTEST_ARGS ?= -n auto
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: demo serve test test-pg lint format bench clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	DEBUG=true ALLOW_INSECURE_SIS_URLS=true $(PY) manage.py demo

# Production on one machine, from the environment (.env): migrate, collectstatic,
# gunicorn and a qcluster; Ctrl-C stops all of it. See the README's "Production".
serve: $(STAMP)
	$(PY) manage.py serve

test: $(STAMP) lint
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL (the machines' local server; CI runs both).
test-pg: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) $(MAKE) test

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# The benchmarks of bench/README.md on the current database (DATABASE_URL; on PostgreSQL
# its name must contain "bench": it is dropped and re-created): the 100,000-student
# district against the floor, then, on PostgreSQL (+ Redis for the fleet), the vendor's
# night (200 districts at once) and the admin at a million people. Each appends to
# bench/RESULTS.md. BENCH_ARGS, FLEET_ARGS and ADMIN_ARGS pass options to each.
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)
	@case "$$DATABASE_URL" in postgres*) \
	  $(PY) -m bench.fleet $(FLEET_ARGS) && $(PY) -m bench.admin $(ADMIN_ARGS) ;; \
	*) echo "The fleet and admin benchmarks run on PostgreSQL: set DATABASE_URL (see bench/README.md)." ;; \
	esac

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var .pytest_cache .ruff_cache

# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/wanggetong_test
PYTEST_ARGS ?=

.PHONY: setup run test test-sqlite test-postgres test-miniprogram openapi bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

miniprogram/node_modules/.installed: miniprogram/package-lock.json
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Start the service on SQLite with the demo street and the WeChat stand-in.
run: setup
	$(FLASK) db upgrade
	$(FLASK) demo seed
	$(PY) -m devtools.dev

## Every test: backend on SQLite, backend on PostgreSQL, then the mini-program.
test: test-sqlite test-postgres test-miniprogram

test-sqlite: setup
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: setup
	TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest $(PYTEST_ARGS)

openapi: setup
	mkdir -p build
	$(FLASK) openapi write build/openapi.json

test-miniprogram: openapi miniprogram/node_modules/.installed
	cd miniprogram && OPENAPI_JSON=../build/openapi.json npm test --silent

bench: setup
	$(PY) -m bench

clean:
	rm -rf build instance/*.db

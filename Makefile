# The two commands a newcomer needs: `make run` (the product on 127.0.0.1:8000) and
# `make test` (every check CI runs). Both need nothing but Python 3.12+: bootstrap.sh builds
# .venv, and scripts/localservices.py starts PostgreSQL and Redis when DATABASE_URL and
# REDIS_URL are unset.
#
#   make test ARGS="-k invitations -x"   extra arguments go to pytest

PYTHON_VENV := .venv/bin/python
ARGS ?=

.PHONY: run test fmt bootstrap

run: bootstrap
	@$(PYTHON_VENV) scripts/run.py

test: bootstrap
	@$(PYTHON_VENV) scripts/test.py $(ARGS)

fmt: bootstrap
	@$(PYTHON_VENV) -m ruff format .
	@$(PYTHON_VENV) -m ruff check --fix .

bootstrap:
	@bash scripts/bootstrap.sh

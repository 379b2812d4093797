# otv — the two commands for a fresh machine are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# checkov pins versions of packages otv needs newer (packaging): it gets its own environment.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_VERSION := checkov>=3.2,<4
SAMPLE := build/sample

.PHONY: setup tools run test lint proto schemas docs model verify-model bench clean \
	deploy-config image cluster cluster-down chaos

setup: $(STAMP) $(CHECKOV)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(CHECKOV):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet '$(CHECKOV_VERSION)'

## tools: Debian packages some tests need (prometheus, spin); tests skip without them
DEBIAN_TOOLS := prometheus spin
tools:
	@if command -v promtool >/dev/null && command -v prometheus >/dev/null \
		&& command -v spin >/dev/null; then :; else \
		SUDO=$$(test "$$(id -u)" -eq 0 || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			$(DEBIAN_TOOLS) >/dev/null; \
	fi

## run: build a sample repository (a feature branch, targets main and release/1.0) and verify it
run: setup
	@scripts/make-sample-repo.sh $(SAMPLE)/repo
	$(BIN)/otv verify $(SAMPLE)/repo --head feature --target main --target release/1.0 \
		--profile default --out $(SAMPLE)/report
	@echo
	@cat $(SAMPLE)/report/report.md

test: setup
	$(BIN)/python -m pytest -q -n auto

lint: setup
	$(BIN)/ruff check otv services tests bench
	$(BIN)/ruff format --check otv services tests bench
	$(BIN)/mypy

## bench: every benchmark with its baseline and goal; bench/results/latest.json and latest.png
bench: setup
	$(BIN)/python bench/suite.py

## proto: regenerate the committed Python code and stubs from proto/
proto: setup
	$(BIN)/python -m grpc_tools.protoc -Iproto --python_out=. --pyi_out=. proto/otv/v1/*.proto
	$(BIN)/python -m grpc_tools.protoc -Iproto --grpc_python_out=. proto/otv/v1/api.proto

## docs: regenerate docs/cli.md from the commands' own help
docs: setup
	$(BIN)/python -m otv.cli.reference > docs/cli.md

## model: regenerate the Promela model of the event protocol from the reporter's phase table
model: setup
	$(BIN)/python -m services.reporter.model > formal/pipeline.pml

## verify-model: spin checks the model exhaustively, and finds the broken variants' faults
verify-model: setup tools
	$(BIN)/python -m services.reporter.model verify

## schemas: regenerate the committed JSON Schema of the report from its models
schemas: setup
	$(BIN)/python -m otv.report > schemas/otv.report.v1.schema.json

## chaos: faults on the local cluster and hostile input, every verification counted; one table
chaos: setup
	@rm -rf build/chaos
	@OTV_CHAOS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/chaos; status=$$?; \
		$(BIN)/python tests/chaos/table.py && exit $$status

## deploy-config: regenerate the deployment files made from otv's tables (NATS accounts, rules, dashboard)
deploy-config: setup
	$(BIN)/python -m otv.deployment .

## image: build the container image (needs a Docker engine)
IMAGE ?= otv:0.1.0
image:
	docker build -f deploy/docker/Dockerfile -t $(IMAGE) .

## cluster: three clustered nats-server nodes and two replicas of each service, in the background
cluster: setup
	$(BIN)/otv cluster up

cluster-down: setup
	$(BIN)/otv cluster down

clean:
	rm -rf build $(VENV) $(CHECKOV_VENV)

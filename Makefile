# labnet.docker: the user's entry points. `make lab` and `make test` are the two a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup test unit static sanity lint integration molecule build release lab verify destroy adopt drill bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Install what is missing: Docker engine, .venv, the lab image (idempotent)
	@tools/setup.sh

test: setup ## Set up, then run every test suite, stopping at the first failure
	@tools/test.sh all

unit: setup ## Unit tests only
	@tools/test.sh unit

static: setup ## ruff and mypy on plugins/
	@tools/test.sh static

sanity: setup ## ansible-test sanity only
	@tools/test.sh sanity

lint: setup ## ansible-lint (production profile) on the roles and playbooks
	@tools/test.sh lint

integration: setup ## Integration tests against the real engine, netlink and iptables
	@tools/test.sh integration

molecule: setup ## Molecule scenarios only
	@tools/test.sh molecule

build: setup ## Build the collection tarball, install it and render every module's docs
	@tools/test.sh build

release: setup ## Release VERSION=X.Y.Z: bump galaxy.yml, write the changelog, build the tarball
	@tools/release.sh "$(VERSION)"

lab: setup ## Set up, deploy the default lab (LAB=routed: the routed lab) on this host, verify it, print the report's path
	@LAB="$(LAB)" tools/lab.sh deploy

verify: setup ## Verify the deployed lab (LAB=...) again
	@LAB="$(LAB)" tools/lab.sh verify

destroy: setup ## Remove everything the lab (LAB=...) made
	@LAB="$(LAB)" tools/lab.sh destroy

adopt: setup ## Read a lab typed by hand into lab-topology.yml: CONTAINERS="a b" and/or LABEL=key=value (LAB_NAME=, OUTPUT=)
	@tools/lab.sh adopt

drill: setup ## Break the deployed lab for a learner: FAULTS="proxy_killed container_stopped:beta" or SEED=n [COUNT=n]; UNDO=1 reverts it
	@LAB="$(LAB)" tools/lab.sh drill

bench: setup ## Benchmarks: ratios against the alternatives, measured in the same run
	@tools/bench.sh

clean: ## Remove build output (not the venv)
	rm -rf .build lab-report bench/out

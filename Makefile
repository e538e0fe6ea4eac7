# deckhand: build, test and benchmark. `make test` works on a fresh Debian 12 machine (as root).
SHELL := /bin/bash
SWIFT ?= swift
PREFIX ?= /usr/local
TESTHOST := testhost/testhost

.PHONY: all deps build release deb test test-webhost conformance install testhost-up testhost-down bench demo demo-down clean role-corpus compat

all: build

deps:
	@testhost/install-deps

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product deckhand

# The binary, and beside it (<prefix>/share/deckhand/playbooks) the built-in playbooks the verbs run.
install: release
	install -d $(PREFIX)/bin $(PREFIX)/share/deckhand
	install -m 755 "$$($(SWIFT) build -c release --show-bin-path)/deckhand" $(PREFIX)/bin/deckhand
	rm -rf $(PREFIX)/share/deckhand/playbooks.new
	cp -R playbooks $(PREFIX)/share/deckhand/playbooks.new
	rm -rf $(PREFIX)/share/deckhand/playbooks
	mv $(PREFIX)/share/deckhand/playbooks.new $(PREFIX)/share/deckhand/playbooks

# .build/deb/deckhand_<version>_<arch>.deb: the release build (Swift runtime linked in), the playbooks, man pages
# and bash/zsh/fish completions; depends on Debian's libssh2-1 (tools/make-deb).
deb: deps
	@tools/make-deb

# Public roles nobody here wrote (the `ansible` package's collections, downloaded from PyPI at test time into
# .build/role-corpus) held to ansible-playbook's verdicts; make test runs it as a step (tools/role-corpus/run).
role-corpus:
	@tools/role-corpus/run

# The same against a folder of fetched role and playbook repositories (DECKHAND_COMPAT_DIR; skipped without it).
compat:
	@tools/role-corpus/run --compat "$${DECKHAND_COMPAT_DIR:-}"

testhost-up: deps
	@$(TESTHOST) up

testhost-down:
	@$(TESTHOST) down

# Every test, the web host's included: packages, build, the loopback test host, unit and SSH tests, the web host
# (testhost/webhost up + a first provision), the verb and deploy tests; then takes down what it started, whatever
# the outcome. Ends with the time of each step and one count of every test (tools/run-tests).
test:
	@tools/run-tests

# Ansible's own integration targets (ansible-core's sdist, downloaded at test time) run as roles against the
# loopback test host with ansible-playbook and with deckhand, per tools/conformance/targets.txt; prints per
# target both verdicts and the first failure, then the tally. Brings the test host up if it is not.
conformance: build
	@$(TESTHOST) status >/dev/null 2>&1 || $(TESTHOST) up
	@tools/conformance/run

# Only the web host tests, against a web host already up and provisioned (testhost/webhost up + provision; see
# playbooks/README.md). Needs DECKHAND_TESTHOST_DIR and DECKHAND_WEBHOST_DIR when they are not this repository's
# .testhost and .webhost.
test-webhost: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing --filter WebHostTests

# The main job on the embedded default, this machine as the web host: brings up the loopback test host and its
# outside world, provisions the sample app, shows the site over HTTPS, maintenance on/off, a log rotation, a
# backup and the status (tools/demo). The stack stays up to play with; demo-down takes it down.
demo:
	@tools/demo

demo-down:
	@tools/demo down

bench: deps
	Benchmarks/run

clean:
	rm -rf .build
	@$(TESTHOST) down

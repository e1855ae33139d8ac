# paylot — the two commands a fresh machine needs:
#   make demo   build the tools and run the whole exchange on bundled samples
#   make test   install what the tests use (gpg, sshd, ...) and run every test
#
# Others: make check (clippy + rustfmt, as CI), make bench.

CARGO ?= cargo
# Where cargo puts the binaries (CARGO_TARGET_DIR when set).
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

.PHONY: demo test test-deps check bench man

demo:
	$(CARGO) build --quiet --workspace --bins
	PATH="$(TARGET_DIR)/debug:$$PATH" ./demo/run.sh

test: test-deps
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace

test-deps:
	./scripts/install-test-deps.sh

check:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

bench:
	./seal/benches/run.sh
	./xmlbatch/benches/run.sh
	$(CARGO) build --release --quiet -p pgpwrap
	./pgpwrap/benches/run.sh
	./dropwatch/benches/run.sh

man:
	$(CARGO) run --quiet -p paylot-tests --bin paylot-docgen -- $(TARGET_DIR)/doc

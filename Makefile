# paylot — the two commands a fresh machine needs:
#   make demo   build the tools and run the whole exchange on bundled samples
#   make test   install what the tests use (gpg, sshd, ...) and run every test
#
# Others: make check (clippy + rustfmt, and the fuzz targets build, as
# CI), make bench, make man,
# make deb (the Debian package for servers without Rust: README).

CARGO ?= cargo
# Where cargo puts the binaries (CARGO_TARGET_DIR when set).
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

# The tool that makes the Debian package, pinned (it builds with rustc 1.85+).
CARGO_DEB_VERSION = 3.8.0
# What paylot-docgen and the changelog script write for the package: the
# assets of [package.metadata.deb] in packaging/Cargo.toml.
DEB_ASSETS = $(TARGET_DIR)/release/paylot-deb

.PHONY: demo test test-deps check fuzz-check bench-check bench man deb

demo:
	$(CARGO) build --quiet --workspace --bins
	PATH="$(TARGET_DIR)/debug:$$PATH" ./demo/run.sh

# The property tests' seed (proptest reads PROPTEST_RNG_SEED): today's UTC
# date unless given, said before the run, so that a run is the same all
# day and a failure the day's cases find runs again with
# `make test PROPTEST_RNG_SEED=YYYYMMDD` (a bare cargo test draws one).
PROPTEST_RNG_SEED ?= $(shell date -u +%Y%m%d)

test: test-deps
	$(CARGO) build --workspace --bins
	@echo "make test: PROPTEST_RNG_SEED=$(PROPTEST_RNG_SEED)"
	PROPTEST_RNG_SEED=$(PROPTEST_RNG_SEED) $(CARGO) test --workspace --no-fail-fast

test-deps:
	./scripts/install-test-deps.sh

check: fuzz-check bench-check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

# The fuzz targets (crates outside the workspace: cargo fuzz runs them on
# nightly) build on stable against today's libraries: two had stopped
# building after a rename, unseen.
FUZZ_CRATES = seal xmlbatch pgpwrap dropwatch crates/gateways
fuzz-check:
	for c in $(FUZZ_CRATES); do \
		CARGO_TARGET_DIR=$(TARGET_DIR)/fuzz-check $(CARGO) check --quiet --bins \
			--manifest-path $$c/fuzz/Cargo.toml || exit 1; \
	done

# The benchmark crates outside the workspace (seal's floor, which compares
# readers seal does not use) build against today's libraries, as the
# fuzz targets do, and are formatted.
bench-check:
	CARGO_TARGET_DIR=$(TARGET_DIR)/fuzz-check $(CARGO) check --quiet --bins \
		--manifest-path seal/benches/floor/Cargo.toml
	$(CARGO) fmt --manifest-path seal/benches/floor/Cargo.toml -- --check

bench:
	./seal/benches/run.sh
	./seal/benches/shapes.sh
	./seal/benches/floor.sh
	./xmlbatch/benches/run.sh
	$(CARGO) build --release --quiet -p pgpwrap
	./pgpwrap/benches/run.sh
	./pgpwrap/benches/small.sh
	./dropwatch/benches/run.sh
	./dropwatch/benches/http.sh

man:
	$(CARGO) run --quiet -p paylot-docgen -- $(TARGET_DIR)/doc

# The Debian package: target/debian/paylot_VERSION-REV_ARCH.deb, installed
# with `sudo apt-get install ./target/debian/paylot_*.deb`. Release builds
# of the four tools and of paylot-docgen, in one cargo run.
deb:
	CARGO="$(CARGO)" ./scripts/install-deb-deps.sh $(CARGO_DEB_VERSION)
	$(CARGO) build --release --locked -p seal -p xmlbatch -p pgpwrap -p dropwatch -p paylot-docgen --bins
	rm -rf $(DEB_ASSETS) $(TARGET_DIR)/debian/paylot_*.deb
	$(TARGET_DIR)/release/paylot-docgen $(DEB_ASSETS) >/dev/null
	gzip -9n $(DEB_ASSETS)/man/man1/*.1
	./scripts/deb-changelog.sh > $(DEB_ASSETS)/changelog.Debian
	gzip -9n $(DEB_ASSETS)/changelog.Debian
	$(CARGO) deb --no-build -p paylot
	@ls $(TARGET_DIR)/debian/paylot_*.deb

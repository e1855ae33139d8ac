#!/usr/bin/env bash
# What `make deb` builds the package with: cargo-deb at the version the
# Makefile pins (installed with cargo when missing or another version),
# dpkg-shlibdeps (dpkg-dev: the package's library dependencies) and strip
# (binutils). Does nothing when all are present.
#
#   scripts/install-deb-deps.sh CARGO_DEB_VERSION
set -euo pipefail
want="${1:?usage: install-deb-deps.sh CARGO_DEB_VERSION}"
cargo="${CARGO:-cargo}"

have="$("$cargo" deb --version 2>/dev/null | awk '{ print $NF }')" || have=""
if [ "$have" != "$want" ]; then
    echo "install-deb-deps: installing cargo-deb $want${have:+ (found $have)}" >&2
    "$cargo" install --quiet --locked cargo-deb --version "$want"
fi

need=()
command -v dpkg-shlibdeps >/dev/null 2>&1 || need+=(dpkg-dev)
command -v strip >/dev/null 2>&1 || need+=(binutils)
"$(dirname "$0")/apt-install.sh" install-deb-deps "${need[@]}"

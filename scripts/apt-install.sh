#!/usr/bin/env bash
# Install the Debian packages named, for the script named first: with
# apt-get when run as root, else list them (with the command) and exit 2.
# Does nothing when none is named. One place for what install-test-deps,
# install-deb-deps and check-deb each need.
#
#   scripts/apt-install.sh WHO [PACKAGE...]
set -euo pipefail
who="${1:?usage: apt-install.sh WHO [PACKAGE...]}"
shift
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: missing packages: $* (install them, e.g. sudo apt-get install $*)" >&2
    exit 2
fi
echo "$who: installing $*" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null

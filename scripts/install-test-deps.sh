#!/usr/bin/env bash
# Install what the tests run for real: gpg (pgpwrap interop), sshd and sftp
# (dropwatch's SFTP round trip), fuser (completeness checks compared with
# psmisc), inotifywait (benchmarks), curl (the HTTP sandbox, as a merchant
# calls the gateways), python3 and, in a virtualenv of the build tree
# (target/test-venv: nothing installed for the whole machine), the client
# library merchants run that the sandbox's tests drive: eopayment, pinned.
# Does nothing when all are present.
set -euo pipefail

need=()
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v sftp >/dev/null 2>&1 || need+=(openssh-client)
command -v fuser >/dev/null 2>&1 || need+=(psmisc)
command -v inotifywait >/dev/null 2>&1 || need+=(inotify-tools)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)

if [ ${#need[@]} -gt 0 ]; then
    "$(dirname "$0")/apt-install.sh" install-test-deps "${need[@]}"
    # sshd refuses to start without its privilege separation directory.
    mkdir -p -m 0755 /run/sshd
fi

# eopayment (Entr'ouvert), the version pinned here, from PyPI.
EOPAYMENT_VERSION=3.15
venv="${CARGO_TARGET_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target}/test-venv"
if ! "$venv/bin/pip" show eopayment 2>/dev/null | grep -qx "Version: $EOPAYMENT_VERSION"; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
        "$(dirname "$0")/apt-install.sh" install-test-deps python3-venv
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "eopayment==$EOPAYMENT_VERSION"
fi

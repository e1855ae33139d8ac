#!/usr/bin/env bash
# Install what the tests run for real: gpg (pgpwrap interop), sshd and sftp
# (dropwatch's SFTP round trip), fuser (completeness checks compared with
# psmisc), inotifywait (benchmarks), curl (the HTTP sandbox, as a merchant
# calls the gateways). Does nothing when all are present.
set -euo pipefail

need=()
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v sftp >/dev/null 2>&1 || need+=(openssh-client)
command -v fuser >/dev/null 2>&1 || need+=(psmisc)
command -v inotifywait >/dev/null 2>&1 || need+=(inotify-tools)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)

if [ ${#need[@]} -gt 0 ]; then
    "$(dirname "$0")/apt-install.sh" install-test-deps "${need[@]}"
    # sshd refuses to start without its privilege separation directory.
    mkdir -p -m 0755 /run/sshd
fi

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

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: missing packages: ${need[*]} (install them, e.g. sudo apt-get install ${need[*]})" >&2
    exit 2
fi
echo "install-test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# sshd refuses to start without its privilege separation directory.
mkdir -p -m 0755 /run/sshd

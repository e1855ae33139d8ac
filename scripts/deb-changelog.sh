#!/usr/bin/env bash
# The Debian changelog of the `paylot` package (make deb), written on
# stdout from CHANGELOG.md: one entry per release section ("## 0.1.0 —
# 2026-12-01"), newest first, "## Unreleased" left out. The workspace's
# version must be the newest release section: a package never carries a
# version the changelog does not describe.
#
#   scripts/deb-changelog.sh [CHANGELOG.md] > changelog
#
# The version comes from [workspace.package] in Cargo.toml, the revision
# and the maintainer from [package.metadata.deb] in packaging/Cargo.toml.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
changelog="${1:-$root/CHANGELOG.md}"

# value KEY FILE SECTION: the string value of KEY in a TOML section.
value() {
    awk -v key="$1" -v section="$3" '
        /^\[/ { inside = ($0 == "[" section "]") }
        inside && $1 == key && $2 == "=" {
            v = $0; sub(/^[^=]*= *"/, "", v); sub(/".*$/, "", v); print v; exit
        }' "$2"
}
version="$(value version "$root/Cargo.toml" workspace.package)"
revision="$(value revision "$root/packaging/Cargo.toml" package.metadata.deb)"
maintainer="$(value maintainer "$root/packaging/Cargo.toml" package.metadata.deb)"
name="$(value name "$root/packaging/Cargo.toml" package.metadata.deb)"
for v in version revision maintainer name; do
    if [ -z "${!v}" ]; then
        echo "deb-changelog: no $v in Cargo.toml / packaging/Cargo.toml" >&2
        exit 2
    fi
done

awk -v name="$name" -v version="$version" -v revision="$revision" \
    -v maintainer="$maintainer" '
function close_entry() {
    if (open) {
        printf "\n -- %s  %s\n", maintainer, date
        open = 0
    }
}
function rfc2822(day,    cmd, out) {
    cmd = "date -u -R -d " day
    if ((cmd | getline out) <= 0) out = ""
    close(cmd)
    return out
}
# "## 0.1.0 — 2026-12-01" or "## [0.1.0] - 2026-12-01": a release.
/^## / {
    close_entry()
    v = $2; gsub(/[][]/, "", v)
    day = $NF
    if (v !~ /^[0-9]+\.[0-9]+\.[0-9]+/ || day !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) {
        skipping = 1   # "## Unreleased", or a heading that is no release
        next
    }
    skipping = 0
    releases++
    if (releases == 1 && v != version) {
        printf "deb-changelog: the newest release in CHANGELOG.md is %s, the workspace is %s: add a \"## %s — DATE\" section\n", v, version, version > "/dev/stderr"
        failed = 1
        exit 1
    }
    date = rfc2822(day)
    if (date == "") {
        printf "deb-changelog: %s: not a date: %s\n", v, day > "/dev/stderr"
        failed = 1
        exit 1
    }
    if (releases > 1) print ""
    printf "%s (%s-%s) unstable; urgency=medium\n\n", name, v, revision
    open = 1
    blank = 1
    next
}
!open || skipping { next }
# "### Security": a group of changes.
/^### / {
    sub(/^### +/, "")
    if (!blank) print ""
    printf "  %s:\n", $0
    blank = 0
    next
}
/^[-*] / { sub(/^[-*] +/, ""); printf "  * %s\n", $0; blank = 0; next }
/^ +[^ ]/ { sub(/^ +/, ""); printf "    %s\n", $0; next }
/^$/ { next }
{ printf "  %s\n", $0; blank = 0 }
END {
    if (failed) exit 1
    close_entry()
    if (releases == 0) {
        printf "deb-changelog: CHANGELOG.md has no release section (\"## %s — DATE\")\n", version > "/dev/stderr"
        exit 1
    }
}' "$changelog"

#!/usr/bin/env bash
# CI: the Debian package `make deb` built, installed on this machine as an
# operator installs it, checked from outside the source tree with no Rust
# on the PATH, then removed. Run as root, after `make deb`.
#
#   scripts/check-deb.sh [PACKAGE.deb]
#
# Checks: the package's fields (libssl in Depends, gnupg and
# openssh-client in Recommends), owners, modes and gzip'd man pages; after
# `apt-get install ./paylot_*.deb`, a new login shell (`env -i`, an empty
# HOME, from /) runs each tool's --version (naming this checkout's
# commit), `man -w` finds the pages, bash-completion loads the completions,
# the docs are in /usr/share/doc/paylot; `dpkg -r paylot` leaves none of
# the package's files. Installs man-db and bash-completion when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
tools=(seal xmlbatch pgpwrap dropwatch)

fail() {
    echo "check-deb: $*" >&2
    exit 1
}

deb="${1:-}"
if [ -z "$deb" ]; then
    debs=("$target"/debian/paylot_*.deb)
    [ -e "${debs[0]}" ] || fail "no $target/debian/paylot_*.deb: run make deb first"
    [ ${#debs[@]} -eq 1 ] || fail "several packages in $target/debian: name one"
    deb="${debs[0]}"
fi
deb="$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
[ "$(id -u)" -eq 0 ] || fail "installs a package: run as root"
echo "check-deb: $deb"

# -- the package itself
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = paylot ] || fail "Package is $(field Package), not paylot"
version="$(awk -F'"' '/^\[workspace.package\]/ { w = 1 } w && /^version *=/ { print $2; exit }' "$root/Cargo.toml")"
case "$(field Version)" in
    "$version"-*) ;;
    *) fail "Version $(field Version) is not the workspace's $version" ;;
esac
depends="$(field Depends)" recommends="$(field Recommends)"
[[ "$depends" == *libssl* ]] || fail "Depends lacks libssl: $depends"
for r in gnupg openssh-client bash-completion; do
    [[ ", $recommends," == *", $r"[\ ,]* ]] || fail "Recommends lacks $r: $recommends"
done
# No made-up address where a real one is expected: no Homepage until the
# project has one.
[ -z "$(field Homepage)" ] || [[ "$(field Homepage)" != *example.invalid* ]] \
    || fail "Homepage is a placeholder: $(field Homepage)"
listing="$(dpkg-deb -c "$deb")"
# Every entry root-owned; binaries 0755, everything else 0644 (dirs 0755).
bad="$(awk '$2 != "root/root" && $2 != "0/0" { print "owner", $0 }
    $1 ~ /^-/ && $6 ~ /^\.\/usr\/bin\// && $1 != "-rwxr-xr-x" { print "mode", $0 }
    $1 ~ /^-/ && $6 !~ /^\.\/usr\/bin\// && $1 != "-rw-r--r--" { print "mode", $0 }
    $1 ~ /^d/ && $1 != "drwxr-xr-x" { print "mode", $0 }
    $6 ~ /^\.\/usr\/share\/man\// && $1 ~ /^-/ && $6 !~ /\.gz$/ { print "not gzip", $0 }' <<<"$listing")"
[ -z "$bad" ] || fail "in the package:"$'\n'"$bad"

# -- what the checks need on this machine
need=()
command -v man >/dev/null 2>&1 || need+=(man-db)
[ -r /usr/share/bash-completion/bash_completion ] || need+=(bash-completion)
"$root/scripts/apt-install.sh" check-deb "${need[@]}"

# Minimal images tell dpkg to drop man pages and docs (path-exclude in
# /etc/dpkg/dpkg.cfg.d/): say so, and let this install keep paylot's.
include=()
if grep -rqsE '^path-exclude *=? */usr/share/(man|doc)' /etc/dpkg/dpkg.cfg.d/; then
    echo "check-deb: this machine's dpkg drops man pages or docs ($(grep -rlsE '^path-exclude *=? */usr/share/(man|doc)' /etc/dpkg/dpkg.cfg.d/ | tr '\n' ' ')): an operator's install here would have no 'man seal'; this one keeps paylot's" >&2
    include=(-o "DPkg::Options::=--path-include=/usr/share/man/man1/*"
        -o "DPkg::Options::=--path-include=/usr/share/doc/paylot/*")
fi

# -- install, as the README says
if dpkg-query -W -f '${Status}' paylot 2>/dev/null | grep -q 'ok installed'; then
    fail "paylot is already installed: remove it first (dpkg -r paylot)"
fi
export DEBIAN_FRONTEND=noninteractive
home=""
cleanup() {
    [ -z "$home" ] || rm -rf "$home"
    # A failed check leaves no package behind for the next run.
    if dpkg-query -W -f '${Status}' paylot 2>/dev/null | grep -q 'ok installed'; then
        dpkg -r paylot >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
apt-get install -y -qq --no-install-recommends "${include[@]}" "$deb" >/dev/null
installed="$(dpkg -L paylot)"

# -- a new login shell, from /, with no Rust on the PATH: an empty
# environment and HOME (root's ~/.profile would put ~/.cargo/bin back).
commit=""
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    commit="$(git -C "$root" rev-parse --short=12 HEAD)"
fi
home="$(mktemp -d)"
cat > "$home/check.sh" <<'EOF'
set -euo pipefail
cd /
fail() { echo "check-deb: $*" >&2; exit 1; }
for rust in cargo rustc rustup; do
    ! command -v "$rust" >/dev/null 2>&1 || fail "$rust is on the PATH: not a check without Rust"
done
for t in $TOOLS; do
    [ "$(command -v "$t")" = "/usr/bin/$t" ] || fail "$t is not /usr/bin/$t: $(command -v "$t" || echo missing)"
    v="$("$t" --version)" || fail "$t --version failed"
    want="$t $VERSION${COMMIT:+ (git $COMMIT}"
    case "$v" in
        "$want"*) ;;
        *) fail "$t --version says \"$v\", not \"$want...\"" ;;
    esac
    echo "  $v"
    page="$(man -w "$t")" || fail "man -w $t finds no page"
    [ "$page" = "/usr/share/man/man1/$t.1.gz" ] || fail "man -w $t: $page"
    text="$(man -P cat "$t" 2>/dev/null)" || fail "man $t failed"
    [[ "$text" == *"$t"* ]] || fail "man $t does not render"
    [ -r "/usr/share/bash-completion/completions/$t" ] || fail "no bash completion for $t"
    [ -r "/usr/share/zsh/vendor-completions/_$t" ] || fail "no zsh completion for $t"
    [ -r "/usr/share/fish/vendor_completions.d/$t.fish" ] || fail "no fish completion for $t"
done
man -w seal-verify >/dev/null || fail "man -w seal-verify finds no page"
# bash-completion, as a new interactive login shell loads it
# (/etc/profile.d/bash_completion.sh), finds each tool's completion in its
# completions directory by the command's name.
for t in $TOOLS; do
    c="$(T="$t" bash -il -c '
        if declare -F _comp_load >/dev/null; then _comp_load "$T"
        elif declare -F __load_completion >/dev/null; then __load_completion "$T"
        else _completion_loader "$T"; fi
        complete -p "$T"' 2>/dev/null </dev/null)" || true
    [[ "$c" == "complete "*" $t" ]] || fail "a new interactive shell has no bash completion for $t"
    [ "$t" != seal ] || completion="$c"
done
echo "  man: $(man -w seal), bash: $completion"
for doc in README.md docs/seal.md recipes/nightly-paybox.sh recipes/Makefile copyright changelog.Debian.gz; do
    [ -r "/usr/share/doc/paylot/$doc" ] || fail "no /usr/share/doc/paylot/$doc"
done
first="$(zcat /usr/share/doc/paylot/changelog.Debian.gz)" || fail "changelog.Debian.gz is no gzip"
[[ "${first%%$'\n'*}" == "paylot ($VERSION-"* ]] \
    || fail "changelog.Debian.gz does not start with paylot ($VERSION-...)"
EOF
env -i HOME="$home" TERM=dumb PATH=/usr/bin:/bin \
    VERSION="$version" COMMIT="$commit" TOOLS="${tools[*]}" \
    bash -l "$home/check.sh" </dev/null

# -- remove: nothing of the package is left
dpkg -r paylot >/dev/null
if dpkg-query -W -f '${Status}' paylot 2>/dev/null | grep -q 'ok installed'; then
    fail "dpkg -r paylot left it installed"
fi
left=()
while IFS= read -r f; do
    if [ -e "$f" ] && [ ! -d "$f" ]; then
        left+=("$f")
    fi
done <<<"$installed"
[ ${#left[@]} -eq 0 ] || fail "dpkg -r paylot left: ${left[*]}"
for t in "${tools[@]}"; do
    [ ! -e "/usr/bin/$t" ] || fail "/usr/bin/$t is still there"
done
[ ! -e /usr/share/doc/paylot ] || fail "/usr/share/doc/paylot is still there"
echo "check-deb: installed, checked and removed $(basename "$deb") ($(wc -l <<<"$installed") paths)"

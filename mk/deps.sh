#!/usr/bin/env bash
# Install every Debian package the project needs. Idempotent: when all are
# present it only runs dpkg-query, so a repeated `make deps` costs well under a
# second. Components may add their own lists as mk/deps.d/<name>.list (one
# package per line, # comments allowed).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

read_lists() {
    local f
    for f in "$here"/deps.d/*.list; do
        sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$f"
    done | tr -s ' \t' '\n' | sort -u
}

missing_packages() {
    local pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || printf '%s\n' "$pkg"
    done
}

main() {
    local -a wanted missing
    mapfile -t wanted < <(read_lists)
    mapfile -t missing < <(missing_packages "${wanted[@]}")
    if ((${#missing[@]} == 0)); then
        echo "deps: all ${#wanted[@]} packages present"
        return 0
    fi
    if ((EUID != 0)); then
        echo "deps: missing packages: ${missing[*]}" >&2
        echo "deps: run 'make deps' as root to install them" >&2
        return 1
    fi
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}

main "$@"

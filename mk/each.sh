#!/usr/bin/env bash
# Run every command in mk/KIND.d/ (build or bench) from the top of the tree,
# in name order, stopping at the first that fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

main() {
    local kind=${1:?usage: each.sh build|bench} f cmd
    for f in "$top/mk/$kind.d"/*; do
        [[ -f $f ]] || continue
        cmd=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$f")
        echo "=== $kind $(basename "$f"): $cmd"
        (cd "$top" && bash -c "$cmd") || {
            echo "=== $kind $(basename "$f") failed" >&2
            return 1
        }
    done
}

main "$@"

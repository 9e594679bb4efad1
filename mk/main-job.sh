#!/usr/bin/env bash
# The main job (`make run`): a local CI flight of the working tree.
# The working tree, uncommitted and untracked changes included, is recorded
# as a commit object (the branch and the index are not touched) under the
# ref refs/osstest/working; osstest makes a flight of it with the embedded
# PostgreSQL, builds it with raisin, boots the hypervisor on the local
# virtual hosts, runs the XTF suite, and writes its report.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
osstest="$top/osstest/bin/osstest"

snapshot_working_tree() {
    local index tree parent commit
    index=$(mktemp)
    trap 'rm -f "$index"' RETURN
    cp "$(git -C "$top" rev-parse --git-path index)" "$index" 2>/dev/null || true
    GIT_INDEX_FILE=$index git -C "$top" add -A
    tree=$(GIT_INDEX_FILE=$index git -C "$top" write-tree)
    parent=$(git -C "$top" rev-parse -q --verify HEAD || true)
    commit=$(git -C "$top" commit-tree "$tree" ${parent:+-p "$parent"} \
        -m "working tree snapshot for a local flight")
    git -C "$top" update-ref refs/osstest/working "$commit"
    echo "$commit"
}

main() {
    local rev flight status=0
    cd "$top"
    rev=$(snapshot_working_tree)
    echo "main job: working tree recorded as $rev"
    "$osstest" hosts add >/dev/null
    flight=$("$osstest" make-flight local --rev "xen=$rev" --intended play)
    echo "main job: flight $flight"
    "$osstest" run-flight "$flight" || status=$?
    "$osstest" report "$flight" || true
    echo
    echo "main job: flight $flight finished (run-flight exit $status)"
    echo "main job: report: $top/results/flights/$flight/report.html"
    echo "main job: text:   $top/results/flights/$flight/report.txt"
}

main "$@"

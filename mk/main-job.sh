#!/usr/bin/env bash
# The main job (`make run`): a local CI flight of the working tree.
# The working tree, uncommitted and untracked changes included, is recorded
# as a commit object (the branch and the index are not touched) under the
# ref refs/osstest/working; osstest makes a flight of it with the embedded
# PostgreSQL, builds it with raisin (reusing what was built from the same
# inputs), boots the hypervisor on the local virtual hosts, runs the XTF
# suite and the coverage job, and writes its report. The flight's branch is
# the checked-out branch; its baseline is the last flight of the
# repository's default branch. Exit status: 0 when every job and test
# passed (flakes are reported apart), 1 when something failed (each named
# on a "FAILED:" line), 2 when the flight could not be made or run.
# Environment: OSSTEST_TEMPLATE (flight template), MAIN_JOB_REPO (the
# repository to test; default this checkout).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
osstest="$top/osstest/bin/osstest"
repo=${MAIN_JOB_REPO:-$top}

snapshot_working_tree() {
    local index tree parent commit name email
    index=$(mktemp)
    trap 'rm -f "$index"' RETURN
    cp "$(git -C "$repo" rev-parse --git-path index)" "$index" 2>/dev/null || true
    GIT_INDEX_FILE=$index git -C "$repo" add -A
    tree=$(GIT_INDEX_FILE=$index git -C "$repo" write-tree)
    parent=$(git -C "$repo" rev-parse -q --verify HEAD || true)
    # Fixed dates: the same tree on the same parent by the same person is
    # the same commit, so an unchanged tree makes no new revision.
    name=$(git -C "$repo" config user.name || echo "working tree")
    email=$(git -C "$repo" config user.email || echo "working-tree@localhost")
    commit=$(GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email \
        GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
        GIT_AUTHOR_DATE="@0 +0000" GIT_COMMITTER_DATE="@0 +0000" \
        git -C "$repo" commit-tree "$tree" ${parent:+-p "$parent"} \
        -m "working tree snapshot for a local flight")
    git -C "$repo" update-ref refs/osstest/working "$commit"
    echo "$commit"
}

# The repository's default branch and how it was found: the remote's HEAD
# (a clone), else the branch the repository's own HEAD names (its main work
# tree, or a bare repository). Prints "BRANCH<TAB>HOW"; nothing if unknown.
default_branch() {
    local ref common
    if ref=$(git -C "$repo" symbolic-ref -q refs/remotes/origin/HEAD 2>/dev/null); then
        printf '%s\t%s\n' "${ref#refs/remotes/origin/}" "the remote's HEAD (origin/HEAD)"
        return
    fi
    common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir)
    if ref=$(git --git-dir="$common" symbolic-ref -q HEAD 2>/dev/null); then
        printf '%s\t%s\n' "${ref#refs/heads/}" "the repository's HEAD ($common/HEAD)"
    fi
}

# A flight branch name from a git branch name (osstest allows [\w.+-]).
branch_name() {
    printf '%s' "$1" | tr -c 'A-Za-z0-9_.+-' '-'
}

main() {
    local rev flight status=0 rstatus=0 current def how defline
    cd "$repo"
    rev=$(snapshot_working_tree)
    current=$(git -C "$repo" symbolic-ref -q --short HEAD || echo detached)
    defline=$(default_branch)
    def=${defline%%$'\t'*}
    how=${defline#*$'\t'}
    echo "main job: working tree of branch $current recorded as $rev"
    if [[ -n $def ]]; then
        echo "main job: baseline: the last flight of the default branch $def (from $how)"
    else
        echo "main job: baseline: none (no origin/HEAD and the repository's HEAD names no branch)"
    fi
    "$osstest" hosts add >/dev/null
    flight=$("$osstest" make-flight "$(branch_name "$current")" --repo "$repo" --rev "xen=$rev" \
        ${OSSTEST_TEMPLATE:+--template "$OSSTEST_TEMPLATE"} \
        ${def:+--baseline-ref "$def"}) || {
        echo "main job: FAILED: the flight could not be made" >&2
        exit 2
    }
    echo "main job: flight $flight"
    "$osstest" run-flight "$flight" || status=$?
    if ((status > 1)); then
        echo "main job: flight $flight did not finish (run-flight exit $status)" >&2
        exit 2
    fi
    "$osstest" report "$flight" --strict \
        ${def:+--baseline-branch "$(branch_name "$def")"} || rstatus=$?
    # Keep logs and artefacts within the disk budget (OSSTEST_DISK_BUDGET).
    "$osstest" retention | sed 's/^/main job: retention: /' || true
    echo
    echo "main job: report: $top/results/flights/$flight/report.html"
    echo "main job: text:   $top/results/flights/$flight/report.txt"
    if ((status != 0 || rstatus != 0)); then
        echo "main job: flight $flight FAILED (see the FAILED: lines above)"
        exit 1
    fi
    echo "main job: flight $flight passed"
}

main "$@"

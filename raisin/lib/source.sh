# shellcheck shell=bash
# Sources and revisions: where a component comes from, which commit a
# revision names, and exporting that commit's files into a scratch tree.

export GIT_OPTIONAL_LOCKS=0

# Revisions resolved in this run, by "source|revision"; mirrors fetched.
declare -gA RESOLVED=() FETCHED=()

# The source a component is built from, as configured (empty: this checkout).
component_source() {
    local c=$1 src
    src=$(cfg_comp "$c" SOURCE)
    [[ -z $src ]] && src=${CFG[RAISIN_SOURCE]:-}
    [[ -z $src ]] && src=$TOP
    printf '%s' "$src"
}

# Succeed when $1 looks like a git URL rather than a path.
is_git_url() {
    [[ $1 == *://* || $1 =~ ^[A-Za-z0-9._-]+@[^:]+: ]]
}

# A source as it may be printed: a URL's user:password@ part as ***@.
public_source() {
    sed -E 's#^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@#\1***@#' <<<"$1"
}

# A URL without its user:password@ part (what git is given).
url_without_secret() {
    sed -E 's#^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@#\1#' <<<"$1"
}

# Run git for URL $1 (the rest: git's arguments); the URL's credentials
# reach git through a credential helper that reads them from the
# environment, never on a command line.
git_for_url() {
    local url=$1 cred
    shift
    if [[ $url =~ ^[A-Za-z][A-Za-z0-9+.-]*://([^/@]*)@ ]]; then
        cred=${BASH_REMATCH[1]}
        # shellcheck disable=SC2016 # the helper expands them, not this shell
        RAISIN_GIT_USERNAME=${cred%%:*} RAISIN_GIT_PASSWORD=${cred#*:} \
            GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=credential.helper \
            GIT_CONFIG_VALUE_0='!f() { echo "username=$RAISIN_GIT_USERNAME"; echo "password=$RAISIN_GIT_PASSWORD"; }; f' \
            GIT_TERMINAL_PROMPT=0 git "$@"
    else
        GIT_TERMINAL_PROMPT=0 git "$@"
    fi
}

# Clone (once) or refresh a git URL into a bare mirror under results/ and
# print the mirror's path.
mirror_of() {
    local url=$1 dir
    dir="$WORK_ROOT/mirrors/$(url_without_secret "$url" | sha256sum | cut -c1-16).git"
    if [[ ! -d $dir ]]; then
        say "cloning $(public_source "$url")"
        mkdir -p "$WORK_ROOT/mirrors"
        git_for_url "$url" clone -q --mirror "$(url_without_secret "$url")" "$dir.tmp.$$" ||
            die "cannot clone '$(public_source "$url")'"
        mv "$dir.tmp.$$" "$dir"
        FETCHED[$dir]=1
    fi
    printf '%s' "$dir"
}

# Resolve a source to the variables S_KIND (git|plain), S_GIT (the git
# directory or work tree to run git in) and S_TOP (the work tree; empty for a
# bare repository or a mirror).
resolve_source() {
    local src=$1 top
    S_KIND="" S_GIT="" S_TOP=""
    if is_git_url "$src"; then
        S_KIND=git S_GIT=$(mirror_of "$src")
        return
    fi
    [[ -d $src ]] || die "source '$(public_source "$src")' is neither a directory nor a git URL"
    src=$(cd "$src" && pwd -P)
    if top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) &&
        [[ $(cd "$top" && pwd -P) == "$src" ]]; then
        S_KIND=git S_GIT=$src S_TOP=$src
    elif [[ $(git -C "$src" rev-parse --is-bare-repository 2>/dev/null) == true ]]; then
        S_KIND=git S_GIT=$src
    else
        S_KIND=plain S_TOP=$src
    fi
}

# Hash of a git work tree's uncommitted state: the diff against HEAD and the
# untracked (not ignored) files, names and contents.
worktree_hash() {
    local dir=$1
    {
        git -C "$dir" diff HEAD --binary
        git -C "$dir" ls-files -z --others --exclude-standard |
            while IFS= read -r -d '' f; do
                printf '%s\0' "$f"
                if [[ -f $dir/$f ]]; then sha256sum <"$dir/$f"; fi
            done
    } | sha256sum | cut -c1-8
}

# Hash of a plain directory's files (names, modes and contents).
plain_hash() {
    local dir=$1
    (cd "$dir" && find . -path ./results -prune -o -type f -printf '%m %p\n' |
        LC_ALL=C sort | while read -r mode path; do
            printf '%s %s ' "$mode" "$path"
            sha256sum <"$path"
        done) | sha256sum | cut -c1-8
}

# Resolve component $1's configured source and revision into R_SOURCE,
# R_KIND (commit|working|plain), R_GIT, R_TOP, R_REVISION (as asked),
# R_COMMIT (full id; HEAD's for a working tree) and R_LABEL (the artefact
# store's name for it).
resolve_revision() {
    local c=$1 rev src key
    src=$(component_source "$c")
    rev=$(cfg_comp "$c" REVISION)
    [[ -z $rev ]] && rev=HEAD
    key="$src|$rev"
    if [[ -n ${RESOLVED[$key]:-} ]]; then
        eval "${RESOLVED[$key]}"
        return
    fi
    resolve_source "$src"
    R_SOURCE=$(public_source "$src") R_GIT=$S_GIT R_TOP=$S_TOP R_REVISION=$rev
    if [[ $S_KIND == plain ]]; then
        [[ $rev == working || $rev == HEAD ]] ||
            die "$c: source '$src' is not a git repository, so revision '$rev' does not exist there (use 'working')"
        R_KIND=plain R_COMMIT="" R_LABEL="tree-$(plain_hash "$S_TOP")"
    elif [[ $rev == working ]]; then
        [[ -n $S_TOP ]] || die "$c: source '$src' has no working tree, so revision 'working' does not exist there"
        R_COMMIT=$(git -C "$S_GIT" rev-parse --verify -q 'HEAD^{commit}') ||
            die "$c: source '$src' has no commit yet (HEAD does not exist)"
        local h
        h=$(worktree_hash "$S_TOP")
        if [[ -z $(git -C "$S_TOP" status --porcelain --untracked-files=normal) ]]; then
            R_KIND=commit R_LABEL=$R_COMMIT
        else
            R_KIND=working R_LABEL="$R_COMMIT-dirty-$h"
        fi
    else
        R_KIND=commit
        R_COMMIT=$(find_commit "$S_GIT" "$rev" "$src") ||
            die "$c: revision '$rev' does not exist in source '$R_SOURCE'"
        R_LABEL=$R_COMMIT
    fi
    RESOLVED[$key]=$(declare -p R_SOURCE R_KIND R_GIT R_TOP R_REVISION R_COMMIT R_LABEL |
        sed 's/^declare -- /declare -g /')
}

# Print the full commit id revision $2 names in git directory $1. For a
# mirror of a URL ($3), a name other than a full commit id is fetched first
# (once per run), so branches are current.
find_commit() {
    local git=$1 rev=$2 src=$3 id
    [[ $rev == -* ]] && return 1
    if is_git_url "$src" && [[ -z ${FETCHED[$git]:-} ]] &&
        ! { [[ $rev =~ ^[0-9a-f]{40}$ ]] && git -C "$git" cat-file -e "$rev^{commit}" 2>/dev/null; }; then
        say "fetching $(public_source "$src")"
        git_for_url "$src" -C "$git" fetch -q --prune origin 2>/dev/null ||
            die "cannot fetch '$(public_source "$src")'"
        FETCHED[$git]=1
    fi
    for id in "$rev^{commit}" "refs/remotes/origin/$rev^{commit}"; do
        git -C "$git" rev-parse --verify -q "$id" 2>/dev/null && return 0
    done
    return 1
}

# Export the files of the resolved revision (R_*) into a scratch directory
# under results/ (once per run) and print its path. A commit comes from
# `git archive`, so the work tree is never read; `working` copies the
# tracked and untracked, not ignored, files of the work tree.
export_tree() {
    local dir="$RUN_DIR/src-$R_LABEL"
    if [[ -d $dir ]]; then
        printf '%s' "$dir"
        return
    fi
    mkdir -p "$dir.tmp"
    case $R_KIND in
    commit)
        git -C "$R_GIT" archive --format=tar "$R_COMMIT" | tar -x -C "$dir.tmp" ||
            die "cannot export $R_COMMIT from '$R_SOURCE'"
        ;;
    working)
        (cd "$R_TOP" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
            done | tar --null --no-recursion -T - -cf -) | tar -x -C "$dir.tmp" ||
            die "cannot copy the working tree of '$R_SOURCE'"
        ;;
    plain)
        (cd "$R_TOP" && tar --exclude=./results -cf - .) | tar -x -C "$dir.tmp" ||
            die "cannot copy '$R_SOURCE'"
        ;;
    esac
    mv "$dir.tmp" "$dir"
    printf '%s' "$dir"
}

# shellcheck shell=bash
# raise build: each component at its resolved revision, out of tree, into
# the artefact store; an entry already in the store is reused.

# Helpers for recipes, which run inside the exported tree ($TREE) and
# install into $DEST (laid out as under a prefix).

# Run make in a directory of the tree with the configured parallelism.
# shellcheck disable=SC2153 # TREE and DEST are set for each recipe step
make_in() {
    local dir=$1
    shift
    make -C "$TREE/$dir" -j"${CFG[JOBS]}" "$@"
}

# Succeed when the Makefile in tree directory $1 has target $2.
has_target() {
    make -C "$TREE/$1" -n "$2" >/dev/null 2>&1
}

# Copy tree file $1 to $DEST/$2, keeping its mode.
put() {
    [[ -f $TREE/$1 ]] || {
        echo "expected build output '$1' is missing" >&2
        return 1
    }
    mkdir -p "$(dirname "$DEST/$2")"
    cp -p "$TREE/$1" "$DEST/$2"
}

# The list of components to act on: the arguments, or the enabled ones.
selected_components() {
    local -a comps
    if (($#)); then
        check_components "$@"
        comps=("$@")
    else
        read -r -a comps <<<"${CFG[ENABLED_COMPONENTS]}"
    fi
    ((${#comps[@]})) || die "no component selected (ENABLED_COMPONENTS is empty)"
    order_components "${comps[@]}"
}

# Run recipe step build for component $1 in tree $2 into stage $3, with the
# output in $3/build.log; returns the step's status. The step runs in a new
# shell (lib/step.sh) so that its errors stop it even though this function
# is called as a condition. RAISIN_CHANGESET names the revision for version
# strings (short commit, with -dirty-HASH for a work tree).
run_recipe_build() {
    local c=$1 tree=$2 stage=$3
    local changeset=${R_COMMIT:0:12}
    [[ $R_KIND == working ]] && changeset=${R_LABEL:0:12}${R_LABEL#"$R_COMMIT"}
    [[ $R_KIND == plain ]] && changeset=$R_LABEL
    declare -p CFG >"$stage/config.dump"
    # GIT_CEILING_DIRECTORIES keeps git in the build from finding a
    # repository around the scratch tree (such as this checkout).
    local ticker rc=0
    tick_build "$c" "$stage/build.log" &
    ticker=$!
    (cd "$tree" && TREE=$tree DEST=$stage/files RAISIN_CHANGESET=$changeset \
        GIT_CEILING_DIRECTORIES=$(dirname "$tree") \
        bash "$RAISIN_DIR/lib/step.sh" "$stage/config.dump" "$c" build) \
        >"$stage/build.log" 2>&1 || rc=$?
    kill "$ticker" 2>/dev/null || true
    wait "$ticker" 2>/dev/null || true
    return "$rc"
}

# While component $1 builds, say every RAISIN_PROGRESS_SECONDS (default 10;
# 0: never) how long it has run and the last line of its log $2 (what it is
# compiling). Stops by itself when raise is gone (killed outright).
tick_build() {
    local c=$1 log=$2 every=${RAISIN_PROGRESS_SECONDS:-10} start=$SECONDS next last
    ((every > 0)) || return 0
    next=$((SECONDS + every))
    while kill -0 "$$" 2>/dev/null; do
        sleep 0.5
        if ((SECONDS >= next)); then
            last=$(tail -n 1 "$log" 2>/dev/null | tr -cd '[:print:]' | cut -c 1-100)
            say "$c: compiling ($((SECONDS - start)) s): ${last:-no output yet}"
            next=$((SECONDS + every))
        fi
    done
}

# Succeed when component $1's recipe says to skip it on this host.
recipe_skips() {
    local fn
    fn="$(fprefix "$1")_skip"
    declare -F "$fn" >/dev/null && "$fn"
}

# Remove the staging directories under $1 of builds whose process is gone
# (killed: a trap cannot run on SIGKILL).
remove_dead_stages() {
    local d pid
    for d in "$1"/.stage-*; do
        [[ -d $d ]] || continue
        pid=${d##*-}
        [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && continue
        rm -rf "$d"
    done
}

# Build component $1 (or reuse its store entry) and print `artefact C DIR`.
build_one() {
    local c=$1 dir entry tree stage sub lock options start seconds v logcopy optional
    if recipe_skips "$c"; then
        say "$c: skipped on this host"
        return 0
    fi
    resolve_revision "$c"
    dir=$(artefact_dir "$c")
    entry=$(basename "$dir")
    v=$(component_variant "$c")
    mkdir -p "$STORE/$c"
    remove_dead_stages "$STORE/$c"
    exec {lock}>"$STORE/$c/.$entry.lock"
    flock "$lock"
    if artefact_valid "$dir"; then
        say "$c: reusing $entry"
        echo "artefact $c $dir"
        exec {lock}>&-
        return 0
    fi
    if [[ -e $dir ]]; then
        say "$c: store entry $entry is incomplete or altered; rebuilding it"
        rm -rf "$dir"
    fi
    say "$c: exporting the tree of $R_LABEL"
    tree=$(export_tree)
    sub="$(fprefix "$c")_subdir"
    sub=${!sub}
    [[ -d $tree/$sub ]] ||
        die "$c: directory '$sub' does not exist at revision $R_REVISION ($R_LABEL) of $R_SOURCE"
    optional="$(fprefix "$c")_makefile_optional"
    [[ -f $tree/$sub/Makefile || -n ${!optional:-} ]] ||
        die "$c: no Makefile in '$sub' at revision $R_REVISION ($R_LABEL) of $R_SOURCE"
    stage="$STORE/$c/.stage-$entry-$$"
    rm -rf "$stage"
    mkdir -p "$stage/files"
    options=$(call_recipe "$c" options)
    say "$c: building $R_LABEL${v:+ ($v)} from $R_SOURCE"
    start=$(date +%s%N)
    if ! run_recipe_build "$c" "$tree" "$stage"; then
        mkdir -p "$WORK_ROOT/logs"
        logcopy="$WORK_ROOT/logs/$c-$entry.log"
        cp "$stage/build.log" "$logcopy"
        tail -n 15 "$logcopy" | sed 's/^/    /' >&2
        rm -rf "$stage"
        die "$c: build of revision $R_REVISION ($R_LABEL) failed; log: $logcopy"
    fi
    seconds=$((($(date +%s%N) - start) / 1000000))
    seconds=$(printf '%d.%03d' $((seconds / 1000)) $((seconds % 1000)))
    say "$c: storing the build ($seconds s) in $dir"
    rm -f "$stage/config.dump"
    find "$stage/files" -mindepth 1 -type d -empty -delete
    write_manifest "$dir" "$stage" "$c" "$options" "$seconds" "$tree"
    mv "$stage" "$dir"
    exec {lock}>&-
    echo "artefact $c $dir"
}

# raise build [COMPONENT ...]
cmd_build() {
    local -a comps
    local c
    mapfile -t comps < <(selected_components "$@")
    ((${#comps[@]})) || exit 1
    for c in "${comps[@]}"; do
        build_one "$c"
    done
}

# raise clean [--artefacts] [COMPONENT ...]: remove the scratch trees of
# finished runs (a live run's, by its PID, is left alone) and the logs; with
# --artefacts also the store entries of the components (all if none).
cmd_clean() {
    local all=0 c d run pid
    if [[ ${1:-} == --artefacts ]]; then
        all=1
        shift
    fi
    if (($#)); then check_components "$@"; fi
    for run in "$WORK_ROOT"/work/run-*; do
        [[ -d $run && $run != "$RUN_DIR" ]] || continue
        pid=${run##*/run-}
        if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then continue; fi
        for d in "$run"/src-*; do
            [[ -d $d ]] || continue
            for c in "${COMPONENTS_KNOWN[@]}"; do
                (TREE=$d call_recipe "$c" clean) >/dev/null 2>&1 || true
            done
        done
        rm -rf "$run"
    done
    rm -rf "$WORK_ROOT/logs"
    say "removed finished runs' scratch trees and the logs under $WORK_ROOT"
    if ((all)); then
        if (($#)); then
            for c in "$@"; do rm -rf "${STORE:?}/$c"; done
        else
            for c in "${COMPONENTS_KNOWN[@]}"; do rm -rf "${STORE:?}/$c"; done
        fi
        say "removed store entries under $STORE"
    fi
}

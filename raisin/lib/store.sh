# shellcheck shell=bash
# The artefact store: <store>/<component>/<label>[-<variant>]/ holding
# files/ (what the component installs, laid out as under a prefix), the
# build log, and a manifest written last, so an entry with a manifest is whole.

# The variant of component $1 ("" when it has none).
component_variant() {
    local var
    var="$(fprefix "$1")_variant_option"
    if [[ -n ${!var:-} ]]; then printf '%s' "${CFG[${!var}]}"; fi
}

# What the build of component $1 at a commit (R_*) reads: the git tree id
# of its directory and of those of the components it needs, then its build
# options. Two commits with the same inputs (a change elsewhere, e.g. a
# README) build the same thing.
content_inputs() {
    local c=$1 d sub deps
    deps="$(fprefix "$c")_deps[@]"
    for d in "$c" ${!deps+"${!deps}"}; do
        sub="$(fprefix "$d")_subdir"
        printf '%s:%s=%s\n' "$d" "${!sub}" \
            "$(git -C "$R_GIT" rev-parse -q --verify "$R_COMMIT:${!sub}" 2>/dev/null || echo none)"
    done
    printf 'options=%s\n' "$(call_recipe "$c" options)"
}

# The store's name for component $1 at the resolved revision: at a commit,
# src-<digest of its inputs>; a work tree or plain directory keeps its label.
entry_label() {
    if [[ $R_KIND == commit && -n $R_GIT ]]; then
        printf 'src-%s' "$(content_inputs "$1" | sha256sum | cut -c1-20)"
    else
        printf '%s' "$R_LABEL"
    fi
}

# The store directory of component $1 at the resolved revision (R_*).
artefact_dir() {
    local c=$1 v
    v=$(component_variant "$c")
    printf '%s/%s/%s%s' "$STORE" "$c" "$(entry_label "$c")" "${v:+-$v}"
}

# Succeed when $1 is a whole store entry whose files match its manifest
# exactly: every listed file with its checksum, no other file, no symbolic
# link or other non-regular file anywhere under files/.
artefact_valid() {
    local dir=$1
    [[ -f $dir/manifest && -d $dir/files && ! -L $dir/files ]] || return 1
    [[ -z $(find "$dir/files" -mindepth 1 ! -type f ! -type d -print -quit) ]] || return 1
    [[ $(cd "$dir/files" && find . -type f -printf '%P\n' | LC_ALL=C sort) == \
        "$(sed -n '/^files:$/,$p' "$dir/manifest" | sed 1d | cut -c67- | LC_ALL=C sort)" ]] ||
        return 1
    (cd "$dir/files" &&
        sed -n '/^files:$/,$p' ../manifest | sed 1d | sha256sum -c --quiet --status -)
}

# The first line of the compiler's version.
compiler_version() {
    local cc=${CC:-gcc}
    "$cc" --version 2>/dev/null | head -n 1 || echo "none"
}

# Write the manifest of entry $1 (staged at $2) for component $3, built in
# the scratch tree $6 (recorded: paths compiled into the build name it).
write_manifest() {
    local dir=$1 stage=$2 c=$3 options=$4 seconds=$5 tree=$6 v
    v=$(component_variant "$c")
    {
        echo "component: $c"
        echo "source: $R_SOURCE"
        echo "revision: $R_REVISION"
        echo "commit: ${R_COMMIT:-none}"
        echo "label: $R_LABEL"
        echo "dirty: $([[ $R_KIND == working ]] && echo yes || echo no)"
        echo "variant: ${v:-none}"
        echo "options: ${options:-none}"
        echo "compiler: $(compiler_version)"
        echo "make: $(make --version | head -n 1)"
        echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "build_seconds: $seconds"
        echo "host: $(uname -n) $(uname -m)"
        echo "build_tree: $tree"
        if [[ $R_KIND == commit && -n $R_GIT ]]; then
            content_inputs "$c" | sed 's/^/input: /'
        fi
        echo "entry: $(basename "$dir")"
        echo "files:"
        (cd "$stage/files" && find . -type f -printf '%P\n' | LC_ALL=C sort |
            while IFS= read -r f; do sha256sum -- "$f"; done)
    } >"$stage/manifest.tmp"
    mv "$stage/manifest.tmp" "$stage/manifest"
}

# A manifest field: manifest_field FILE KEY.
manifest_field() {
    sed -n "s/^$2: //p" "$1" | head -n 1
}

# raise list: one line per store entry.
cmd_list() {
    local m c e
    [[ -d $STORE ]] || return 0
    printf '%-10s %-36s %-12s %-9s %s\n' COMPONENT ENTRY COMMIT VARIANT BUILT
    for m in "$STORE"/*/*/manifest; do
        [[ -f $m ]] || continue
        c=$(manifest_field "$m" component)
        e=$(basename "$(dirname "$m")")
        printf '%-10s %-36s %-12s %-9s %s\n' "$c" "$e" "$(manifest_field "$m" commit | cut -c1-12)" \
            "$(manifest_field "$m" variant)" "$(manifest_field "$m" built)"
    done
}

# raise show REVISION: the manifests of the entries whose name or commit
# starts with REVISION, or whose commit is what REVISION names in the
# configured source.
cmd_show() {
    local want=${1:-} m e commit full="" n=0
    [[ -n $want ]] || die "usage: raise show REVISION"
    if resolve_source "$(component_source xen)" 2>/dev/null && [[ $S_KIND == git ]]; then
        # shellcheck disable=SC2153 # S_GIT is set by resolve_source
        full=$(git -C "$S_GIT" rev-parse --verify -q "$want^{commit}" 2>/dev/null) || full=""
    fi
    for m in "$STORE"/*/*/manifest; do
        [[ -f $m ]] || continue
        e=$(basename "$(dirname "$m")")
        commit=$(manifest_field "$m" commit)
        if [[ $e == "$want"* || $commit == "$want"* || (-n $full && $commit == "$full") ]]; then
            echo "== $(dirname "$m")"
            cat "$m"
            n=$((n + 1))
        fi
    done
    ((n > 0)) || die "no artefact in $STORE matches revision '$want'"
}

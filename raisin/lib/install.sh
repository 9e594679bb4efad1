# shellcheck shell=bash
# raise install, configure, unraise and install-builddep. The prefix keeps
# what was done in <prefix>/.raisin/: <component>.files (installed files),
# <component>.configured (files written by configure), <component>.artefact.

# Parse a leading `--prefix DIR`; sets PREFIX_DIR, PREFIX_EXPLICIT (1 when
# given) and ARGS (the rest).
# shellcheck disable=SC2034 # PREFIX_EXPLICIT is read by cmd_test
parse_prefix() {
    PREFIX_DIR=${CFG[PREFIX]}
    PREFIX_EXPLICIT=0
    ARGS=()
    while (($#)); do
        case $1 in
        --prefix)
            [[ -n ${2:-} ]] || die "--prefix needs a directory"
            PREFIX_DIR=$2
            PREFIX_EXPLICIT=1
            shift 2
            ;;
        --prefix=*)
            PREFIX_DIR=${1#--prefix=}
            PREFIX_EXPLICIT=1
            shift
            ;;
        -*) die "unknown option '$1'" ;;
        *)
            ARGS+=("$1")
            shift
            ;;
        esac
    done
    mkdir -p "$PREFIX_DIR"
    PREFIX_DIR=$(cd "$PREFIX_DIR" && pwd)
}

# Remove the files listed (relative) in $2 from prefix $1, then the
# directories that this left empty.
remove_listed() {
    local prefix=$1 list=$2 f d
    [[ -f $list ]] || return 0
    while IFS= read -r f; do
        [[ -n $f && $f != *..* ]] || continue
        rm -f "$prefix/$f"
        d=$(dirname "$f")
        while [[ $d != . && $d != / ]]; do
            rmdir "$prefix/$d" 2>/dev/null || break
            d=$(dirname "$d")
        done
    done <"$list"
    rm -f "$list"
}

# raise install [--prefix DIR] [COMPONENT ...]: copy built artefacts in.
cmd_install() {
    local -a comps
    local c dir state
    parse_prefix "$@"
    mapfile -t comps < <(selected_components "${ARGS[@]}")
    ((${#comps[@]})) || exit 1
    state=$PREFIX_DIR/.raisin
    mkdir -p "$state"
    for c in "${comps[@]}"; do
        recipe_skips "$c" && continue
        resolve_revision "$c"
        dir=$(artefact_dir "$c")
        artefact_valid "$dir" ||
            die "$c: revision $R_REVISION ($R_LABEL) is not built (no valid $dir); run 'raise build $c' first"
        remove_listed "$PREFIX_DIR" "$state/$c.files"
        (cd "$dir/files" && find . -type f -printf '%P\n' | LC_ALL=C sort) >"$state/$c.files"
        cp -pR "$dir/files/." "$PREFIX_DIR/"
        echo "$dir" >"$state/$c.artefact"
        say "$c: installed $(basename "$dir") into $PREFIX_DIR"
    done
}

# raise configure [--prefix DIR]: let each installed component write its
# configuration (recipes print the files they wrote, relative to the prefix).
cmd_configure() {
    local c state list
    parse_prefix "$@"
    ((${#ARGS[@]} == 0)) || die "configure takes no component names"
    state=$PREFIX_DIR/.raisin
    for c in "${COMPONENTS_KNOWN[@]}"; do
        [[ -f $state/$c.files ]] || continue
        list=$(call_recipe "$c" configure "$PREFIX_DIR") ||
            die "$c: configure failed"
        printf '%s\n' "$list" | sed '/^$/d' >"$state/$c.configured"
        say "$c: configured ($(wc -l <"$state/$c.configured") files)"
    done
}

# Undo component $1's configuration in prefix $2.
unconfigure_one() {
    local c=$1 prefix=$2
    [[ -f $prefix/.raisin/$c.configured ]] || return 0
    call_recipe "$c" unconfigure "$prefix"
    remove_listed "$prefix" "$prefix/.raisin/$c.configured"
}

# raise unraise [--prefix DIR]: undo configure and install.
cmd_unraise() {
    local c state
    parse_prefix "$@"
    ((${#ARGS[@]} == 0)) || die "unraise takes no component names"
    state=$PREFIX_DIR/.raisin
    for c in "${COMPONENTS_KNOWN[@]}"; do
        unconfigure_one "$c" "$PREFIX_DIR"
        if [[ -f $state/$c.files ]]; then
            remove_listed "$PREFIX_DIR" "$state/$c.files"
            rm -f "$state/$c.artefact"
            say "$c: removed from $PREFIX_DIR"
        fi
    done
    rmdir "$state" 2>/dev/null || true
}

# The build dependencies (Debian packages) of the enabled components.
builddep_list() {
    local distro c
    local -a comps
    distro=$(host_distro)
    [[ $distro == debian ]] ||
        die "install-builddep: no package lists for distribution '$distro' (recipes list Debian bookworm packages)"
    read -r -a comps <<<"${CFG[ENABLED_COMPONENTS]}"
    for c in "${comps[@]}"; do
        call_recipe "$c" check_package "$distro"
    done | tr -s ' \t' '\n' | sed '/^$/d' | LC_ALL=C sort -u
}

# raise install-builddep [--print]: apt-get the missing build dependencies.
cmd_install_builddep() {
    local -a pkgs missing=()
    local p status
    mapfile -t pkgs < <(builddep_list)
    ((${#pkgs[@]})) || exit 1
    if [[ ${1:-} == --print ]]; then
        printf '%s\n' "${pkgs[@]}"
        return 0
    fi
    [[ -z ${1:-} ]] || die "unknown option '$1'"
    for p in "${pkgs[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        say "install-builddep: all ${#pkgs[@]} packages present"
        return 0
    fi
    ((EUID == 0)) || die "install-builddep: missing ${missing[*]}; run as root to install them"
    say "install-builddep: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

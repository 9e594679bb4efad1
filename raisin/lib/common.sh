# shellcheck shell=bash
# Shared helpers of raise: messages, errors, component names and registry.

# Print a progress message on stderr.
say() {
    printf 'raise: %s\n' "$*" >&2
}

# Print an error naming what is wrong and stop.
die() {
    printf 'raise: error: %s\n' "$*" >&2
    exit 1
}

# The shell prefix of a component's recipe functions: xen-tools -> xen_tools.
fprefix() {
    local c=$1
    printf '%s' "${c//-/_}"
}

# The configuration key prefix of a component: xen-tools -> XEN_TOOLS.
kprefix() {
    local c=${1//-/_}
    printf '%s' "${c^^}"
}

# Fill the array COMPONENTS_KNOWN with the recipes under components/.
load_registry() {
    local f name
    COMPONENTS_KNOWN=()
    for f in "$RAISIN_DIR"/components/*; do
        [[ -f $f ]] || continue
        name=$(basename "$f")
        [[ $name =~ ^[a-z][a-z0-9-]*$ ]] || continue
        # shellcheck source=/dev/null
        source "$f"
        COMPONENTS_KNOWN+=("$name")
    done
}

# Succeed when $1 names a known component.
is_component() {
    local c
    for c in "${COMPONENTS_KNOWN[@]}"; do
        [[ $c == "$1" ]] && return 0
    done
    return 1
}

# Stop with a message unless every argument names a known component.
check_components() {
    local c
    for c in "$@"; do
        is_component "$c" ||
            die "unknown component '$c' (known: ${COMPONENTS_KNOWN[*]})"
    done
}

# Append component $1 to ORDER after the wanted components it depends on
# (a recipe lists them in <prefix>_deps).
order_visit() {
    local n=$1 d deps_var
    [[ -n ${ORDER_SEEN[$n]:-} ]] && return 0
    ORDER_SEEN[$n]=1
    deps_var="$(fprefix "$n")_deps[@]"
    for d in "${!deps_var}"; do
        if [[ -n ${ORDER_WANT[$d]:-} ]]; then order_visit "$d"; fi
    done
    ORDER+=("$n")
}

# Print the given components in dependency order; components not given are
# not added.
order_components() {
    local c
    declare -gA ORDER_WANT=() ORDER_SEEN=()
    ORDER=()
    for c in "$@"; do ORDER_WANT[$c]=1; done
    for c in "${COMPONENTS_KNOWN[@]}"; do
        if [[ -n ${ORDER_WANT[$c]:-} ]]; then order_visit "$c"; fi
    done
    printf '%s\n' "${ORDER[@]}"
}

# Call a recipe function if the recipe defines it: call_recipe COMP STEP ARGS.
call_recipe() {
    local c=$1 step=$2 fn
    shift 2
    fn="$(fprefix "$c")_$step"
    declare -F "$fn" >/dev/null || return 0
    "$fn" "$@"
}

# The Debian-like distribution family of this host, for dependency lists.
host_distro() {
    local id="" like=""
    if [[ -r /etc/os-release ]]; then
        id=$(. /etc/os-release && printf '%s' "${ID:-}")
        like=$(. /etc/os-release && printf '%s' "${ID_LIKE:-}")
    fi
    case " $id $like " in
    *" debian "* | *" ubuntu "*) echo debian ;;
    *) echo "${id:-unknown}" ;;
    esac
}

# shellcheck shell=bash
# The configuration: raisin/config (seeded from defconfig), a file of
# KEY=VALUE lines, then environment variables of the same names on top.

# Options every configuration may set, besides <COMPONENT>_SOURCE and
# <COMPONENT>_REVISION for each known component.
CONFIG_GLOBAL_KEYS=(ENABLED_COMPONENTS RAISIN_SOURCE PREFIX XEN_VARIANT
    XEN_CMDLINE JOBS BOOT_TESTS)

# Succeed when $1 is an option the configuration may set.
config_key_known() {
    local key=$1 k c
    for k in "${CONFIG_GLOBAL_KEYS[@]}"; do
        [[ $k == "$key" ]] && return 0
    done
    for c in "${COMPONENTS_KNOWN[@]}"; do
        k=$(kprefix "$c")
        [[ $key == "${k}_SOURCE" || $key == "${k}_REVISION" ]] && return 0
    done
    return 1
}

# Copy defconfig to the configuration file when it does not exist yet.
seed_config() {
    local file=$1
    [[ -e $file ]] && return 0
    cp "$RAISIN_DIR/defconfig" "$file" ||
        die "cannot create $file from $RAISIN_DIR/defconfig"
    say "created $file from defconfig"
}

# Read KEY=VALUE lines of $1 into the associative array CFG, stopping with
# file:line on anything else. Values may be quoted with ' or ".
read_config_file() {
    local file=$1 line n=0 key value
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        line=${line%%#*}
        line=${line#"${line%%[![:space:]]*}"}
        line=${line%"${line##*[![:space:]]}"}
        [[ -z $line ]] && continue
        [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] ||
            die "$file:$n: expected KEY=VALUE, got '$line'"
        key=${BASH_REMATCH[1]}
        value=${BASH_REMATCH[2]}
        config_key_known "$key" || die "$file:$n: unknown option '$key'"
        if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
            value=${BASH_REMATCH[1]}
        elif [[ $value == *[\"\'\$\`\\]* ]]; then
            die "$file:$n: bad value for $key: '$value' (quote it whole)"
        fi
        # An empty value keeps the default.
        if [[ -n $value ]]; then CFG[$key]=$value; fi
    done <"$file"
}

# Let environment variables override the file: every option by its own name,
# and COMPONENTS for ENABLED_COMPONENTS.
apply_environment() {
    local key c k
    local -a keys=("${CONFIG_GLOBAL_KEYS[@]}")
    for c in "${COMPONENTS_KNOWN[@]}"; do
        k=$(kprefix "$c")
        keys+=("${k}_SOURCE" "${k}_REVISION")
    done
    for key in "${keys[@]}"; do
        [[ -n ${!key:-} ]] && CFG[$key]=${!key}
    done
    [[ -n ${COMPONENTS:-} ]] && CFG[ENABLED_COMPONENTS]=$COMPONENTS
    return 0
}

# Check the values that have a fixed shape, naming the bad one.
validate_config() {
    local -a enabled
    read -r -a enabled <<<"${CFG[ENABLED_COMPONENTS]:-}"
    check_components "${enabled[@]}"
    case ${CFG[XEN_VARIANT]:-debug} in
    debug | release | coverage) ;;
    *) die "bad XEN_VARIANT '${CFG[XEN_VARIANT]}' (expected debug, release or coverage)" ;;
    esac
    [[ ${CFG[JOBS]:-1} =~ ^[1-9][0-9]*$ ]] ||
        die "bad JOBS '${CFG[JOBS]}' (expected a positive number)"
}

# Load the whole configuration into CFG.
load_config() {
    local file=${RAISIN_CONFIG:-$RAISIN_DIR/config}
    declare -gA CFG=()
    CFG[ENABLED_COMPONENTS]="xen xen-tools xtf gcov boot"
    CFG[XEN_VARIANT]=debug
    CFG[JOBS]=2
    CFG[PREFIX]=$TOP/results/raisin/root
    CFG[XEN_CMDLINE]="console=com1 com1=115200,8n1 loglvl=all exit_on_idle debug_exit=0xf4"
    CFG[BOOT_TESTS]="test-hvm64-example"
    seed_config "$file"
    read_config_file "$file"
    apply_environment
    validate_config
}

# The value of a component's option: cfg_comp COMP SOURCE|REVISION.
cfg_comp() {
    local key
    key="$(kprefix "$1")_$2"
    printf '%s' "${CFG[$key]:-}"
}

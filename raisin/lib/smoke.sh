# shellcheck shell=bash
# raise test: smoke tests of the installed system, each printing
# `test NAME: success` or `test NAME: fail` (then an indented reason).
#   xen-boot      the hypervisor boots on QEMU and prints "(XEN) ready"
#   xtf-example   xtf-runner passes test-hvm64-example on that hypervisor
#   xenstored     `xenstored --socket PATH` answers a DIRECTORY request
#                 for "/" on that unix socket

# Report one smoke test: report NAME success|fail [REASON].
report() {
    local name=$1 result=$2 reason=${3:-}
    echo "test $name: $result"
    [[ -n $reason ]] && echo "    $name: $reason"
    [[ $result == success ]] || SMOKE_FAILED=1
    return 0
}

# Stop a process this script started, by its PID.
stop_pid() {
    local pid=$1
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Boot the hypervisor $1 on QEMU with no domain; succeed when its console
# says "(XEN) ready" within SMOKE_TIMEOUT seconds.
boot_until_ready() {
    local xen=$1 log=$2 pid deadline
    : >"$log"
    qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2 -display none \
        -no-reboot -monitor none -serial "file:$log" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$xen" -append "${CFG[XEN_CMDLINE]}" >"$log.qemu" 2>&1 &
    pid=$!
    deadline=$((SECONDS + ${SMOKE_TIMEOUT:-60}))
    while ((SECONDS < deadline)); do
        if grep -q '^(XEN) \(\[[ 0-9.]*\] \)\?ready' "$log"; then
            stop_pid "$pid"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    stop_pid "$pid"
    grep -q '^(XEN) \(\[[ 0-9.]*\] \)\?ready' "$log"
}

smoke_xen_boot() {
    local xen=$PREFIX_DIR/boot/xen log=$SMOKE_DIR/xen-boot.log
    if [[ ! -f $xen ]]; then
        report xen-boot fail "no hypervisor installed at $xen (raise build xen && raise install)"
    elif boot_until_ready "$xen" "$log"; then
        report xen-boot success
    else
        report xen-boot fail "no '(XEN) ready' on the console; log: $log"
    fi
}

smoke_xtf_example() {
    local runner=$PREFIX_DIR/lib/xtf/xtf-runner xen=$PREFIX_DIR/boot/xen
    local log=$SMOKE_DIR/xtf-example.log
    if [[ ! -x $runner ]]; then
        report xtf-example fail "no xtf-runner installed at $runner (xtf not built or installed)"
    elif [[ ! -f $xen ]]; then
        report xtf-example fail "no hypervisor installed at $xen"
    elif timeout "${SMOKE_TIMEOUT:-60}" "$runner" --xen "$xen" test-hvm64-example >"$log" 2>&1; then
        report xtf-example success
    else
        report xtf-example fail "xtf-runner exited with status $?; log: $log"
    fi
}

# Send a xenstore DIRECTORY request for "/" to the unix socket $1 and
# succeed when the reply is a DIRECTORY reply (type 1), not an ERROR (16).
xenstore_ask_root() {
    python3 - "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
payload = b"/\0"
s.sendall(struct.pack("<IIII", 1, 7, 0, len(payload)) + payload)
head = b""
while len(head) < 16:
    chunk = s.recv(16 - len(head))
    if not chunk:
        sys.exit("connection closed before a reply")
    head += chunk
kind, req, tx, length = struct.unpack("<IIII", head)
sys.exit(0 if kind == 1 and req == 7 else "reply type %d req %d" % (kind, req))
PY
}

smoke_xenstored() {
    local daemon=$PREFIX_DIR/sbin/xenstored rundir=$SMOKE_DIR/xenstored pid i
    if [[ ! -x $daemon ]]; then
        report xenstored fail "no xenstored installed at $daemon (xen-tools not built or installed)"
        return
    fi
    mkdir -p "$rundir"
    "$daemon" --socket "$rundir/socket" >"$SMOKE_DIR/xenstored.log" 2>&1 &
    pid=$!
    for ((i = 0; i < 50; i++)); do
        [[ -S $rundir/socket ]] && break
        sleep 0.1
    done
    if [[ -S $rundir/socket ]] && xenstore_ask_root "$rundir/socket" >>"$SMOKE_DIR/xenstored.log" 2>&1; then
        report xenstored success
    else
        report xenstored fail "no DIRECTORY reply on $rundir/socket; log: $SMOKE_DIR/xenstored.log"
    fi
    stop_pid "$pid"
}

# Copy the store entries of the enabled components that are built, at the
# configured revisions, into a scratch prefix, and use it as PREFIX_DIR.
stage_built_system() {
    local c dir
    local -a comps
    PREFIX_DIR=$RUN_DIR/prefix
    mkdir -p "$PREFIX_DIR"
    read -r -a comps <<<"${CFG[ENABLED_COMPONENTS]}"
    for c in "${comps[@]}"; do
        resolve_revision "$c"
        dir=$(artefact_dir "$c")
        if artefact_valid "$dir"; then
            cp -pR "$dir/files/." "$PREFIX_DIR/"
        else
            say "$c: $R_LABEL is not built; its smoke tests will fail"
        fi
    done
}

# raise test [--prefix DIR] [TEST ...]: without --prefix, and with nothing
# installed in the configured prefix, the built artefacts are tested.
cmd_test() {
    local t
    local -a tests
    parse_prefix "$@"
    if ((PREFIX_EXPLICIT == 0)) && [[ ! -f $PREFIX_DIR/.raisin/xen.files ]]; then
        say "nothing installed in $PREFIX_DIR: testing the built artefacts"
        stage_built_system
    fi
    tests=("${ARGS[@]}")
    ((${#tests[@]})) || tests=(xen-boot xtf-example xenstored)
    SMOKE_FAILED=0
    SMOKE_DIR=$WORK_ROOT/logs/smoke-$$
    mkdir -p "$SMOKE_DIR"
    for t in "${tests[@]}"; do
        case $t in
        xen-boot) smoke_xen_boot ;;
        xtf-example) smoke_xtf_example ;;
        xenstored) smoke_xenstored ;;
        *) die "unknown test '$t' (known: xen-boot xtf-example xenstored)" ;;
        esac
    done
    ((SMOKE_FAILED == 0))
}

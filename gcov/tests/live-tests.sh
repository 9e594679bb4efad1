# End-to-end tests of coverage from the live hypervisor, sourced by run-tests
# (uses its result()): build `make -C xen COVERAGE=y`, boot it under QEMU
# (TCG) with the dump channel on the debug port or COM2, drive the debug keys
# through a serial pipe, and check what gcov/collect reports. QEMU and the
# serial reader are started here and stopped by PID.
# shellcheck shell=bash

live_xen_dir=${top:?}/xen
live_objdir=$live_xen_dir/build/cov
live_work=$top/results/gcov-tests/live
live_pids=()

# QEMU is exec'd, so that a caller running this in the background holds
# timeout's PID, and killing that PID stops QEMU too.
live_qemu() {
    exec timeout 60 qemu-system-x86_64 -accel tcg -cpu max -display none -no-reboot -monitor none \
        -nodefaults -m 128 -smp 2 -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$live_objdir/xen" "$@"
}

live_stop() {
    local p
    for p in "${live_pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    live_pids=()
}

# Execution count of function $2 in file $3 of the gcovr tracefile $1.
live_count() {
    python3 - "$@" <<'PY'
import json, sys
path, fn, src = sys.argv[1:]
for f in json.load(open(path))["files"]:
    if f["file"].endswith(src):
        for g in f["functions"]:
            if g["name"] == fn:
                print(g["execution_count"])
                sys.exit(0)
print("missing")
PY
}

# Proves: the COVERAGE=y variant builds in build/cov/ with .gcno files
# beside the objects, and leaves the default build's image alone.
test_live_build() {
    local before=none
    [[ -f $live_xen_dir/xen ]] && before=$(cksum <"$live_xen_dir/xen")
    if make -s -C "$live_xen_dir" COVERAGE=y -j2 >"$live_work/build.log" 2>&1 &&
        [[ -f $live_objdir/xen && -f $live_objdir/common/domain.gcno ]] &&
        [[ $before == none || $before == "$(cksum <"$live_xen_dir/xen")" ]]; then
        result 1 "live: make -C xen COVERAGE=y builds build/cov/xen"
        return 0
    fi
    tail -n 20 "$live_work/build.log"
    result 0 "live: make -C xen COVERAGE=y builds build/cov/xen"
    return 1
}

# Proves: every instrumented object registers at boot (the count printed
# equals the .gcno files), coverage=boot,exit dumps twice on the debug port,
# a function run at boot (paging_init) is counted and a debug key handler
# never pressed (show_version) is not.
test_live_boot() {
    local w=$live_work/boot ngcno nobj
    mkdir -p "$w"
    rm -rf "${w:?}"/*
    (live_qemu -serial "file:$w/serial.log" -debugcon "file:$w/cov.bin" \
        -append "console=com1 exit_on_idle debug_exit=0xf4 coverage=boot,exit" \
        </dev/null >"$w/qemu.log" 2>&1) || true
    ngcno=$(find "$live_objdir" -name '*.gcno' | wc -l)
    nobj=$(sed -n 's/.*coverage: \([0-9]*\) objects.*/\1/p' "$w/serial.log")
    result "$((ngcno > 0 && ${nobj:-0} == ngcno))" \
        "live: all $ngcno objects registered at boot (hypervisor says ${nobj:-none})"
    result "$(grep -c 'coverage: dump [12],' "$w/serial.log" | grep -qx 2 && echo 1 || echo 0)" \
        "live: coverage=boot,exit dumps at boot and at power-off"
    if ! "$top/gcov/collect" --capture "$w/cov.bin" --objdir "$live_objdir" --root "$live_xen_dir" \
        --flight live-boot --results "$w/report" >"$w/collect.log" 2>&1; then
        tail -n 5 "$w/collect.log"
        result 0 "live: boot dump extracted and reported"
        return
    fi
    local run idle
    run=$(live_count "$w/report/live-boot/coverage.json" paging_init arch/x86/mm.c)
    idle=$(live_count "$w/report/live-boot/coverage.json" show_version common/keyhandler.c)
    result "$([[ $run =~ ^[1-9] && $idle == 0 ]] && echo 1 || echo 0)" \
        "live: paging_init executed ($run), show_version not ($idle)"
    cp "$w/cov.bin" "$live_work/boot.cov"
}

# Proves: debug key G dumps at any time, W resets: after W a function that
# only runs at boot (paging_init) counts 0 in the next dump, while the key
# handler pressed before (show_version, key v) was counted in the first.
test_live_keys() {
    local w=$live_work/keys qemu_pid reader_pid i
    mkdir -p "$w"
    rm -rf "${w:?}"/*
    mkfifo "$w/con.in" "$w/con.out"
    cat "$w/con.out" >"$w/serial.log" &
    reader_pid=$!
    live_qemu -chardev "pipe,id=con,path=$w/con" -serial chardev:con \
        -debugcon "file:$w/cov.bin" -append "console=com1 coverage=port=0xe9" \
        >"$w/qemu.log" 2>&1 &
    qemu_pid=$!
    live_pids=("$qemu_pid" "$reader_pid")
    exec 7>"$w/con.in"
    live_wait "$w/serial.log" 'ready' || true
    # Ctrl-A three times switches input to the hypervisor; keys run in order.
    printf '\001\001\001vG' >&7
    live_wait "$w/serial.log" 'coverage: dump 1,' || true
    printf 'W' >&7
    live_wait "$w/serial.log" 'coverage: counters reset' || true
    printf 'G' >&7
    live_wait "$w/serial.log" 'coverage: dump 2,' || true
    exec 7>&-
    live_stop
    i=$(grep -c 'coverage: dump [12],' "$w/serial.log" || true)
    result "$((i == 2))" "live: debug key G dumps ($i dumps)"
    local first second pressed
    "$top/gcov/collect" --capture "$w/cov.bin" --dump 1 --objdir "$live_objdir" \
        --root "$live_xen_dir" --flight k1 --results "$w/report" >"$w/collect1.log" 2>&1 || true
    "$top/gcov/collect" --capture "$w/cov.bin" --dump 2 --objdir "$live_objdir" \
        --root "$live_xen_dir" --flight k2 --results "$w/report" >"$w/collect2.log" 2>&1 || true
    first=$(live_count "$w/report/k1/coverage.json" paging_init arch/x86/mm.c 2>/dev/null || echo none)
    second=$(live_count "$w/report/k2/coverage.json" paging_init arch/x86/mm.c 2>/dev/null || echo none)
    pressed=$(live_count "$w/report/k1/coverage.json" show_version common/keyhandler.c 2>/dev/null ||
        echo none)
    if ! [[ $first =~ ^[1-9] && $second == 0 && $pressed =~ ^[1-9] ]]; then
        live_explain "$w"
    fi
    result "$([[ $first =~ ^[1-9] && $second == 0 ]] && echo 1 || echo 0)" \
        "live: debug key W resets (paging_init $first before, $second after)"
    result "$([[ $pressed =~ ^[1-9] ]] && echo 1 || echo 0)" \
        "live: a pressed key's handler is counted (show_version $pressed)"
}

# What a failed keys test saw: the dumps in the capture, the collectors'
# last words and the console's coverage lines.
live_explain() {
    local w=$1
    echo "--- dumps in $w/cov.bin:"
    "$top/gcov/build/xen-gcov-extract" --list "$w/cov.bin" 2>&1 | grep '^dump' || true
    echo "--- collect of dump 1:"
    tail -n 5 "$w/collect1.log"
    echo "--- collect of dump 2:"
    tail -n 5 "$w/collect2.log"
    echo "--- console:"
    grep -a -e 'coverage' -e 'ready' "$w/serial.log" | tail -n 8
}

# live_wait LOG REGEX: wait up to 20 s for the (multi-line) regex.
live_wait() {
    local i
    for ((i = 0; i < 200; i++)); do
        grep -Pzq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# Proves: the second UART works as the dump channel (coverage=port=0x2f8).
test_live_uart() {
    local w=$live_work/uart
    mkdir -p "$w"
    rm -rf "${w:?}"/*
    (live_qemu -serial "file:$w/serial.log" -serial "file:$w/cov.bin" \
        -append "console=com1 exit_on_idle debug_exit=0xf4 coverage=port=0x2f8,exit" \
        </dev/null >"$w/qemu.log" 2>&1) || true
    result "$("$top/gcov/build/xen-gcov-extract" --check "$w/cov.bin" >"$w/check.log" 2>&1 &&
        echo 1 || echo 0)" "live: dump over COM2 (port 0x2f8) passes the extractor's checks"
}

# Proves: a dump from another build of the same sources is refused with a
# stamp mismatch, and nothing is written.
test_live_other_build() {
    local other=build/cov-other w=$live_work/other
    mkdir -p "$w"
    if ! [[ -f $live_work/boot.cov ]] ||
        ! make -s -C "$live_xen_dir" COVERAGE=y BUILD=$other -j2 >"$w/build.log" 2>&1; then
        result 0 "live: dump from another build refused (no dump or build failed)"
        return
    fi
    find "$live_xen_dir/$other" -name '*.gcda' -delete
    if "$top/gcov/build/xen-gcov-extract" --map "$live_objdir/=$live_xen_dir/$other/" \
        "$live_work/boot.cov" >"$w/extract.log" 2>&1; then
        result 0 "live: dump from another build refused (it was accepted)"
    else
        result "$(grep -q 'stamp mismatch' "$w/extract.log" &&
            [[ -z $(find "$live_xen_dir/$other" -name '*.gcda' -print -quit) ]] &&
            echo 1 || echo 0)" "live: dump from another build refused (stamp mismatch, nothing written)"
    fi
    rm -rf "${live_xen_dir:?}/$other"
}

live_tests() {
    mkdir -p "$live_work"
    trap live_stop EXIT
    make -s -C "$top/gcov" >/dev/null
    test_live_build || return 0
    test_live_boot
    test_live_keys
    test_live_uart
    test_live_other_build
}

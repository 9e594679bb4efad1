#!/usr/bin/env bash
# Run test suites and add up their results.
#
# Usage: check-suites.sh [NAME ...]
# The suites are the files mk/suites.d/NAME, each holding one shell command run
# from the top of the tree; with no NAME every suite runs, in name order.
# Each suite is a shell command that prints one line per test and ends with a
# line "N passed, N failed", optionally followed by ", N skipped" and
# ", N flaky" (a skip is never a pass, nor is a failure that passed only when
# run again: both are added up apart). A suite that exits non-zero without
# such a line counts as one failed test, so a crashing suite can never look
# green. The output of each suite is kept in results/check/NAME.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logdir="$top/results/check"

run_suite() {
    local name=$1 cmd=$2 log="$logdir/$1.log" rc=0 line
    echo "=== suite $name: $cmd"
    (cd "$top" && bash -c "$cmd") 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
    line=$(grep -aE '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
    if [[ -z $line ]]; then
        echo "=== suite $name: no result line (exit $rc): counted as 1 failed"
        suite_pass=0 suite_fail=1 suite_skip=0 suite_flaky=0
        return
    fi
    line=${line#*: }
    suite_pass=${line%% passed*}
    suite_fail=${line#*passed, }
    suite_fail=${suite_fail%% failed*}
    suite_skip=0 suite_flaky=0
    if [[ $line =~ failed,\ ([0-9]+)\ skipped ]]; then
        suite_skip=${BASH_REMATCH[1]}
    fi
    if [[ $line =~ ,\ ([0-9]+)\ flaky ]]; then
        suite_flaky=${BASH_REMATCH[1]}
    fi
    if ((rc != 0 && suite_fail == 0)); then
        echo "=== suite $name: exit $rc with no failure counted: counted as 1 failed"
        suite_fail=1
    fi
    echo "=== suite $name: $suite_pass passed, $suite_fail failed, $suite_skip skipped," \
        "$suite_flaky flaky"
}

main() {
    local total_pass=0 total_fail=0 total_skip=0 total_flaky=0 name cmd summary=() names=("$@")
    mkdir -p "$logdir"
    if ((${#names[@]} == 0)); then
        mapfile -t names < <(cd "$top/mk/suites.d" && ls)
    fi
    for name in "${names[@]}"; do
        if [[ ! -f $top/mk/suites.d/$name ]]; then
            echo "check-suites: no suite '$name' in mk/suites.d" >&2
            return 2
        fi
        cmd=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/mk/suites.d/$name")
        run_suite "$name" "$cmd"
        total_pass=$((total_pass + suite_pass))
        total_fail=$((total_fail + suite_fail))
        total_skip=$((total_skip + suite_skip))
        total_flaky=$((total_flaky + suite_flaky))
        summary+=("$(printf '%-16s %5d passed, %d failed, %d skipped, %d flaky' "$name" \
            "$suite_pass" "$suite_fail" "$suite_skip" "$suite_flaky")")
    done
    echo
    printf '%s\n' "${summary[@]}"
    echo "$total_pass passed, $total_fail failed, $total_skip skipped, $total_flaky flaky"
    ((total_fail == 0))
}

main "$@"

#!/usr/bin/env bash
# Style checks, one per language, over the files git tracks:
#   C      clang-format (.clang-format at the top)
#   shell  shellcheck, on every bash script
#   Perl   perltidy (.perltidyrc at the top): the file must be unchanged;
#          osstest's Perl says use v5.36, strict and warnings
# Prints PASS/FAIL per check and ends with "N passed, N failed".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0
failed=0

report() {
    local name=$1 bad=$2 count=$3
    if [[ -z $bad ]]; then
        echo "PASS $name ($count files)"
        passed=$((passed + 1))
    else
        echo "FAIL $name: $(wc -w <<<"$bad") of $count files:"
        local f
        for f in $bad; do # the names hold no spaces: they come from git ls-files
            echo "    $f"
        done
        failed=$((failed + 1))
    fi
}

check_c() {
    local -a files
    local bad="" f
    mapfile -t files < <(git ls-files -- '*.c' '*.h')
    for f in "${files[@]}"; do
        [[ -f $f ]] || continue
        clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+="$f "
    done
    report clang-format "$bad" "${#files[@]}"
}

shell_scripts() {
    local f
    while IFS= read -r f; do
        [[ -f $f ]] || continue
        case $f in
        *.sh) echo "$f" ;;
        *.*) ;;
        *) head -n1 "$f" | grep -Eq '^#!.*\bbash\b' && echo "$f" ;;
        esac
    done < <(git ls-files)
}

check_shell() {
    local -a files
    local bad="" f
    mapfile -t files < <(shell_scripts)
    for f in "${files[@]}"; do
        shellcheck -x --source-path=SCRIPTDIR "$f" >/dev/null 2>&1 || bad+="$f "
    done
    report shellcheck "$bad" "${#files[@]}"
}

perl_files() {
    local f
    while IFS= read -r f; do
        [[ -f $f ]] || continue
        case $f in
        *.pm | *.pl | *.t) echo "$f" ;;
        *.*) ;;
        *) head -n1 "$f" | grep -Eq '^#!.*\bperl\b' && echo "$f" ;;
        esac
    done < <(git ls-files)
}

check_perl() {
    local -a files
    local bad="" f tmp
    mapfile -t files < <(perl_files)
    tmp=$(mktemp)
    for f in "${files[@]}"; do
        perltidy --profile=.perltidyrc -st "$f" >"$tmp" 2>/dev/null && cmp -s "$tmp" "$f" || bad+="$f "
    done
    rm -f "$tmp"
    report perltidy "$bad" "${#files[@]}"
}

# Every osstest Perl file says "use v5.36;", strict and warnings, in that
# order on consecutive lines (the osstest suite counts no formatting checks).
check_perl_header() {
    local -a files
    local bad="" f
    mapfile -t files < <(perl_files | grep '^osstest/')
    for f in "${files[@]}"; do
        perl -0ne 'exit(/^use v5\.36;\nuse strict;\nuse warnings;$/m ? 0 : 1)' "$f" || bad+="$f "
    done
    report perl-v5.36-strict-warnings "$bad" "${#files[@]}"
}

check_c
check_shell
check_perl
check_perl_header
echo "$passed passed, $failed failed"
((failed == 0))

#!/bin/bash
# Fails the first time it runs in a job, passes on the retry.
if [[ -e $OSSTEST_JOBDIR/flaky-ran ]]; then echo pass; exit 0; fi
touch "$OSSTEST_JOBDIR/flaky-ran"
echo "first run fails"
exit 1

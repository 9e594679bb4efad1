#!/usr/bin/env python3
"""The make check suite of the test framework (mk/suites.d/xtf).

Steps: build every image; run the runner's unit tests; boot the default
suite in --bare mode (no hypervisor: each test must pass, or skip because it
needs the hypervisor); boot the reporting self test's variations and compare
each outcome and the runner's exit code.  With --xen, also run the default
suite on the hypervisor (xen/xen), the mode the lead turns on when domains run.
Prints a line per test and ends with "N passed, N failed, N skipped" and, when
a failing instance passed when its boot ran again, ", N flaky (...)".

A SKIP is never a pass.  The runner keeps an instance's SKIP only when the
instance needs something (its @needs) the run does not offer, and turns
every other SKIP into a FAILURE; such skips are counted apart here.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
XTF = os.path.dirname(HERE)
TOP = os.path.dirname(XTF)
RUNNER = os.path.join(XTF, "xtf-runner")
OUT = os.path.join(TOP, "results", "xtf-check")

REPORT_EXPECT = {
    "success": "SUCCESS", "warning": "SUCCESS", "skip": "SKIP", "error": "ERROR",
    "failure": "FAILURE", "rising": "FAILURE", "nostatus": "ERROR", "panic": "CRASH",
    "fault": "CRASH", "hang": "CRASH",
}


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = self.flaky = 0

    def flake(self, name, why):
        self.flaky += 1
        print(f"FLAKE {name}: {why}")
        sys.stdout.flush()

    def skip(self, name, why):
        self.skipped += 1
        print(f"SKIP {name}: {why}")
        sys.stdout.flush()

    def check(self, name, ok, why=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + why if why else ''}")
        sys.stdout.flush()


def step_build(t, xen=False):
    p = subprocess.run(["make", "-s", "-C", XTF, "-j2"], capture_output=True, text=True)
    t.check("build: make -C xtf", p.returncode == 0, (p.stdout + p.stderr)[-2000:])
    if p.returncode or not xen:
        return p.returncode == 0
    # The xenstore domain the tests that need xenstore boot with.
    xsdom = os.path.join(TOP, "xen", "tools", "xsdom")
    p = subprocess.run(["make", "-s", "-C", xsdom], capture_output=True, text=True)
    t.check("build: make -C xen/tools/xsdom", p.returncode == 0, (p.stdout + p.stderr)[-2000:])
    return p.returncode == 0


class LineResult(unittest.TextTestResult):
    def __init__(self, tally, *a, **kw):
        super().__init__(*a, **kw)
        self.tally = tally

    def addSuccess(self, test):
        super().addSuccess(test)
        self.tally.check(f"unit: {test.id().split('.', 1)[1]}", True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.tally.check(f"unit: {test.id().split('.', 1)[1]}", False,
                         self._exc_info_to_string(err, test).splitlines()[-1])

    def addError(self, test, err):
        super().addError(test, err)
        self.tally.check(f"unit: {test.id().split('.', 1)[1]}", False,
                         self._exc_info_to_string(err, test).splitlines()[-1])


def step_unit(t):
    sys.path.insert(0, HERE)
    import test_runner  # noqa: E402

    suite = unittest.defaultTestLoader.loadTestsFromModule(test_runner)
    with open(os.devnull, "w") as null:
        runner = unittest.TextTestRunner(stream=null, verbosity=0,
                                         resultclass=lambda *a, **kw: LineResult(t, *a, **kw))
        runner.run(suite)


def run_runner(args, name):
    res = os.path.join(OUT, name)
    js = os.path.join(OUT, name + ".json")
    start = time.time() - 1
    p = subprocess.run([RUNNER, "--results", res, "--json", js] + args, capture_output=True,
                       text=True)
    data = None
    if os.path.exists(js) and os.path.getmtime(js) >= start:
        with open(js) as f:
            data = json.load(f)
    return p, data


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def step_bare_default(t):
    p, data = run_runner(["--bare", "--timeout", "20"], "bare")
    if not data:
        t.check("bare: default suite ran", False, p.stderr.strip()[-500:])
        return
    worst = 0
    for test in data["tests"]:
        if test["result"] == "SUCCESS":
            t.check(f"bare: {test['name']} ({test['seconds']:.2f} s)", True)
        elif test["result"] == "SKIP":
            t.skip(f"bare: {test['name']}", test.get("detail", ""))
        else:
            t.check(f"bare: {test['name']}", False, f"{test['result']}, log {test['log']}")
        worst = max(worst, {"SUCCESS": 0, "SKIP": 3}.get(test["result"], 6))
    t.check("bare: runner exit code is the worst result", p.returncode == worst,
            f"exit {p.returncode}, expected {worst}")


def step_bare_report(t):
    p, data = run_runner(["--bare", "--timeout", "3", "report"], "report")
    if not data:
        t.check("report: variations ran", False, p.stderr.strip()[-500:])
        return
    for test in data["tests"]:
        var = test["name"].split("~", 1)[1]
        want = REPORT_EXPECT[var]
        ok = test["result"] == want
        why = f"got {test['result']}, expected {want}"
        if ok and var == "warning":
            ok = "Test result: SUCCESS with warnings" in read(test["log"])
            why = "no 'with warnings' in the result line"
        t.check(f"report: {test['name']} is {want}", ok, why)
    t.check("report: runner exit code 6 (CRASH is the worst)", p.returncode == 6,
            f"exit {p.returncode}")
    t.check("report: summary counts", data["summary"].get("CRASH") == 6 and
            data["summary"].get("SUCCESS") == 4, json.dumps(data["summary"]))


def step_xen(t):
    # A failing instance's boot runs once more, unchanged (the same boot
    # plan); one that passes then is a flake, counted apart, never a pass.
    p, data = run_runner(["--retry", "1"], "xen")
    if not data:
        t.check("xen: default suite ran", False, p.stderr.strip()[-500:])
        return
    for test in data["tests"]:
        if test["result"] == "SKIP":
            t.skip(f"xen: {test['name']}", test.get("detail", ""))
        elif test["result"] == "FLAKE":
            t.flake(f"xen: {test['name']}", test.get("detail", ""))
        else:
            t.check(f"xen: {test['name']}", test["result"] == "SUCCESS",
                    f"{test['result']}, {test.get('detail') or 'log ' + test['log']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xen", action="store_true", help="also run the suite on xen/xen")
    ap.add_argument("--xen-only", action="store_true",
                    help="only build and run the suite on xen/xen (mk/suites.d/xtf-xen)")
    opts = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    t = Tally()
    if step_build(t, opts.xen or opts.xen_only):
        if not opts.xen_only:
            step_unit(t)
            step_bare_default(t)
            step_bare_report(t)
        if opts.xen or opts.xen_only:
            step_xen(t)
    flaky = f", {t.flaky} flaky (failed, then passed in the same boot plan)" if t.flaky else ""
    print(f"{t.passed} passed, {t.failed} failed, {t.skipped} skipped{flaky}")
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark of the test framework (mk/bench.d/xtf): wall time of the
default suite and test instances per second, median of several runs, with
--jobs 2.  Uses the hypervisor when xen/xen boots domains, else --bare.
Prints figures only."""

import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
XTF = os.path.dirname(HERE)
TOP = os.path.dirname(XTF)
OUT = os.path.join(TOP, "results", "xtf-bench")


def run(mode_args, runs):
    walls, counts = [], []
    for k in range(runs):
        js = os.path.join(OUT, f"run{k}.json")
        start = time.monotonic()
        p = subprocess.run([os.path.join(XTF, "xtf-runner"), "--jobs", "2", "--results",
                            os.path.join(OUT, f"run{k}"), "--json", js] + mode_args,
                           capture_output=True, text=True)
        wall = time.monotonic() - start
        if p.returncode == 1:
            return None, p.stderr.strip()
        with open(js) as f:
            counts.append(len(json.load(f)["tests"]))
        walls.append(wall)
    return (walls, counts), ""


def main():
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["make", "-s", "-C", XTF, "-j2"], check=True)
    runs = int(os.environ.get("XTF_BENCH_RUNS", "3"))
    modes = [("bare", ["--bare"])]
    if os.path.isfile(os.path.join(TOP, "xen", "xen")) and "--bare-only" not in sys.argv:
        modes.append(("xen", []))
    for name, args in modes:
        res, err = run(args, runs)
        if res is None:
            print(f"xtf {name}: not run ({err})")
            continue
        walls, counts = res
        med = statistics.median(walls)
        print(f"xtf {name}: default suite {counts[0]} instances, median wall "
              f"{med:.2f} s over {runs} runs (min {min(walls):.2f}, max {max(walls):.2f}), "
              f"{counts[0] / med:.1f} instances/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

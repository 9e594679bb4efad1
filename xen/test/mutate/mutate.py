#!/usr/bin/env python3
"""Mutation testing of the hypervisor: does some test notice when the code is
wrong?

Each mutation (xen/test/mutate/mutations) names a file, an exact snippet of
it and its replacement, and the checks expected to notice.  The harness
copies the tree (the files git would track, uncommitted changes included)
to a scratch directory, builds it once, runs every check on the unmutated
build (all must pass), then, one mutation at a time: writes the mutant,
rebuilds the hypervisor (only what changed), runs the mutation's checks in
order until one fails, and puts the file back.  A mutation is

  KILLED    a check failed, crashed or timed out
  SURVIVED  every check passed: a test is missing
  STALE     its snippet no longer occurs exactly once in its file
  INVALID   the mutant does not build (a mutation must compile)
  UNJUDGED  one of its checks already fails without the mutation (for an
            XTF check: none of its instances passes without it; instances
            that fail without the mutation are left out of its verdict)

and the score is killed/total: STALE, INVALID and UNJUDGED count as not
killed, so a set that drifts from the tree lowers the score and is listed
by name.  The working tree is never written.

Usage:
  mutate.py                     run every mutation, print the score
  mutate.py NAME...             run only these mutations
  mutate.py --list              list the mutations and their checks
  mutate.py --verify            parse the set, check each snippet occurs once
  mutate.py --self-test         the make check suite: the set parses, each
                                snippet occurs exactly once in the tree, and
                                one cheap mutation is applied and killed
Options: --scratch DIR (default results/mutate/tree), --timeout S (per
check, default 300), --min-score PCT (exit 1 below it, default 90).

Checks (one per `check:` line, run from the top of the scratch tree):
  xtf ARGS...     xtf/xtf-runner on the mutant hypervisor (ARGS: test names,
                  instances, --xen-cmdline ...); fails unless all SUCCESS
  unit            the host unit tests (make -C xen test)
  sched [FILTER]  the host scheduler tests (make -C xen/test/sched check T=FILTER)
  sh COMMAND      any shell command; fails on a non-zero exit
"""

import argparse
import dataclasses
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MUTATIONS = os.path.join(HERE, "mutations")
CHECK_KINDS = ("xtf", "unit", "sched", "sh")
# The mutation the self-test applies: cheap (host unit tests only).
SELF_TEST_MUTATION = "string-strlcpy-off-by-one"


class SetError(Exception):
    """A malformed mutation file (names the line)."""


@dataclasses.dataclass
class Mutation:
    name: str
    line: int  # where it starts in the mutation file
    file: str = ""
    kind: str = ""
    checks: list = dataclasses.field(default_factory=list)
    timeout: int = 0
    old: str = ""
    new: str = ""


def _snippet(lines):
    # Blank lines and "# " comment lines (e.g. a section heading before the
    # next mutation) at the end belong to the file, not to the snippet.
    while lines and (not lines[-1].strip() or lines[-1].startswith("# ")):
        lines.pop()
    return "\n".join(lines)


def parse(path):
    """The mutations of `path`.

    A mutation starts with a line `=== NAME`, then `key: value` header lines
    (file, kind, check (repeatable), timeout; `#` lines are comments), then
    `--- from` and the exact lines to find, then `--- to` and the lines that
    replace them; it ends at the next `===` line.  Snippet lines are taken
    verbatim (indentation included); trailing blank lines and trailing
    lines starting with "# " are dropped."""
    muts, cur, part, buf = [], None, None, []

    def finish():
        if cur is None:
            return
        if part != "to":
            raise SetError(f"{path}:{cur.line}: mutation {cur.name}: needs '--- from' and '--- to'")
        cur.new = _snippet(buf)
        for key in ("file", "kind"):
            if not getattr(cur, key):
                raise SetError(f"{path}:{cur.line}: mutation {cur.name}: no '{key}:' line")
        if not cur.checks:
            raise SetError(f"{path}:{cur.line}: mutation {cur.name}: no 'check:' line")
        if not cur.old:
            raise SetError(f"{path}:{cur.line}: mutation {cur.name}: empty '--- from' snippet")
        if cur.old == cur.new:
            raise SetError(f"{path}:{cur.line}: mutation {cur.name}: replacement equals the original")
        muts.append(cur)

    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    for no, line in enumerate(text, 1):
        if line.startswith("=== "):
            finish()
            name = line[4:].strip()
            if not name or not all(c.isalnum() or c in "-_." for c in name):
                raise SetError(f"{path}:{no}: bad mutation name '{name}'")
            if any(m.name == name for m in muts):
                raise SetError(f"{path}:{no}: mutation {name} defined twice")
            cur, part, buf = Mutation(name=name, line=no), "head", []
        elif cur is None:
            if line.strip() and not line.startswith("#"):
                raise SetError(f"{path}:{no}: text before the first '=== NAME' line")
        elif line == "--- from":
            if part != "head":
                raise SetError(f"{path}:{no}: mutation {cur.name}: '--- from' out of place")
            part, buf = "from", []
        elif line == "--- to":
            if part != "from":
                raise SetError(f"{path}:{no}: mutation {cur.name}: '--- to' without '--- from'")
            cur.old, part, buf = _snippet(buf), "to", []
        elif part == "head":
            if not line.strip() or line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            value = value.strip()
            if not sep or not value:
                raise SetError(f"{path}:{no}: expected 'key: value', got '{line}'")
            if key == "file":
                cur.file = value
            elif key == "kind":
                cur.kind = value
            elif key == "check":
                words = shlex.split(value)
                if words[0] not in CHECK_KINDS:
                    raise SetError(f"{path}:{no}: unknown check kind '{words[0]}' "
                                   f"(one of {', '.join(CHECK_KINDS)})")
                if words[0] == "xtf" and len(words) < 2:
                    raise SetError(f"{path}:{no}: 'check: xtf' needs test names")
                cur.checks.append(value)
            elif key == "timeout":
                if not value.isdigit():
                    raise SetError(f"{path}:{no}: timeout must be seconds, got '{value}'")
                cur.timeout = int(value)
            else:
                raise SetError(f"{path}:{no}: unknown key '{key}'")
        else:
            buf.append(line)
    finish()
    return muts


def occurrences(tree, mut):
    """How often the mutation's snippet occurs in its file under tree."""
    path = os.path.join(tree, mut.file)
    if not os.path.isfile(path):
        return 0
    with open(path, encoding="utf-8") as f:
        return f.read().count(mut.old)


# --------------------------------------------------------------------------
# The scratch tree


def tree_files():
    """Files of the working tree git would track (uncommitted ones included)."""
    out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=TOP,
                         check=True, capture_output=True).stdout
    return sorted(f for f in out.decode().split("\0") if f and os.path.isfile(os.path.join(TOP, f)))


def sync_scratch(scratch, files=None):
    """Make scratch hold the tree's files; copy only those that differ (so
    the builds there stay incremental) and remove the ones the tree lost."""
    files = tree_files() if files is None else files
    manifest = os.path.join(scratch, ".mutate-files")
    old = set()
    if os.path.exists(manifest):
        with open(manifest, encoding="utf-8") as f:
            old = set(f.read().split("\n")) - {""}
    for rel in sorted(old - set(files)):
        p = os.path.join(scratch, rel)
        if os.path.isfile(p):
            os.unlink(p)
    copied = 0
    for rel in files:
        src, dst = os.path.join(TOP, rel), os.path.join(scratch, rel)
        with open(src, "rb") as f:
            data = f.read()
        try:
            with open(dst, "rb") as f:
                same = f.read() == data
        except FileNotFoundError:
            same = False
        if not same:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(data)
            shutil.copymode(src, dst)
            copied += 1
    with open(manifest, "w", encoding="utf-8") as f:
        f.write("\n".join(files) + "\n")
    return copied


# --------------------------------------------------------------------------
# Running things


def descendants(pid):
    """PIDs of every process below pid (from /proc), deepest last."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="utf-8") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    found, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def stop_tree(p):
    """Stop the check p and everything it started, by PID: the XTF runner
    puts each QEMU in a session of its own, out of reach of a group kill."""
    for pid in [p.pid] + descendants(p.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait()


def run(cmd, cwd, log, timeout):
    """Run a shell command, output to log; return (exit code or None on
    timeout, seconds).  On a timeout the command and every process it
    started (e.g. the QEMUs of a runner) are stopped."""
    t0 = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        out.write(f"$ {cmd}\n")
        out.flush()
        p = subprocess.Popen(["bash", "-c", cmd], cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_tree(p)
            rc = None
        except BaseException:
            stop_tree(p)
            raise
    return rc, time.monotonic() - t0


def check_command(check, results):
    """The shell command of a check, run from the top of the scratch tree."""
    kind, _, rest = check.partition(" ")
    rest = rest.strip()
    if kind == "xtf":
        return (f"nice -n 10 python3 xtf/xtf-runner --xen xen/xen --results {shlex.quote(results)} "
                f"--json {shlex.quote(results)}.json {rest}")
    if kind == "unit":
        return "nice -n 10 make -s -C xen test"
    if kind == "sched":
        filt = f" T={shlex.quote(rest)}" if rest else ""
        return f"nice -n 10 make -s -C xen/test/sched check{filt}"
    return rest


def build(scratch, logdir, need_xtf, timeout):
    """Build the hypervisor (and the XTF images if needed) in scratch."""
    jobs = os.environ.get("JOBS", "2")
    cmd = f"nice -n 10 make -s -C xen -j{jobs}"
    if need_xtf:
        cmd += f" && nice -n 10 make -s -C xtf -j{jobs}"
    return run(cmd, scratch, os.path.join(logdir, "build.log"), timeout)


class Session:
    def __init__(self, scratch, timeout, out=sys.stdout):
        self.scratch = scratch
        self.timeout = timeout
        self.out = out
        self.logdir = os.path.join(os.path.dirname(scratch), "logs")
        os.makedirs(self.logdir, exist_ok=True)

    def say(self, text):
        print(text, file=self.out, flush=True)

    def run_check(self, label, check, timeout, green=None):
        """(passed, how, instances): run one check, log under logs/<label>/.

        An XTF check passes when every instance ends SUCCESS, or SKIP for a
        need the boot does not offer (the runner fails any other SKIP).
        With `green` (the instances that passed without the mutation) it
        passes when each of those ends SUCCESS again: an instance already
        failing in the tree can neither kill a mutant nor make it unjudged.
        instances: {name: result} of an XTF check."""
        d = os.path.join(self.logdir, label)
        os.makedirs(d, exist_ok=True)
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in check)[:60]
        results = os.path.relpath(os.path.join(d, f"xtf-{slug}"), self.scratch)
        for old in (results, results + ".json"):
            path = os.path.join(self.scratch, old)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.unlink(path)
        rc, secs = run(check_command(check, results), self.scratch,
                       os.path.join(d, f"{slug}.log"), timeout)
        if rc is None:
            return False, f"timed out after {secs:.0f} s", {}
        if not check.startswith("xtf "):
            return rc == 0, f"exit {rc}, {secs:.0f} s", {}
        try:
            with open(os.path.join(self.scratch, results + ".json"), encoding="utf-8") as f:
                inst = {t["name"]: t["result"] for t in json.load(f)["tests"]}
        except (OSError, ValueError, KeyError, TypeError):
            return False, f"exit {rc}, no results, {secs:.0f} s", {}
        if green is None:
            bad = sorted(n for n, r in inst.items() if r not in ("SUCCESS", "SKIP"))
        else:
            bad = sorted(n for n, r in inst.items() if n in green and r != "SUCCESS")
        if green is not None:
            lost = sorted(set(green) - set(inst))
            bad += [f"{n} (did not run)" for n in lost]
        if bad:
            return False, f"{inst.get(bad[0], 'missing')}: {bad[0]}, {secs:.0f} s", inst
        return True, f"exit {rc}, {secs:.0f} s", inst

    def baseline(self, muts):
        """Run each distinct check once without mutation.  Returns ({check:
        how} of checks that cannot judge, {check: instances that passed})."""
        red, green = {}, {}
        checks = []
        for m in muts:
            for c in m.checks:
                if c not in checks:
                    checks.append(c)
        for c in checks:
            ok, how, inst = self.run_check("baseline", c, self.timeout)
            if c.startswith("xtf ") and inst:
                green[c] = {n for n, r in inst.items() if r == "SUCCESS"}
                failing = sorted(n for n, r in inst.items() if r not in ("SUCCESS", "SKIP"))
                if failing:
                    self.say(f"baseline  {len(failing)} instance(s) of {c} already fail, left "
                             f"out: {' '.join(failing)}")
                ok = bool(green[c])
                how = (f"{len(green[c])} of {len(inst)} instances pass, {how.split(', ')[-1]}"
                       if ok else "no instance passes")
            self.say(f"baseline  {'pass' if ok else 'FAIL'}  {c} ({how})")
            if not ok:
                red[c] = how
        return red, green

    def apply(self, m, red, green=None):
        """Apply, build, check, restore one mutation: (verdict, detail)."""
        path = os.path.join(self.scratch, m.file)
        n = occurrences(self.scratch, m)
        if n != 1:
            return "STALE", f"snippet found {n} times in {m.file}"
        bad = [c for c in m.checks if c in red]
        if bad:
            return "UNJUDGED", f"check already fails without the mutation: {bad[0]}"
        with open(path, encoding="utf-8") as f:
            original = f.read()
        d = os.path.join(self.logdir, m.name)
        shutil.rmtree(d, ignore_errors=True)  # no logs of an earlier run's checks
        os.makedirs(d)
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original.replace(m.old, m.new, 1))
            rc, secs = build(self.scratch, d, False, self.timeout)
            if rc != 0:
                return "INVALID", f"does not build (see {os.path.relpath(d, TOP)}/build.log)"
            for c in m.checks:
                ok, how, _ = self.run_check(m.name, c, m.timeout or self.timeout,
                                            (green or {}).get(c))
                if not ok:
                    return "KILLED", f"by {c} ({how})"
            return "SURVIVED", "every check passed: " + "; ".join(m.checks)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)


# --------------------------------------------------------------------------
# Commands


def cmd_list(muts):
    for m in muts:
        print(f"{m.name:36} {m.file}  [{m.kind}]")
        for c in m.checks:
            print(f"{'':36}   check: {c}")
    print(f"{len(muts)} mutations")


def cmd_run(muts, selected, args):
    t0 = time.monotonic()
    scratch = os.path.abspath(args.scratch)
    chosen = [m for m in muts if not selected or m.name in selected]
    unknown = set(selected) - {m.name for m in muts}
    if unknown:
        print(f"mutate: no mutation named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    sess = Session(scratch, args.timeout)
    copied = sync_scratch(scratch)
    sess.say(f"mutate: {len(chosen)} mutations; scratch tree {os.path.relpath(scratch, TOP)} "
             f"({copied} files copied)")
    need_xtf = any(c.startswith("xtf ") for m in chosen for c in m.checks)
    rc, secs = build(scratch, sess.logdir, need_xtf, 3600)
    if rc != 0:
        sess.say(f"mutate: the unmutated tree does not build (exit {rc}); see "
                 f"{os.path.relpath(sess.logdir, TOP)}/build.log")
        return 1
    sess.say(f"baseline  build ({secs:.0f} s)")
    red, green = sess.baseline(chosen)
    verdicts = {}
    for i, m in enumerate(chosen, 1):
        t1 = time.monotonic()
        verdict, detail = sess.apply(m, red, green)
        verdicts[m.name] = verdict
        sess.say(f"[{i:2}/{len(chosen)}] {verdict:8} {m.name:34} {detail} "
                 f"[{time.monotonic() - t1:.0f} s]")
    # The scratch tree now holds the tree's sources again; the objects of the
    # last mutant are older than its restored file, so the next build redoes them.
    killed = sum(v == "KILLED" for v in verdicts.values())
    total = len(chosen)
    score = 100.0 * killed / total if total else 0.0
    for label in ("SURVIVED", "STALE", "INVALID", "UNJUDGED"):
        names = [m for m in chosen if verdicts[m.name] == label]
        if names:
            sess.say(f"{label.lower()}:")
            for m in names:
                sess.say(f"  {m.name} ({m.file}: {m.kind})")
    mins, secs = divmod(int(time.monotonic() - t0), 60)
    sess.say(f"mutation score: {killed}/{total} killed ({score:.1f}%), "
             + ", ".join(f"{sum(v == k for v in verdicts.values())} {k.lower()}"
                         for k in ("SURVIVED", "STALE", "INVALID", "UNJUDGED"))
             + f"; {mins} min {secs} s")
    return 0 if score >= args.min_score else 1


def cmd_self_test(muts, args):
    """The make check suite: one line per test, then `N passed, N failed`."""
    results = []

    def report(name, ok, detail=""):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)

    report("mutation set parses", True, f"{len(muts)} mutations")
    report("at least 40 mutations", len(muts) >= 40, f"{len(muts)}")
    stale = [f"{m.name} ({occurrences(TOP, m)} matches in {m.file})" for m in muts
             if occurrences(TOP, m) != 1]
    report("every snippet occurs exactly once in the tree", not stale, "; ".join(stale))

    # The harness itself: a stale snippet is reported, never skipped.
    scratch = os.path.abspath(args.scratch)
    sess = Session(scratch, args.timeout, out=sys.stderr)
    copied = sync_scratch(scratch)
    ghost = Mutation(name="self-test-stale", line=0, file="xen/common/version.c", kind="stale",
                     checks=["unit"], old="this text is in no source file", new="x")
    verdict, detail = sess.apply(ghost, {})
    report("a snippet that does not match is STALE", verdict == "STALE", f"{verdict}: {detail}")

    cheap = [m for m in muts if m.name == SELF_TEST_MUTATION]
    if not cheap:
        report(f"mutation {SELF_TEST_MUTATION} is killed", False, "not in the set")
    else:
        rc, _ = build(scratch, sess.logdir, False, 1800)
        ok, how, _ = sess.run_check("self-test-baseline", "unit", args.timeout)
        report("unit tests pass in the scratch tree", rc == 0 and ok,
               f"{copied} files synced; build exit {rc}; {how}")
        verdict, detail = sess.apply(cheap[0], {})
        report(f"mutation {SELF_TEST_MUTATION} is killed", verdict == "KILLED",
               f"{verdict}: {detail}")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if all(results) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", metavar="NAME")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--verify", action="store_true",
                    help="only parse the set and check each snippet occurs once")
    ap.add_argument("--file", default=MUTATIONS, help="the mutation set")
    ap.add_argument("--scratch", default=os.path.join(TOP, "results", "mutate", "tree"))
    ap.add_argument("--timeout", type=int, default=300, help="seconds per check")
    ap.add_argument("--min-score", type=float, default=90.0)
    args = ap.parse_args()
    try:
        muts = parse(args.file)
    except (SetError, OSError) as e:
        print(f"mutate: {e}", file=sys.stderr)
        if args.self_test:
            print("FAIL mutation set parses\n0 passed, 1 failed")
        return 1
    if args.list:
        cmd_list(muts)
        return 0
    if args.verify:
        stale = [m for m in muts if occurrences(TOP, m) != 1]
        for m in stale:
            print(f"STALE {m.name}: snippet found {occurrences(TOP, m)} times in {m.file}")
        print(f"{len(muts)} mutations, {len(stale)} stale")
        return 1 if stale else 0
    if args.self_test:
        if args.scratch == os.path.join(TOP, "results", "mutate", "tree"):
            args.scratch = os.path.join(TOP, "results", "mutate", "self-test", "tree")
        return cmd_self_test(muts, args)
    return cmd_run(muts, args.names, args)


if __name__ == "__main__":
    sys.exit(main())

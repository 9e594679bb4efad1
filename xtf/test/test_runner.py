#!/usr/bin/env python3
"""Unit tests of xtf-runner: metadata parsing, selection, plan packing,
console parsing, result judgement, exit codes, reports, and the boot loop
against a fake QEMU (test/fake-qemu)."""

import contextlib
import importlib.machinery
import io
import importlib.util
import json
import os
import re
import shutil
import tempfile
import types
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "..", "xtf-runner")


def load_runner():
    loader = importlib.machinery.SourceFileLoader("xtf_runner", RUNNER)
    spec = importlib.util.spec_from_loader("xtf_runner", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


xr = load_runner()

META = """/**
 * @file
 * Proves something.
 *
 * @category {cat}
 * @envs {envs}
{extra} * @needs {needs}
 */
"""


def make_test(name, cat="functional", envs="hvm64 hvm32", extra="", needs="none"):
    return xr.parse_test_meta(META.format(cat=cat, envs=envs, extra=extra, needs=needs),
                              f"/x/tests/{name}/main.c")


class MetaTests(unittest.TestCase):
    def test_parse(self):
        t = make_test("foo", extra=" * @variations a b\n * @domain vcpus=2\n")
        self.assertEqual(t.name, "foo")
        self.assertEqual(t.envs, ["hvm64", "hvm32"])
        self.assertEqual(t.variations, ["a", "b"])
        self.assertEqual(t.domain, "vcpus=2")

    def test_bad_category_names_file_and_line(self):
        with self.assertRaises(xr.RunnerError) as cm:
            make_test("foo", cat="bogus")
        self.assertIn("/x/tests/foo/main.c:5", str(cm.exception))
        self.assertIn("bogus", str(cm.exception))

    def test_bad_env(self):
        with self.assertRaisesRegex(xr.RunnerError, "unknown environment 'hvm16'"):
            make_test("foo", envs="hvm64 hvm16")

    def test_unknown_tag(self):
        with self.assertRaisesRegex(xr.RunnerError, r"main.c:7: unknown tag @colour"):
            make_test("foo", extra=" * @colour red\n")

    def test_missing_envs(self):
        with self.assertRaisesRegex(xr.RunnerError, "no @envs"):
            xr.parse_test_meta("/**\n * @category functional\n */\n", "/x/tests/a/main.c")

    def test_needs(self):
        t = make_test("foo", extra=" * @variations a b\n * @needs ~a fep\n",
                      needs="hypervisor evtchn")
        self.assertEqual(t.needs, ["hypervisor", "evtchn"])
        self.assertEqual(t.needs_var, {"a": ["fep"]})

    def test_needs_required_and_known(self):
        with self.assertRaisesRegex(xr.RunnerError, "no @needs"):
            xr.parse_test_meta("/**\n * @category functional\n * @envs hvm64\n */\n",
                               "/x/tests/a/main.c")
        with self.assertRaisesRegex(xr.RunnerError, r"main.c:7: unknown need 'wings'"):
            make_test("foo", needs="hypervisor wings")

    def test_real_tests_parse(self):
        tests = xr.discover_tests(os.path.join(HERE, "..", "tests"))
        self.assertIn("example", [t.name for t in tests])


class SelectTests(unittest.TestCase):
    def setUp(self):
        tests = [make_test("a"), make_test("b", cat="security"),
                 make_test("u", cat="utility"),
                 make_test("v", extra=" * @variations x y\n")]
        self.inst = xr.all_instances(tests, "/b")

    def names(self, sel):
        return [i.name for i in xr.select(self.inst, sel)]

    def test_default_categories(self):
        got = self.names([])
        self.assertIn("test-hvm64-a", got)
        self.assertIn("test-hvm32-b", got)
        self.assertNotIn("test-hvm64-u", got)
        self.assertIn("test-hvm64-v~x", got)

    def test_env_and_name_intersect(self):
        self.assertEqual(self.names(["hvm64", "a"]), ["test-hvm64-a"])

    def test_same_kind_union(self):
        self.assertEqual(self.names(["a", "b", "hvm32"]), ["test-hvm32-a", "test-hvm32-b"])

    def test_category(self):
        self.assertEqual(self.names(["utility"]), ["test-hvm64-u", "test-hvm32-u"])

    def test_instance_name_even_outside_default(self):
        self.assertEqual(self.names(["test-hvm32-u"]), ["test-hvm32-u"])

    def test_named_test_ignores_default_categories(self):
        self.assertEqual(self.names(["u", "hvm32"]), ["test-hvm32-u"])

    def test_variation(self):
        self.assertEqual(self.names(["~y", "hvm64"]), ["test-hvm64-v~y"])

    def test_unknown(self):
        with self.assertRaisesRegex(xr.RunnerError, "unknown selection 'nope'"):
            self.names(["nope"])


class PlanTests(unittest.TestCase):
    def inst(self, n, cmdline=""):
        tests = []
        for k in range(n):
            t = make_test(f"t{k}", envs="hvm64")
            t.xen_cmdline = cmdline
            tests.append(t)
        return xr.all_instances(tests, "/b")

    def test_every_instance_once(self):
        inst = self.inst(50)
        boots = xr.plan_boots(inst, 2, 16)
        got = sorted(i.name for b in boots for i in b.instances)
        self.assertEqual(got, sorted(i.name for i in inst))

    def test_per_boot_limit(self):
        boots = xr.plan_boots(self.inst(50), 2, 16)
        self.assertEqual(len(boots), 4)
        self.assertTrue(all(len(b.instances) <= 16 for b in boots))

    def test_fills_jobs(self):
        boots = xr.plan_boots(self.inst(10), 4, 32)
        self.assertEqual(len(boots), 4)
        self.assertEqual(sorted(len(b.instances) for b in boots), [2, 2, 3, 3])

    def test_few_tests(self):
        self.assertEqual(len(xr.plan_boots(self.inst(1), 8, 32)), 1)

    def test_global_state_owners_boot_apart(self):
        inst = self.inst(6)
        for i in inst[:3]:
            i.test.global_state = "the credit2 rate limit"
        boots = xr.plan_boots(inst, 1, 32)
        self.assertEqual(len(boots), 3)
        self.assertTrue(all(sum(bool(i.test.global_state) for i in b.instances) == 1
                            for b in boots))
        with self.assertRaisesRegex(xr.RunnerError, "hypervisor-wide state"):
            xr.check_plan([xr.Boot(0, inst[:2])])

    def test_clock_icount_boots_apart_with_icount(self):
        inst = self.inst(3)
        inst[0].test.clock = "icount"
        boots = xr.plan_boots(inst, 1, 32)
        icount = [b for b in boots if b.clock == "icount"]
        self.assertEqual([i.name for b in icount for i in b.instances], [inst[0].name])
        opts = types.SimpleNamespace(qemu_cpu="max", memory=64, smp=1, xen="/x/xen",
                                     xen_cmdline="", build="/b")
        self.assertIn("-icount", xr.xen_qemu_command(icount[0], opts, "/l"))
        other = [b for b in boots if not b.clock][0]
        self.assertNotIn("-icount", xr.xen_qemu_command(other, opts, "/l"))
        with self.assertRaisesRegex(xr.RunnerError, "@clock knows only"):
            make_test("c", extra=" * @clock sundial\n")

    def test_max_modules_packs_and_sets_aside(self):
        inst = self.inst(12)
        inst[0].test.companions = [xr.Companion("peer", 3)]  # 4 domains
        inst[1].test.companions = [xr.Companion("peer", 9)]  # 10 domains: cannot fit
        inst[2].test.needs = ["xenstore"]  # 1 domain + the xenstore domain
        fit, too_big = xr.split_by_modules(inst, 8, "/b/xsdom")
        self.assertEqual([i.name for i in too_big], [inst[1].name])
        boots = xr.plan_boots(fit, 1, 32, "/b/xsdom", max_modules=8)
        for b in boots:
            xr.assign_modules(b, "/b")
            self.assertLessEqual(len(b.modules), 8, [m.name for m in b.modules])
        got = sorted(i.name for b in boots for i in b.instances)
        self.assertEqual(got, sorted(i.name for i in fit))
        self.assertEqual(xr.split_by_modules(inst, 0), (inst, []))

    def test_loader_cmdline_bytes_pack_to_fit(self):
        """Every boot's command lines, each after its URL, fit the loader's
        bytes (iPXE's multiboot: 512); settings travel in the table module."""
        inst = self.inst(20)
        inst[0].test.companions = [xr.Companion("peer", 2, settings="vcpus=2")]
        inst[1].test.xen_cmdline = "sched=credit2 loglvl=all " * 6  # a long hypervisor line
        for url in (30, 60):
            opts = types.SimpleNamespace(boot_target="bt h", smp=1, max_modules=8, xenstore="",
                                         loader_cmdline_bytes=512, loader_url_bytes=url,
                                         xen_cmdline="", xen="/x/xen")
            fit = [i for i in inst if not xr.boot_target_misfit(i, opts)]
            boots = xr.plan_boots(fit, 1, 32, "", lambda c, o=opts: xr.module_cap(o, c))
            self.assertEqual(sorted(i.name for b in boots for i in b.instances),
                             sorted(i.name for i in inst))
            with tempfile.TemporaryDirectory() as d:
                for b in boots:
                    xr.assign_modules(b, "/b")
                    cmd = xr.boot_target_command(b, opts, os.path.join(d, f"b{b.index}"))
                    mods = [cmd[k + 1] for k, w in enumerate(cmd) if w == "--module"]
                    line = cmd[cmd.index("--cmdline") + 1]
                    used = (url + 1 + len(line) + 1) + len(mods) * (url + 1)
                    self.assertLessEqual(used, 512, (url, b.index))
                    self.assertLessEqual(len(mods), 8)
                    self.assertEqual(mods[1:], [m.image for m in b.modules])
                    with open(mods[0]) as f:
                        table = f.read().splitlines()
                    self.assertEqual(table[0], "#xen-module-settings")
                    for k, m in enumerate(b.modules, 1):
                        self.assertTrue(table[k].startswith(f"{k} name={m.name} "), table[k])
            sizes = sorted({len(b.modules) for b in boots if not b.xen_cmdline})
            self.assertEqual(sizes[-1], 7 if url == 30 else 5)
        # Nothing fits beside a hypervisor line that fills the room: named.
        opts.xen_cmdline = "x" * 500
        self.assertIn("no module in 512 bytes", xr.boot_target_misfit(inst[2], opts))

    def test_boot_target_misfits_are_named(self):
        inst = self.inst(4)
        inst[0].test.smp = 2
        inst[1].test.clock = "icount"
        inst[2].test.serial_input = b"x"
        target = types.SimpleNamespace(boot_target="bt h", smp=1, max_modules=8, xenstore="")
        local = types.SimpleNamespace(boot_target=None, smp=1, max_modules=0, xenstore="")
        why = [xr.boot_target_misfit(i, target) for i in inst]
        self.assertIn("2 host CPUs", why[0])
        self.assertIn("icount", why[1])
        self.assertIn("serial-input", why[2])
        self.assertEqual(why[3], "")
        self.assertEqual([xr.boot_target_misfit(i, local) for i in inst], [""] * 4)

    def test_alone_boots_apart(self):
        inst = self.inst(5)
        inst[0].test.alone = "a fuzzer: a failure must be its own"
        boots = xr.plan_boots(inst, 1, 32)
        mine = [b for b in boots if inst[0] in b.instances]
        self.assertEqual([i.name for i in mine[0].instances], [inst[0].name])
        self.assertEqual(sum(len(b.instances) for b in boots), 5)
        t = make_test("a", extra=" * @alone why not\n")
        self.assertEqual(t.alone, "why not")

    def test_global_state_tag(self):
        t = make_test("g", extra=" * @global-state the ARINC653 schedule\n")
        self.assertEqual(t.global_state, "the ARINC653 schedule")

    def test_xenstore_boots_first(self):
        inst = self.inst(3)
        inst[0].test.needs = ["xenstore"]
        boots = xr.plan_boots(inst, 1, 32, xenstore="/b/xsdom")
        xs = [b for b in boots if b.xenstore]
        self.assertEqual([i.name for b in xs for i in b.instances], [inst[0].name])
        xr.assign_modules(xs[0], "/b")
        self.assertEqual((xs[0].modules[0].role, xs[0].modules[0].domid), ("xenstore", 1))
        self.assertEqual(xs[0].modules[1].domid, 2)

    def test_options_do_not_mix(self):
        inst = self.inst(3) + self.inst(3, "hvm_fep")
        for k, i in enumerate(inst):
            i.name += f"-{k}"
        boots = xr.plan_boots(inst, 1, 32)
        self.assertEqual(len(boots), 2)
        for b in boots:
            self.assertEqual(len({i.test.xen_cmdline for i in b.instances}), 1)

    def test_module_arg_escapes_commas(self):
        i = self.inst(1)[0]
        i.image = "/p/a,b"
        arg = xr.module_arg(i)
        self.assertTrue(arg.startswith("/p/a,,b name=test-hvm64-t0 type=pvh mem=8M"))

    def test_qemu_command(self):
        inst = self.inst(2)
        opts = types.SimpleNamespace(qemu_cpu="max", memory=1024, smp=2, xen="/x/xen",
                                     xen_cmdline="sched=null")
        cmd = xr.xen_qemu_command(xr.Boot(0, inst), opts, "/l/boot.log")
        self.assertIn("-accel", cmd)
        self.assertEqual(cmd[cmd.index("-kernel") + 1], "/x/xen")
        append = cmd[cmd.index("-append") + 1]
        self.assertIn("exit_on_idle", append)
        self.assertTrue(append.endswith("sched=null"))
        self.assertEqual(cmd[cmd.index("-initrd") + 1].count(" name="), 2)

    def test_bad_jobs(self):
        with self.assertRaises(xr.RunnerError):
            xr.plan_boots(self.inst(2), 0, 4)

    def test_serial_input_boots_alone_on_stdio(self):
        typed = make_test("typer", envs="hvm64", extra=" * @serial-input hi\\r\n")
        self.assertEqual(typed.serial_input, b"hi\r")
        inst = self.inst(3) + xr.all_instances([typed], "/b")
        boots = xr.plan_boots(inst, 1, 32)
        self.assertEqual(len(boots), 2)
        alone = next(b for b in boots if b.instances[0].test is typed)
        self.assertEqual(len(alone.instances), 1)
        opts = types.SimpleNamespace(qemu_cpu="max", memory=1024, smp=2, xen="/x/xen",
                                     xen_cmdline="")
        cmd = xr.xen_qemu_command(alone, opts, "/l/boot.log")
        self.assertEqual(cmd[cmd.index("-serial") + 1], "stdio")
        # Nobody -> hypervisor -> d1: two switches, then the text.
        self.assertEqual(xr.serial_input_bytes(alone, alone.instances[0]),
                         b"\x01\x01\x01" * 2 + b"hi\r")
        other = next(b for b in boots if b is not alone)
        cmd = xr.xen_qemu_command(other, opts, "/l/boot.log")
        self.assertEqual(cmd[cmd.index("-serial") + 1], "file:/l/boot.log")

    def test_serial_input_needs_text(self):
        with self.assertRaises(xr.RunnerError):
            make_test("typer", extra=" * @serial-input\n")


class ParseTests(unittest.TestCase):
    def test_result_line(self):
        self.assertEqual(xr.parse_result_line(["x", "Test result: SUCCESS"]), ("SUCCESS", ""))
        self.assertEqual(xr.parse_result_line(["Test result: SUCCESS with warnings"]),
                         ("SUCCESS", "with warnings"))
        self.assertEqual(xr.parse_result_line(["Test result: SKIP", "Test result: FAILURE"]),
                         ("FAILURE", ""))
        self.assertEqual(xr.parse_result_line(["Test result: WEIRD"])[0], "ERROR")
        self.assertEqual(xr.parse_result_line(["PANIC: x"]), (None, "no result line"))

    LOG = """(XEN) [    0.100000] Xen 0.1 booting
(XEN) domain d1 'test-hvm64-a' created: mem 8M
(XEN) domain d2 'test-hvm64-b' created: mem 8M
(XEN) domain d3 'test-hvm64-c' refused: no PVH note
(XEN) domain d4 'test-hvm64-d' created: mem 8M
(XEN) ready
(d1) --- Xen Test Framework ---
(d2) --- Xen Test Framework ---
(d1) Test result: SUCCESS
(XEN) domain d1 'test-hvm64-a' shutdown: poweroff
(d2) PANIC: oops
(XEN) [    0.300000] domain d2 'test-hvm64-b' shutdown: crash
(d4) still running
"""

    def parse(self, text, chunk=7):
        p = xr.XenLogParser()
        for k in range(0, len(text), chunk):  # split lines across reads
            p.feed(text[k:k + chunk], k / 100)
        return p

    def test_xen_log(self):
        p = self.parse(self.LOG)
        self.assertTrue(p.ready)
        self.assertFalse(p.all_finished)
        a, b = p.domains["test-hvm64-a"], p.domains["test-hvm64-b"]
        self.assertEqual(a.lines, ["--- Xen Test Framework ---", "Test result: SUCCESS"])
        self.assertEqual(a.end, "shutdown: poweroff")
        self.assertEqual(xr.judge_domain(a, ""), ("SUCCESS", ""))
        self.assertEqual(xr.judge_domain(b, "")[0], "CRASH")
        self.assertIn("shutdown: crash", xr.judge_domain(b, "")[1])
        self.assertEqual(xr.judge_domain(p.domains["test-hvm64-c"], "")[0], "ERROR")
        self.assertEqual(xr.judge_domain(p.domains["test-hvm64-d"], "timeout")[0], "CRASH")
        self.assertEqual(xr.judge_domain(None, "hypervisor exited")[0], "ERROR")
        self.assertFalse(p.finished(["test-hvm64-a", "test-hvm64-d"]))
        self.assertTrue(p.finished(["test-hvm64-a", "test-hvm64-b", "test-hvm64-c"]))
        p.feed("(XEN) all domains finished\n")
        self.assertTrue(p.all_finished)

    def test_crashed_line(self):
        p = self.parse("(XEN) domain d7 'x' created: m\n(XEN) domain d7 'x' crashed: triple fault\n")
        self.assertEqual(xr.judge_domain(p.domains["x"], ""),
                         ("CRASH", "no result line (crashed: triple fault)"))

    def test_result_before_crash_counts(self):
        p = self.parse("(XEN) domain d1 'x' created: m\n(d1) Test result: FAILURE\n"
                       "(XEN) domain d1 'x' shutdown: crash\n")
        self.assertEqual(xr.judge_domain(p.domains["x"], "")[0], "FAILURE")


class ExitCodeTests(unittest.TestCase):
    def res(self, *statuses):
        return [xr.Result(f"t{k}", s, "/l", 0.1) for k, s in enumerate(statuses)]

    def test_codes(self):
        self.assertEqual(xr.worst(self.res()), 0)
        self.assertEqual(xr.worst(self.res("SUCCESS")), 0)
        self.assertEqual(xr.worst(self.res("SUCCESS", "SKIP")), 3)
        self.assertEqual(xr.worst(self.res("SKIP", "ERROR", "SUCCESS")), 4)
        self.assertEqual(xr.worst(self.res("FAILURE", "ERROR")), 5)
        self.assertEqual(xr.worst(self.res("FAILURE", "CRASH", "SKIP")), 6)

    def test_bad_cli_is_runner_error(self):
        with self.assertRaises(SystemExit) as cm, \
                contextlib.redirect_stderr(io.StringIO()) as err:
            xr.parse_args(["--jobs", "0"])
        self.assertIn("--jobs: '0' must be at least 1", err.getvalue())
        self.assertEqual(cm.exception.code, 1)


class ReportTests(unittest.TestCase):
    def test_json_and_junit(self):
        d = tempfile.mkdtemp()
        try:
            log = os.path.join(d, "a.log")
            with open(log, "w") as f:
                f.write("hello\n")
            res = [xr.Result("test-hvm64-a", "SUCCESS", log, 0.5),
                   xr.Result("test-hvm64-b", "CRASH", log, 1.0, "timeout"),
                   xr.Result("test-hvm32-c", "SKIP", log, 0.2),
                   xr.Result("test-hvm32-d", "SKIP", "", 0.0, "needs serial-input, not offered")]
            xr.write_json(res, os.path.join(d, "r.json"))
            with open(os.path.join(d, "r.json")) as f:
                data = json.load(f)
            self.assertEqual(data["tests"][0],
                             {"name": "test-hvm64-a", "result": "SUCCESS", "log": log,
                              "seconds": 0.5, "detail": ""})
            self.assertEqual(data["summary"]["CRASH"], 1)
            self.assertEqual(data["summary"]["FAILURE"], 0)
            # A skip says why in "reason"; other results carry none.
            self.assertEqual(data["tests"][3]["reason"], "needs serial-input, not offered")
            self.assertEqual(data["tests"][2]["reason"], "no reason given")
            self.assertNotIn("reason", data["tests"][1])
            xr.write_junit(res, os.path.join(d, "r.xml"))
            suite = ET.parse(os.path.join(d, "r.xml")).getroot().find("testsuite")
            self.assertEqual(suite.get("tests"), "4")
            self.assertEqual(suite.get("errors"), "1")
            self.assertEqual(suite.get("skipped"), "2")
            cases = suite.findall("testcase")
            self.assertEqual(cases[1].find("error").get("message"), "CRASH: timeout")
            self.assertEqual(cases[2].get("classname"), "xtf.hvm32")
        finally:
            shutil.rmtree(d)


class BootLoopTests(unittest.TestCase):
    """Drive Runner.run_boot against test/fake-qemu."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.saved = xr.QEMU
        xr.QEMU = os.path.join(HERE, "fake-qemu")

    def tearDown(self):
        xr.QEMU = self.saved
        shutil.rmtree(self.dir)

    def run_names(self, names, timeout=2.0, needs=None, retry=0, extra=None, report=False):
        tests = [make_test(n, envs="hvm64", needs=(needs or {}).get(n, "hypervisor"),
                           extra=(extra or {}).get(n, ""))
                 for n in names]
        inst = xr.all_instances(tests, self.dir)
        opts = types.SimpleNamespace(
            qemu_cpu="max", memory=64, smp=1, xen="/x/xen", xen_cmdline="", timeout=timeout,
            jobs=getattr(self, "jobs", 2), per_boot=32, bare=False, results=self.dir, retry=retry,
            logdir=os.path.join(self.dir, "logs"), bootdir=os.path.join(self.dir, "boots"))
        os.makedirs(opts.logdir)
        os.makedirs(opts.bootdir)
        runner = xr.Runner(opts)
        if not report:
            runner.report = lambda res, attempt=1: None
        return {r.name.split("-", 2)[2]: r for r in runner.run(inst)}

    def test_mixed_boot(self):
        r = self.run_names(["ok1", "fail1", "skip1", "crash1", "refuse1", "ok2"],
                           needs={"skip1": "hypervisor gnttab"})
        self.assertEqual(r["ok1"].result, "SUCCESS")
        self.assertEqual(r["ok2"].result, "SUCCESS")
        self.assertEqual(r["fail1"].result, "FAILURE")
        self.assertEqual(r["skip1"].result, "SKIP")
        self.assertIn("needs gnttab, not offered", r["skip1"].detail)
        self.assertEqual(r["crash1"].result, "CRASH")
        self.assertEqual(r["refuse1"].result, "ERROR")
        with open(r["ok1"].log) as f:
            self.assertIn("Test result: SUCCESS", f.read())
        self.assertTrue(os.path.exists(os.path.join(self.dir, "plan.json")))

    def test_skip_with_needs_met_fails(self):
        # The fake hypervisor offers evtchn, and nothing else is needed: the
        # SKIP proves nothing and is a FAILURE; fep is never offered here.
        r = self.run_names(["skip1", "skip2", "skip3"],
                           needs={"skip1": "hypervisor evtchn", "skip2": "none",
                                  "skip3": "hypervisor fep"})
        self.assertEqual(r["skip1"].result, "FAILURE")
        self.assertIn("unexpected SKIP", r["skip1"].detail)
        self.assertEqual(r["skip2"].result, "FAILURE")
        self.assertEqual(r["skip3"].result, "SKIP")

    def test_retry_same_plan_flake_and_failure(self):
        # jobs=1: one boot of three; flaky1 fails, then passes when the same
        # boot runs again: a FLAKE; fail1 fails both times: a FAILURE.
        self.jobs = 1
        r = self.run_names(["ok1", "flaky1", "fail1"], retry=1)
        self.assertEqual(r["ok1"].result, "SUCCESS")
        self.assertEqual(r["flaky1"].result, "FLAKE")
        self.assertIn("SUCCESS on attempt 2 in the same boot plan", r["flaky1"].detail)
        self.assertEqual(r["fail1"].result, "FAILURE")
        self.assertIn("attempt 2", r["fail1"].detail)
        logs = os.path.join(self.dir, "logs")
        for name in ("flaky1", "fail1"):
            for k in (1, 2):
                self.assertTrue(os.path.exists(os.path.join(
                    logs, f"test-hvm64-{name}.attempt-{k}.log")), (name, k))
        self.assertEqual([a[0] for a in r["flaky1"].attempts], ["FAILURE", "SUCCESS"])
        with open(r["flaky1"].first.log) as f:
            self.assertIn("Test result: FAILURE", f.read())
        boots = os.listdir(os.path.join(self.dir, "boots"))
        self.assertIn("boot-0.attempt-1.log", boots)
        self.assertIn("boot-0.attempt-2.log", boots)

    def test_no_retry_keeps_failure(self):
        r = self.run_names(["flaky1"])
        self.assertEqual(r["flaky1"].result, "FAILURE")

    def test_junit_valid_whatever_guests_print(self):
        r = self.run_names(["noisy1"])
        path = os.path.join(self.dir, "r.xml")
        xr.write_junit(list(r.values()), path)
        case = ET.parse(path).getroot().find("testsuite").find("testcase")
        self.assertIn("bell\\x07 escape\\x1b[31m nul\\x00", case.find("system-out").text)

    def test_progress_lines(self):
        # While a boot hangs, the runner says how many instances are done of
        # the total and how many failed so far, every PROGRESS_SECONDS.
        saved, xr.PROGRESS_SECONDS = xr.PROGRESS_SECONDS, 0.2
        self.jobs = 2
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                self.run_names(["hang1", "fail1"], timeout=1.5, report=True)
        finally:
            xr.PROGRESS_SECONDS = saved
        lines = [x for x in out.getvalue().splitlines() if x.startswith("progress: ")]
        self.assertGreaterEqual(len(lines), 3, out.getvalue())
        self.assertTrue(all(re.match(r"progress: [0-2]/2 instances done, [01] failed so far \(\d+ s\)$",
                                     x) for x in lines), lines)
        self.assertIn("progress: 1/2 instances done, 1 failed so far", out.getvalue())

    def test_hang_times_out_others_survive(self):
        r = self.run_names(["hang1", "ok1", "ok2", "ok3"], timeout=1.0)
        self.assertEqual(r["hang1"].result, "CRASH")
        self.assertIn("timeout", r["hang1"].detail)
        self.assertEqual([r[k].result for k in ("ok1", "ok2", "ok3")], ["SUCCESS"] * 3)
        with open(r["hang1"].log) as f:
            self.assertIn("console excerpt", f.read())

    def test_leak_reported_after_all_finished(self):
        # The memory line follows "all domains finished": the runner must
        # wait for it, not stop QEMU at the first line.
        r = self.run_names(["leaky1"])
        self.assertEqual(r["leaky1"].result, "FAILURE")
        self.assertIn("3 frames still owned", r["leaky1"].detail)

    def test_memory_account_judged(self):
        # Free frames short of their count before the domains by more than
        # the account names, or heap objects nobody explains: a leak, named.
        cases = {"pageleak1": ("FAILURE", "2 pages not explained"),
                 "objleak1": ("FAILURE", "64 bytes of xmalloc objects still live"),
                 "tidy1": ("SUCCESS", "")}
        for name, (status, detail) in cases.items():
            with self.subTest(name):
                shutil.rmtree(self.dir)
                self.dir = tempfile.mkdtemp()
                r = self.run_names([name])
                self.assertEqual(r[name].result, status)
                self.assertIn(detail, r[name].detail)

    def test_hypervisor_death(self):
        # One boot (jobs=2 gives two boots of two): the boot with killxen loses
        # its unfinished tests, the other boot is unaffected.
        r = self.run_names(["ok1", "killxen", "ok2", "ok3"])
        self.assertEqual(r["killxen"].result, "CRASH")
        self.assertIn("hypervisor exited", r["killxen"].detail)
        self.assertEqual(r["ok1"].result, "SUCCESS")
        self.assertEqual(r["ok2"].result, "SUCCESS")
        self.assertIn(r["ok3"].result, ("SUCCESS", "CRASH"))


class MultiDomainTests(unittest.TestCase):
    """@companion, @expect-end and the leak check."""

    def test_id_ranges(self):
        self.assertEqual(xr.id_ranges(["2", "3", "4", "7"]), "2-4:7")
        self.assertEqual(xr.id_ranges(["5"]), "5")

    def test_companion_parse(self):
        c = xr.parse_companion("peer x3 weight=512", "f", 1)
        self.assertEqual((c.role, c.count, c.settings), ("peer", 3, "weight=512"))
        with self.assertRaisesRegex(xr.RunnerError, "f:2"):
            xr.parse_companion("primary", "f", 2)
        with self.assertRaisesRegex(xr.RunnerError, "bad companion word"):
            xr.parse_companion("peer bogus", "f", 3)

    def test_expect_end(self):
        self.assertTrue(xr.events_match(["shutdown: reboot", "restarted (1)", "destroyed"],
                                        ["shutdown: reboot", "destroyed"]))
        self.assertFalse(xr.events_match(["destroyed", "shutdown: reboot"],
                                         ["shutdown: reboot", "destroyed"]))
        p = xr.XenLogParser()
        p.feed("(XEN) domain d1 'x' created: m\n(XEN) domain d1 'x' shutdown: crash\n"
               "(XEN) domain d1 'x' destroyed\n")
        d = p.domains["x"]
        self.assertEqual(xr.judge_domain(d, "", ["shutdown: crash", "destroyed"])[0], "SUCCESS")
        self.assertEqual(xr.judge_domain(d, "", ["shutdown: reboot"])[0], "FAILURE")

    def test_leak(self):
        p = xr.XenLogParser()
        p.feed("(XEN) memory: 10 pages free (12 before domains were built), 3 frames still "
               "owned by domains\n")
        self.assertIn("3 frames", xr.boot_leak(p))

    def test_leak_account(self):
        line = ("(XEN) memory: %d pages free (%d before domains were built), %d frames still "
                "owned by domains; kept: %d xmalloc pages (8192 bytes of domain and vCPU "
                "structures, 0 bytes of timer heap growth, the rest free chunks); unexplained: "
                "%d pages, %d bytes of live xmalloc objects\n")

        def leak(*fields):
            p = xr.XenLogParser()
            p.feed(line % fields)
            return xr.boot_leak(p)

        self.assertEqual(leak(100, 104, 0, 4, 0, 0), "")
        self.assertIn("1 pages not explained", leak(100, 105, 0, 4, 1, 0))
        # The runner does the sum itself: a line whose figures do not add
        # up is a leak even if the hypervisor says 0.
        self.assertIn("1 pages not explained", leak(100, 105, 0, 4, 0, 0))
        self.assertIn("-1 pages not explained", leak(102, 105, 0, 4, -1, 0))
        self.assertIn("16 bytes of xmalloc", leak(100, 104, 0, 4, 0, 16))
        self.assertIn("2 frames still owned", leak(100, 106, 2, 4, 0, 0))
        p = xr.XenLogParser()
        p.feed("(XEN) domain d1 'x' created: m\n(XEN) domain d1 'x' preserved\n" +
               line % (100, 200, 90, 4, 6, 512))
        self.assertEqual(xr.boot_leak(p), "")

    def test_cpu0_guests(self):
        ran = ("(XEN) sched: d1 'x' running 5 us runnable 6 us blocked 0 us, 0 preempted, 1 "
               "wake-ups (0 in place), latency mean 1 us max 1 us, ran on pCPUs %s\n")
        kept = "(XEN) sched: pCPU 0 runs no guests: QEMU's TCG loses pCPU 0's SVM flags\n"
        p = xr.XenLogParser()
        p.feed(kept + ran % "0x6")
        self.assertEqual(xr.boot_cpu0_guests(p), "")
        p = xr.XenLogParser()
        p.feed(kept + ran % "0x3")
        self.assertIn("ran on pCPU 0", xr.boot_cpu0_guests(p))
        self.assertIn("x", xr.boot_cpu0_guests(p))
        p = xr.XenLogParser()
        p.feed(ran % "0x3")  # pCPU 0 may run guests: nothing to say
        self.assertEqual(xr.boot_cpu0_guests(p), "")

    def test_plan_gives_domids(self):
        t = make_test("a", envs="hvm64")
        t.companions = [xr.Companion("peer", 2)]
        inst = xr.all_instances([t, make_test("b", envs="hvm64")], "/b")
        boot = xr.Boot(0, inst)
        xr.assign_modules(boot, "/b")
        self.assertEqual([m.domid for m in boot.modules], [1, 2, 3, 4])
        self.assertIn("xtf-domid-peer=2-3", xr.module_arg(boot.modules[1], boot))


if __name__ == "__main__":
    unittest.main()

/*
 * Body shared by the sched-ctl* tests: scheduler_op (domctl and sysctl),
 * vCPU affinity and getvcpuinfo from a privileged domain, for the scheduler
 * named by EXPECT_SCHED (the one the test's boot runs). Xen's layouts are
 * written out here (the framework's headers do not have them).
 */
#ifndef SCHED_CTL_H
#define SCHED_CTL_H

#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

#define XEN_DOMCTL_setvcpuaffinity   9
#define XEN_DOMCTL_getvcpuinfo       14
#define XEN_DOMCTL_scheduler_op      16
#define XEN_DOMCTL_getvcpuaffinity   25
#define XEN_SYSCTL_scheduler_op      19
#define XEN_SYSCTL_INTERFACE_VERSION 0x15

#define SCHED_CREDIT   5
#define SCHED_CREDIT2  6
#define SCHED_ARINC653 7
#define SCHED_RTDS     8
#define SCHED_NULL     9

#define PUTINFO     0
#define GETINFO     1
#define PUTVCPUINFO 2
#define GETVCPUINFO 3
#define RT_EXTRA    1u

#define _u(p) ((uint64_t)(unsigned long)(p))

#define AFF_HARD 1u
#define AFF_SOFT 2u

struct rtds_p {
    uint32_t period, budget, flags;
};

struct schedparam_vcpu {
    union {
        struct {
            uint16_t weight, cap;
        } credit2;
        struct rtds_p rtds;
    } u;
    uint32_t vcpuid;
};

struct domctl_sched {
    uint32_t sched_id, cmd;
    union {
        struct {
            uint16_t weight, cap;
        } credit2;
        struct rtds_p rtds;
        struct {
            uint64_aligned_t vcpus;
            uint32_t nr_vcpus, padding;
        } v;
    } u;
};

struct bitmap {
    uint64_aligned_t bitmap;
    uint32_t nr_bits, pad;
};

struct vcpuaffinity {
    uint32_t vcpu, flags;
    struct bitmap hard, soft;
};

struct getvcpuinfo {
    uint32_t vcpu;
    uint8_t online, blocked, running, pad;
    uint64_aligned_t cpu_time;
    uint32_t cpu, pad2;
};

struct a653_schedule {
    uint64_aligned_t major_frame;
    uint8_t num;
    uint8_t pad[7];
    struct {
        uint8_t handle[16];
        uint32_t vcpu_id, pad;
        uint64_aligned_t runtime;
    } e[64];
};

struct sysctl_sched {
    uint32_t cmd, interface_version;
    struct {
        uint32_t cpupool_id, sched_id, cmd, pad;
        union {
            uint64_aligned_t schedule;
            uint32_t ratelimit_us;
            uint8_t raw[16];
        } u;
    } s;
    uint8_t rest[128 - 32];
};

static struct xen_domctl dc;

static long sched_op(uint32_t id, uint32_t cmd, struct domctl_sched **out)
{
    struct domctl_sched *op = (void *)&dc.u;

    memset(&dc, 0, sizeof(dc));
    dc.cmd = XEN_DOMCTL_scheduler_op;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc.domain = xen_domid;
    op->sched_id = id;
    op->cmd = cmd;
    *out = op;
    return 0;
}

static long domctl_go(void)
{
    return hypercall_domctl(&dc);
}

static struct sysctl_sched sc;
static struct a653_schedule a653;

static long sysctl_sched(uint32_t pool, uint32_t id, uint32_t cmd)
{
    sc.cmd = XEN_SYSCTL_scheduler_op;
    sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    sc.s.cpupool_id = pool;
    sc.s.sched_id = id;
    sc.s.cmd = cmd;
    return hypercall1(__HYPERVISOR_sysctl, &sc);
}

/* Which scheduler answers getinfo for this domain (the others: -EINVAL). */
static void check_ids(void)
{
    static const uint32_t ids[] = {
        SCHED_CREDIT, SCHED_CREDIT2, SCHED_ARINC653, SCHED_RTDS, SCHED_NULL, 0, 42};
    struct domctl_sched *op;

    for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++) {
        sched_op(ids[i], GETINFO, &op);
        long rc = domctl_go();
        if (rc != (ids[i] == EXPECT_SCHED ? 0 : -EINVAL))
            xtf_failure("Fail: domctl getinfo with scheduler id %u: %ld\n", ids[i], rc);
        sc = (struct sysctl_sched){};
        sc.s.u.schedule = _u(&a653); /* where arinc653 writes its schedule */
        rc = sysctl_sched(0, ids[i], GETINFO);
        if (rc != (ids[i] == EXPECT_SCHED ? 0 : -EINVAL))
            xtf_failure("Fail: sysctl getinfo with scheduler id %u: %ld\n", ids[i], rc);
    }
    sched_op(EXPECT_SCHED, 7, &op);
    xtf_expect_rc("domctl scheduler_op bad cmd", domctl_go(), -EINVAL);
    sc = (struct sysctl_sched){};
    xtf_expect_rc("sysctl scheduler_op bad cmd", sysctl_sched(0, EXPECT_SCHED, 5), -EINVAL);
    xtf_expect_rc("sysctl scheduler_op pool 1", sysctl_sched(1, EXPECT_SCHED, GETINFO), -ESRCH);
    sched_op(EXPECT_SCHED, GETINFO, &op);
    dc.domain = 0x7fef;
    xtf_expect_rc("scheduler_op missing domain", domctl_go(), -ESRCH);
}

static void check_credit2(void)
{
    struct domctl_sched *op;

    sched_op(SCHED_CREDIT2, GETINFO, &op);
    xtf_expect_rc("credit2 getinfo", domctl_go(), 0);
    xtf_expect_rc("default weight", op->u.credit2.weight, 256);
    xtf_expect_rc("default cap", op->u.credit2.cap, 0);
    sched_op(SCHED_CREDIT2, PUTINFO, &op);
    op->u.credit2.weight = 512;
    op->u.credit2.cap = 50;
    xtf_expect_rc("credit2 putinfo 512/50", domctl_go(), 0);
    sched_op(SCHED_CREDIT2, GETINFO, &op);
    domctl_go();
    xtf_expect_rc("weight set", op->u.credit2.weight, 512);
    xtf_expect_rc("cap set", op->u.credit2.cap, 50);
    sched_op(SCHED_CREDIT2, PUTINFO, &op);
    op->u.credit2.cap = 101; /* one vCPU: at most 100 */
    xtf_expect_rc("credit2 cap 101 with one vCPU", domctl_go(), -EINVAL);
    sched_op(SCHED_CREDIT2, PUTINFO, &op); /* weight 0 keeps 512; cap 0 lifts the cap */
    xtf_expect_rc("credit2 putinfo 0/0", domctl_go(), 0);
    sched_op(SCHED_CREDIT2, GETINFO, &op);
    domctl_go();
    xtf_expect_rc("weight kept", op->u.credit2.weight, 512);
    xtf_expect_rc("cap lifted", op->u.credit2.cap, 0);
    sched_op(SCHED_CREDIT2, GETVCPUINFO, &op);
    xtf_expect_rc("credit2 getvcpuinfo", domctl_go(), -EINVAL);

    sc = (struct sysctl_sched){};
    xtf_expect_rc("credit2 sysctl getinfo", sysctl_sched(0, SCHED_CREDIT2, GETINFO), 0);
    xtf_expect_rc("default ratelimit", sc.s.u.ratelimit_us, 1000);
    static const uint32_t bad[] = {1, 99, 500001, 0xffffffffu};
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        sc.s.u.ratelimit_us = bad[i];
        if (sysctl_sched(0, SCHED_CREDIT2, PUTINFO) != -EINVAL)
            xtf_failure("Fail: ratelimit %u accepted\n", bad[i]);
    }
    sc.s.u.ratelimit_us = 500;
    xtf_expect_rc("ratelimit 500", sysctl_sched(0, SCHED_CREDIT2, PUTINFO), 0);
    sc.s.u.ratelimit_us = 0;
    xtf_expect_rc("credit2 sysctl getinfo again", sysctl_sched(0, SCHED_CREDIT2, GETINFO), 0);
    xtf_expect_rc("ratelimit set", sc.s.u.ratelimit_us, 500);
    sc.s.u.ratelimit_us = 0;
    xtf_expect_rc("ratelimit off", sysctl_sched(0, SCHED_CREDIT2, PUTINFO), 0);
    sc.s.u.ratelimit_us = 1000;
    xtf_expect_rc("ratelimit back", sysctl_sched(0, SCHED_CREDIT2, PUTINFO), 0);
}

static void check_rtds(void)
{
    static struct schedparam_vcpu pv[2];
    struct domctl_sched *op;
    static const struct rtds_p bad[] = {
        {0, 0, 0}, {10000, 0, 0}, {10000, 20000, 0}, {5, 5, 0}, {20000000, 1000, 0},
    };

    sched_op(SCHED_RTDS, GETINFO, &op);
    xtf_expect_rc("rtds getinfo", domctl_go(), 0);
    xtf_expect_rc("default period", op->u.rtds.period, 10000);
    xtf_expect_rc("default budget", op->u.rtds.budget, 4000);
    xtf_expect_rc("default flags", op->u.rtds.flags, RT_EXTRA);
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        sched_op(SCHED_RTDS, PUTINFO, &op);
        op->u.rtds = bad[i];
        if (domctl_go() != -EINVAL)
            xtf_failure("Fail: rtds period %u budget %u accepted\n", bad[i].period, bad[i].budget);
    }
    sched_op(SCHED_RTDS, PUTINFO, &op);
    op->u.rtds = (struct rtds_p){20000, 15000, 0};
    xtf_expect_rc("rtds putinfo", domctl_go(), 0);
    sched_op(SCHED_RTDS, GETINFO, &op);
    domctl_go();
    if (op->u.rtds.period != 20000 || op->u.rtds.budget != 15000 || op->u.rtds.flags)
        xtf_failure("Fail: rtds getinfo after put: %u %u %u\n", op->u.rtds.period,
                    op->u.rtds.budget, op->u.rtds.flags);

    memset(pv, 0, sizeof(pv));
    sched_op(SCHED_RTDS, GETVCPUINFO, &op);
    op->u.v.vcpus = _u(pv);
    op->u.v.nr_vcpus = 1;
    xtf_expect_rc("rtds getvcpuinfo", domctl_go(), 0);
    if (pv[0].u.rtds.period != 20000 || pv[0].u.rtds.budget != 15000)
        xtf_failure("Fail: vCPU 0 period %u budget %u\n", pv[0].u.rtds.period, pv[0].u.rtds.budget);
    pv[0].u.rtds = (struct rtds_p){30000, 20000, RT_EXTRA};
    sched_op(SCHED_RTDS, PUTVCPUINFO, &op);
    op->u.v.vcpus = _u(pv);
    op->u.v.nr_vcpus = 1;
    xtf_expect_rc("rtds putvcpuinfo", domctl_go(), 0);
    memset(pv, 0, sizeof(pv));
    sched_op(SCHED_RTDS, GETVCPUINFO, &op);
    op->u.v.vcpus = _u(pv);
    op->u.v.nr_vcpus = 1;
    domctl_go();
    if (pv[0].u.rtds.period != 30000 || pv[0].u.rtds.budget != 20000 ||
        pv[0].u.rtds.flags != RT_EXTRA)
        xtf_failure("Fail: vCPU 0 after put: %u %u %u\n", pv[0].u.rtds.period, pv[0].u.rtds.budget,
                    pv[0].u.rtds.flags);
    pv[1].vcpuid = 1; /* this domain has one vCPU */
    sched_op(SCHED_RTDS, GETVCPUINFO, &op);
    op->u.v.vcpus = _u(pv);
    op->u.v.nr_vcpus = 2;
    xtf_expect_rc("rtds getvcpuinfo of vCPU 1", domctl_go(), -EINVAL);
    pv[0].u.rtds = (struct rtds_p){30000, 40000, 0};
    sched_op(SCHED_RTDS, PUTVCPUINFO, &op);
    op->u.v.vcpus = _u(pv);
    op->u.v.nr_vcpus = 1;
    xtf_expect_rc("rtds putvcpuinfo budget > period", domctl_go(), -EINVAL);
    sched_op(SCHED_RTDS, GETVCPUINFO, &op);
    op->u.v.vcpus = _u(XTF_BAD_PTR);
    op->u.v.nr_vcpus = 1;
    xtf_expect_rc("rtds getvcpuinfo bad pointer", domctl_go(), -EFAULT);
    sc = (struct sysctl_sched){};
    xtf_expect_rc("rtds sysctl putinfo", sysctl_sched(0, SCHED_RTDS, PUTINFO), 0);
}

static void check_null(void)
{
    struct domctl_sched *op;

    sched_op(SCHED_NULL, PUTINFO, &op);
    xtf_expect_rc("null putinfo", domctl_go(), 0);
    sched_op(SCHED_NULL, GETVCPUINFO, &op);
    xtf_expect_rc("null getvcpuinfo", domctl_go(), -EINVAL);
    sc = (struct sysctl_sched){};
    xtf_expect_rc("null sysctl putinfo", sysctl_sched(0, SCHED_NULL, PUTINFO), 0);
}

static void check_arinc653(void)
{
    sc = (struct sysctl_sched){};
    memset(&a653, 0xaa, sizeof(a653));
    sc.s.u.schedule = _u(&a653);
    xtf_expect_rc("arinc653 getinfo", sysctl_sched(0, SCHED_ARINC653, GETINFO), 0);
    if (a653.num < 1 || a653.num > 64 || !a653.major_frame)
        return xtf_failure("Fail: arinc653 schedule of %u slots, frame %llu ns\n", a653.num,
                           (unsigned long long)a653.major_frame);
    bool mine = false;
    for (unsigned int i = 0; i < a653.num; i++)
        if (a653.e[i].handle[0] == xen_domid && a653.e[i].vcpu_id == 0 && a653.e[i].runtime)
            mine = true;
    if (!mine)
        xtf_failure("Fail: no slot of d%u in the schedule\n", xen_domid);

    /* The same slots (other domains of the boot keep theirs) plus an
     * idle 1 ms slot of a domain that does not exist. */
    unsigned int n = a653.num;
    uint64_t frame = a653.major_frame + 1000000;
    if (n == 64)
        return xtf_failure("Fail: no room for one more slot\n");
    memset(a653.e[n].handle, 0, sizeof(a653.e[n].handle));
    a653.e[n].handle[0] = 0x7e;
    a653.e[n].vcpu_id = 0;
    a653.e[n].runtime = 1000000;
    a653.num = n + 1;
    a653.major_frame = frame;
    xtf_expect_rc("arinc653 putinfo", sysctl_sched(0, SCHED_ARINC653, PUTINFO), 0);
    memset(&a653, 0, sizeof(a653));
    xtf_expect_rc("arinc653 getinfo after put", sysctl_sched(0, SCHED_ARINC653, GETINFO), 0);
    if (a653.major_frame != frame || a653.num != n + 1 || a653.e[n].handle[0] != 0x7e ||
        a653.e[n].runtime != 1000000)
        xtf_failure("Fail: schedule read back: frame %llu, %u slots\n",
                    (unsigned long long)a653.major_frame, a653.num);

    /* Refused, and the schedule stays. */
    a653.num = 0;
    xtf_expect_rc("arinc653 no slots", sysctl_sched(0, SCHED_ARINC653, PUTINFO), -EINVAL);
    a653.num = n + 1;
    a653.e[n].runtime = frame; /* the slots overrun the frame */
    xtf_expect_rc("arinc653 slots past the frame", sysctl_sched(0, SCHED_ARINC653, PUTINFO),
                  -EINVAL);
    a653.e[n].runtime = 1000000;
    a653.major_frame = 0;
    xtf_expect_rc("arinc653 frame 0", sysctl_sched(0, SCHED_ARINC653, PUTINFO), -EINVAL);
    a653.major_frame = frame;
    a653.num = 65;
    xtf_expect_rc("arinc653 65 slots", sysctl_sched(0, SCHED_ARINC653, PUTINFO), -EINVAL);
    sc.s.u.schedule = _u(XTF_BAD_PTR);
    xtf_expect_rc("arinc653 bad pointer", sysctl_sched(0, SCHED_ARINC653, PUTINFO), -EFAULT);
    sc.s.u.schedule = _u(&a653);
    memset(&a653, 0, sizeof(a653));
    xtf_expect_rc("arinc653 getinfo kept", sysctl_sched(0, SCHED_ARINC653, GETINFO), 0);
    xtf_expect_rc("schedule kept", a653.num, n + 1);
}

static long affinity(uint32_t cmd, uint32_t vcpu, uint32_t flags, uint8_t *hard, uint32_t hbits,
                     uint8_t *soft, uint32_t sbits)
{
    struct vcpuaffinity *a = (void *)&dc.u;

    memset(&dc, 0, sizeof(dc));
    dc.cmd = cmd;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc.domain = xen_domid;
    a->vcpu = vcpu;
    a->flags = flags;
    a->hard = (struct bitmap){_u(hard), hbits, 0};
    a->soft = (struct bitmap){_u(soft), sbits, 0};
    return domctl_go();
}

/* The pCPU getvcpuinfo reports for vCPU 0, after giving way a few times. */
static long my_cpu(void)
{
    struct getvcpuinfo *g = (void *)&dc.u;

    for (unsigned int i = 0; i < 4; i++)
        hypercall_yield();
    memset(&dc, 0, sizeof(dc));
    dc.cmd = XEN_DOMCTL_getvcpuinfo;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc.domain = xen_domid;
    if (domctl_go())
        return -1;
    if (!g->online || !g->running || !g->cpu_time)
        xtf_failure("Fail: getvcpuinfo: online %u running %u time %llu\n", g->online, g->running,
                    (unsigned long long)g->cpu_time);
    return g->cpu;
}

/* Hard and soft affinity: read back, refusals, and (but under arinc653,
 * which runs only the first pCPU that runs guests) a pinned vCPU runs where
 * it is pinned. A vCPU's default hard affinity is the set of pCPUs that run
 * guests (all of them, or all but pCPU 0 under QEMU's TCG): needs two. */
static void check_affinity(void)
{
    static uint8_t h[4], s[4];
    unsigned int first = 8, second = 8, top = 0;
    uint8_t guests;

    memset(h, 0xee, sizeof(h));
    xtf_expect_rc("get hard", affinity(XEN_DOMCTL_getvcpuaffinity, 0, AFF_HARD, h, 16, s, 0), 0);
    guests = h[0];
    if (h[1] || h[2] != 0xee)
        return xtf_failure("Fail: hard affinity %#x %#x %#x (want the pCPUs that run guests, 0, "
                           "and untouched)\n",
                           h[0], h[1], h[2]);
    for (unsigned int c = 0; c < 8; c++)
        if (guests & (1u << c)) {
            if (first == 8)
                first = c;
            else if (second == 8)
                second = c;
            top = c;
        }
    if (second == 8)
        return xtf_failure("Fail: hard affinity %#x: needs two pCPUs that run guests\n", guests);
    printk("pCPUs that run guests: %#x\n", guests);
    xtf_expect_rc("no flags", affinity(XEN_DOMCTL_getvcpuaffinity, 0, 0, h, 8, s, 8), -EINVAL);
    xtf_expect_rc("vCPU 5", affinity(XEN_DOMCTL_getvcpuaffinity, 5, AFF_HARD, h, 8, s, 8), -EINVAL);
    h[0] = 0;
    xtf_expect_rc("empty hard", affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_HARD, h, 8, s, 8),
                  -EINVAL);
    if (top < 7) {
        h[0] = (uint8_t)(0xff << (top + 1)); /* pCPUs past the last one do not exist */
        xtf_expect_rc("offline hard", affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_HARD, h, 8, s, 8),
                      -EINVAL);
    }
    if (first > 0) {
        h[0] = (uint8_t)((1u << first) - 1); /* online, but runs no guests */
        xtf_expect_rc("hard on pCPUs that run no guests",
                      affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_HARD, h, 8, s, 8), -EINVAL);
    }
    h[0] = 0xfe; /* only bit 0 lies within nr_bits 1: empty */
    xtf_expect_rc("bits past nr_bits",
                  affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_HARD, h, 1, s, 8), -EINVAL);
    h[0] = guests;
    xtf_expect_rc(
        "bad bitmap",
        affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_HARD, (uint8_t *)XTF_BAD_PTR, 8, s, 8),
        -EFAULT);

    s[0] = (uint8_t)(1u << second);
    xtf_expect_rc("set soft", affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_SOFT, h, 8, s, 8), 0);
    xtf_expect_rc("soft read back", s[0], 1u << second);

    if (EXPECT_SCHED != SCHED_ARINC653) {
        h[0] = (uint8_t)(1u << second);
        xtf_expect_rc("pin to the second pCPU",
                      affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_HARD, h, 8, s, 8), 0);
        xtf_expect_rc("hard in effect", h[0], 1u << second);
        xtf_expect_rc("runs on the second pCPU", my_cpu(), second);
        h[0] = (uint8_t)(1u << first);
        s[0] = guests;
        xtf_expect_rc("pin to the first pCPU",
                      affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_HARD | AFF_SOFT, h, 8, s, 8), 0);
        xtf_expect_rc("soft within hard", s[0], 1u << first);
        xtf_expect_rc("runs on the first pCPU", my_cpu(), first);
    }
    h[0] = guests;
    s[0] = guests;
    xtf_expect_rc("unpin", affinity(XEN_DOMCTL_setvcpuaffinity, 0, AFF_HARD | AFF_SOFT, h, 8, s, 8),
                  0);
}

static void sched_ctl_main(void)
{
    xtf_require_hypervisor();
    if (xen_domid == DOMID_INVALID)
        return xtf_failure("Fail: the hypervisor did not give the domain id\n");
    check_ids();
    if (EXPECT_SCHED == SCHED_CREDIT2)
        check_credit2();
    else if (EXPECT_SCHED == SCHED_RTDS)
        check_rtds();
    else if (EXPECT_SCHED == SCHED_NULL)
        check_null();
    else
        check_arinc653();
    check_affinity();
    xtf_success(NULL);
}

#endif

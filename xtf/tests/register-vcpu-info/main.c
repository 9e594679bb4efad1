/**
 * @file
 * VCPUOP_register_vcpu_info, as Xen's public headers and behaviour define
 * it: a vCPU's vcpu_info moves from shared info to a place the guest
 * chooses.  Proves the placement rules and errors: a vCPU the domain does
 * not have gives -ENOENT, a bad argument pointer -EFAULT, an area crossing
 * the end of its page or not aligned to the guest's word -ENXIO, a frame
 * that is not the domain's RAM -EINVAL, and a second registration -EINVAL.
 * Proves what a successful one does: the old contents are copied (the
 * upcall mask) with the upcall flag and every selector bit set so nothing
 * pending is lost, the time info is filled in and kept up to date there,
 * events are delivered there and no longer into shared info, and a vCPU
 * that is down may be given its area by another vCPU.  A guest that gives
 * the area's frame back (decrease_reservation) only hurts itself: a timer
 * still wakes it from SCHEDOP_block.
 * Needs: a 2-vCPU domain, shared info mapped, nothing at 3 GiB.
 *
 * @category functional
 * @needs hypervisor evtchn memory vcpu-op
 * @envs hvm64 hvm32pae hvm32
 * @domain vcpus=2
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "VCPUOP_register_vcpu_info";

#define VCPUOP_register_vcpu_info 10
#define ENXIO                     6

struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};

static uint8_t area[2][4096] __aligned(4096);
static struct shared_info *s;

static long reg(unsigned int vcpu, uint64_t gfn, uint32_t offset)
{
    struct vcpu_register_vcpu_info r = {.mfn = gfn, .offset = offset};

    return hypercall_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
}

static uint64_t gfn_of(const void *p)
{
    return (unsigned long)p >> 12;
}

static void test_errors(void)
{
    uint64_t g = gfn_of(area[0]);

    xtf_expect_rc("no such vCPU", reg(5, g, 0), -ENOENT);
    xtf_expect_rc("bad pointer", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, XTF_BAD_PTR),
                  -EFAULT);
    xtf_expect_rc("crosses the page end", reg(0, g, 4096 - 64 + 8), -ENXIO);
    xtf_expect_rc("offset 4096", reg(0, g, 4096), -ENXIO);
    xtf_expect_rc("huge offset", reg(0, g, 0xfffffff8u), -ENXIO);
    xtf_expect_rc("offset 2 (unaligned)", reg(0, g, 2), -ENXIO);
#ifdef CONFIG_64BIT
    xtf_expect_rc("offset 4 (unaligned for 64-bit)", reg(0, g, 4), -ENXIO);
#endif
    xtf_expect_rc("frame with no RAM", reg(0, 0xc0000, 0), -EINVAL);
}

static void test_register_self(void)
{
    struct vcpu_info *vi = (struct vcpu_info *)(area[0] + 128);
    struct vcpu_info *old = &s->vcpu_info[0];
    evtchn_port_t port = 0, tport = 0;
    uint32_t ver;

    memset(area[0], 0xa5, sizeof(area[0]));
    old->evtchn_upcall_mask = 1;
    old->evtchn_upcall_pending = 0;
    old->evtchn_pending_sel = 0;
    xtf_expect_rc("register vCPU 0", reg(0, gfn_of(area[0]), 128), 0);
    if (vi->evtchn_upcall_pending != 1)
        xtf_failure("Fail: new area: upcall_pending %u, want 1\n", vi->evtchn_upcall_pending);
    if (vi->evtchn_pending_sel != (xen_ulong_t)~0ul)
        xtf_failure("Fail: new area: pending_sel %#lx, want all bits\n",
                    (unsigned long)vi->evtchn_pending_sel);
    if (vi->evtchn_upcall_mask != 1)
        xtf_failure("Fail: new area: upcall_mask %u not copied\n", vi->evtchn_upcall_mask);
    if ((vi->time.version & 1) || !vi->time.version || !vi->time.tsc_to_system_mul)
        xtf_failure("Fail: new area: time info not filled in (version %u, mul %u)\n",
                    vi->time.version, vi->time.tsc_to_system_mul);
    if (area[0][127] != 0xa5 || area[0][128 + sizeof(*vi)] != 0xa5)
        xtf_failure("Fail: bytes around the area were written\n");

    xtf_expect_rc("second registration", reg(0, gfn_of(area[1]), 0), -EINVAL);
    xtf_expect_rc("same place again", reg(0, gfn_of(area[0]), 128), -EINVAL);

    /* Events now land in the new area only. */
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    old->evtchn_upcall_pending = 0;
    old->evtchn_pending_sel = 0;
    xtf_expect_rc("bind_ipi", evtchn_bind_ipi(0, &port), 0);
    xtf_expect_rc("send", evtchn_send(port), 0);
    if (!evtchn_test(s->evtchn_pending, port))
        xtf_failure("Fail: port %u not pending in shared info\n", port);
    if (vi->evtchn_upcall_pending != 1 ||
        !(vi->evtchn_pending_sel & (1ul << (port / BITS_PER_XEN_ULONG))))
        xtf_failure("Fail: event not delivered into the registered area\n");
    if (old->evtchn_upcall_pending || old->evtchn_pending_sel)
        xtf_failure("Fail: event still delivered into shared info's vcpu_info\n");
    xtf_expect_rc("close", evtchn_close(port), 0);

    /* The time info there is kept up to date (a timer event refreshes it). */
    ver = vi->time.version;
    xtf_expect_rc("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &tport), 0);
    xtf_expect_rc("set_timer_op", set_timer_op(vi->time.system_time + 1000000), 0);
    for (unsigned int i = 0; i < 100000 && !evtchn_test(s->evtchn_pending, tport); i++)
        hypercall_yield();
    if (!evtchn_test(s->evtchn_pending, tport))
        xtf_failure("Fail: VIRQ_TIMER never fired\n");
    else if (vi->time.version == ver || (vi->time.version & 1))
        xtf_failure("Fail: time info in the area not refreshed (version %u -> %u)\n", ver,
                    vi->time.version);
    xtf_expect_rc("close timer port", evtchn_close(tport), 0);
    vi->evtchn_upcall_mask = 0;
    evtchn_clear_all(s);
}

static void test_register_other(void)
{
    struct vcpu_info *vi = (struct vcpu_info *)area[1];

    /* vCPU 1 is down: vCPU 0 may place its vcpu_info. */
    xtf_expect_rc("vCPU 1 is down", hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    xtf_expect_rc("register vCPU 1 (down)", reg(1, gfn_of(area[1]), 0), 0);
    if (vi->evtchn_upcall_pending != 1)
        xtf_failure("Fail: vCPU 1's area: upcall_pending %u, want 1\n", vi->evtchn_upcall_pending);
    xtf_expect_rc("register vCPU 1 again", reg(1, gfn_of(area[1]), 64), -EINVAL);
}

/* vCPU 0's area (area[0]) loses its frame: blocking still ends. */
static void test_frame_given_back(void)
{
    xen_pfn_t pfn = gfn_of(area[0]);
    struct xen_memory_reservation r = {
        .extent_start = &pfn, .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF};
    uint64_t now = xen_system_time(s);
    evtchn_port_t tport = 0;

    xtf_expect_rc("bind VIRQ_TIMER again", evtchn_bind_virq(VIRQ_TIMER, 0, &tport), 0);
    xtf_expect_rc("give the area's frame back",
                  hypercall_memory_op(XENMEM_decrease_reservation, &r), 1);
    xtf_expect_rc("set_timer_op", set_timer_op(now + 2000000), 0);
    /* A hang here fails the test by its timeout. */
    xtf_expect_rc("block", hypercall_sched_op(SCHEDOP_block, NULL), 0);
}

void test_main(void)
{
    s = xtf_shared_info_start();
    test_errors();
    test_register_self();
    test_register_other();
    test_frame_given_back();
    xtf_success(NULL);
}

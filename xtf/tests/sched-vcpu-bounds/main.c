/**
 * @file
 * vCPU ids of the scheduler domctls, at the edge.  Bug class: a vCPU index
 * checked off by one (the per-domain vCPU array read one past its end).
 * On a two-vCPU domain (privileged, naming itself), proves that
 * getvcpuinfo and getvcpuaffinity of vCPU 1 (the last, still down)
 * succeed, and that getvcpuinfo, getvcpuaffinity and setvcpuaffinity of
 * vCPU 2 and of vCPU ~0 give -EINVAL.  Changes no scheduler state.
 *
 * @category security
 * @envs hvm64 hvm32
 * @needs hypervisor
 * @domain priv=1 vcpus=2
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "Scheduler domctl vCPU bounds";

#define XEN_DOMCTL_setvcpuaffinity 9
#define XEN_DOMCTL_getvcpuinfo     14
#define XEN_DOMCTL_getvcpuaffinity 25
#define XEN_VCPUAFFINITY_HARD      (1u << 0)

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

static struct xen_domctl dc;
static uint8_t cpumap[8];

static void domctl_init(uint32_t cmd)
{
    memset(&dc, 0, sizeof(dc));
    dc.cmd = cmd;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc.domain = xen_domid;
}

static long getvcpuinfo(uint32_t vcpu)
{
    struct getvcpuinfo *g = (void *)&dc.u;

    domctl_init(XEN_DOMCTL_getvcpuinfo);
    g->vcpu = vcpu;
    return hypercall_domctl(&dc);
}

static long affinity(uint32_t cmd, uint32_t vcpu)
{
    struct vcpuaffinity *a = (void *)&dc.u;

    domctl_init(cmd);
    cpumap[0] = 0xff; /* every pCPU: only the vCPU id may be refused */
    a->vcpu = vcpu;
    a->flags = XEN_VCPUAFFINITY_HARD;
    a->hard = (struct bitmap){.bitmap = (uintptr_t)cpumap, .nr_bits = 8 * sizeof(cpumap)};
    return hypercall_domctl(&dc);
}

void test_main(void)
{
    static const uint32_t bad[] = {2, ~0u};

    xtf_require_hypervisor();
    if (xen_domid == DOMID_INVALID)
        return xtf_failure("Fail: the hypervisor did not give the domain id\n");

    xtf_expect_rc("getvcpuinfo of vCPU 1", getvcpuinfo(1), 0);
    if (((struct getvcpuinfo *)&dc.u)->online)
        xtf_failure("Fail: vCPU 1 reported online before VCPUOP_up\n");
    xtf_expect_rc("getvcpuaffinity of vCPU 1", affinity(XEN_DOMCTL_getvcpuaffinity, 1), 0);
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        printk("vCPU %#x:\n", bad[i]);
        xtf_expect_rc("  getvcpuinfo", getvcpuinfo(bad[i]), -EINVAL);
        xtf_expect_rc("  getvcpuaffinity", affinity(XEN_DOMCTL_getvcpuaffinity, bad[i]), -EINVAL);
        xtf_expect_rc("  setvcpuaffinity", affinity(XEN_DOMCTL_setvcpuaffinity, bad[i]), -EINVAL);
    }
    xtf_success(NULL);
}

/**
 * @file
 * Many vCPUs: proves that all seven secondary vCPUs of an eight-vCPU domain
 * come up with VCPUOP_initialise/VCPUOP_up in this environment's mode (same
 * paging), each runs C code on its own stack and sees its own id in CPUID
 * (initial APIC ID and leaf 0x40000004), that atomic updates from all of
 * them to shared memory add up exactly, that VCPUOP_is_up reports each one
 * up while it runs and down once it has taken itself down, and that a
 * running vCPU cannot be initialised again (-EEXIST).
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor vcpu-op lapic
 * @domain vcpus=8
 */
#include <xtf.h>

const char test_title[] = "Eight vCPUs";

#define NR_VCPUS 8
#define ADDS     1000
#define TRIES    200000

static uint8_t stacks[NR_VCPUS][4096] __aligned(16);
static volatile uint32_t seen_apic[NR_VCPUS], seen_leaf[NR_VCPUS];
static volatile unsigned int counter, arrived, release;

static void ap_main(unsigned int id)
{
    uint32_t a, b, c, d;

    seen_apic[id] = xtf_vcpu_id() | 0x100;
    cpuid(xen_cpuid_base + 4, &a, &b, &c, &d);
    seen_leaf[id] = (a & (1u << 3)) ? (b | 0x100) : 0;
    for (unsigned int i = 0; i < ADDS; i++)
        __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
    while (!release)
        hypercall_yield();
}

void test_main(void)
{
    unsigned int i, id;

    xtf_require_hypervisor();
    for (id = 1; id < NR_VCPUS; id++)
        xtf_expect_rc("is_up before start", hypercall_vcpu_op(VCPUOP_is_up, id, NULL), 0);
    for (id = 1; id < NR_VCPUS; id++) {
        long rc = xtf_vcpu_start(id, ap_main, stacks[id] + sizeof(stacks[id]));

        if (rc)
            return xtf_failure("Fail: start of vCPU %u: %ld\n", id, rc);
    }
    for (i = 0; i < TRIES && arrived != NR_VCPUS - 1; i++)
        hypercall_yield();
    if (arrived != NR_VCPUS - 1)
        return xtf_failure("Fail: only %u of %u vCPUs arrived\n", arrived, NR_VCPUS - 1);
    printk("%u secondary vCPUs running\n", arrived);
    for (id = 1; id < NR_VCPUS; id++) {
        xtf_expect_rc("is_up while running", hypercall_vcpu_op(VCPUOP_is_up, id, NULL), 1);
        if (seen_apic[id] != (0x100 | id))
            xtf_failure("Fail: vCPU %u saw APIC ID %#x\n", id, seen_apic[id] & 0xff);
        if (seen_leaf[id] != (0x100 | id))
            xtf_failure("Fail: vCPU %u saw leaf 4 vCPU id %#x\n", id, seen_leaf[id]);
    }
    if (counter != (NR_VCPUS - 1) * ADDS)
        xtf_failure("Fail: counter %u, expected %u\n", counter, (NR_VCPUS - 1) * ADDS);
    xtf_expect_rc("initialise a running vCPU", xtf_vcpu_start(3, ap_main, stacks[3]), -EEXIST);
    release = 1;
    for (id = 1; id < NR_VCPUS; id++) {
        for (i = 0; i < TRIES && hypercall_vcpu_op(VCPUOP_is_up, id, NULL) != 0; i++)
            hypercall_yield();
        if (i == TRIES)
            xtf_failure("Fail: vCPU %u did not go down\n", id);
    }
    if (xtf_status_is_success())
        xtf_success(NULL);
}

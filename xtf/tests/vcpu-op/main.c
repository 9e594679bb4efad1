/**
 * @file
 * vcpu_op on a two-vCPU domain, success and error paths. Proves vCPU 1
 * starts down and cannot come up before VCPUOP_initialise (-EINVAL), that a
 * 32-bit flat start context brings it up at the given EIP with the given
 * registers (it stores EAX at EBX, then takes itself down with vcpu_op),
 * that a second initialise gives -EEXIST, that bad contexts give -EINVAL
 * and bad pointers -EFAULT, that runstate info reports running/offline with
 * time spent, and that the periodic and single-shot timer sub-ops check
 * their arguments as Xen does (period >= 1 ms; single-shot only for the
 * calling vCPU, -ETIME for a past deadline with VCPU_SSHOTTMR_future), and
 * that a registered runstate area is filled in for the calling vCPU.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor vcpu-op
 * @domain vcpus=2
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "vcpu_op";

#define ETIME    62
#define AP_MAGIC 0x4150c0deu

static volatile uint32_t ap_flag;
void ap_entry32(void);

/* vCPU 1 starts here in flat 32-bit protected mode, paging off. */
asm(".pushsection .text\n"
    ".code32\n"
    ".global ap_entry32\n"
    "ap_entry32:\n"
    "    movl %eax, (%ebx)\n"
    "    movl $24, %eax\n" /* __HYPERVISOR_vcpu_op */
    "    movl $2, %ebx\n"  /* VCPUOP_down */
    "    movl $1, %ecx\n"  /* vCPU 1 */
    "    xorl %edx, %edx\n"
    "    vmmcall\n"
    "1:  hlt\n"
    "    jmp 1b\n"
#ifdef CONFIG_ENV_hvm64
    ".code64\n"
#endif
    ".popsection\n");

static void flat32(struct vcpu_hvm_context *c)
{
    struct vcpu_hvm_x86_32 *x = &c->cpu_regs.x86_32;

    memset(c, 0, sizeof(*c));
    c->mode = VCPU_HVM_MODE_32B;
    x->eip = (uint32_t)(uintptr_t)ap_entry32;
    x->eax = AP_MAGIC;
    x->ebx = (uint32_t)(uintptr_t)&ap_flag;
    x->eflags = 2;
    x->cr0 = 1; /* PE */
    x->cs_limit = x->ds_limit = x->ss_limit = x->es_limit = 0xffffffff;
    x->cs_ar = 0xc9b;
    x->ds_ar = x->ss_ar = x->es_ar = 0xc93;
    x->tr_limit = 0x67;
    x->tr_ar = 0x8b;
}

static bool wait_for(volatile uint32_t *p, uint32_t val)
{
    for (unsigned int i = 0; i < 200000; i++) {
        if (*p == val)
            return true;
        hypercall_yield();
    }
    return false;
}

static void test_bringup(void)
{
    struct vcpu_hvm_context c;
    struct vcpu_runstate_info ri;
    unsigned int i;

    xtf_expect_rc("is_up(0)", hypercall_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    xtf_expect_rc("is_up(1)", hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    xtf_expect_rc("is_up(2)", hypercall_vcpu_op(VCPUOP_is_up, 2, NULL), -ENOENT);
    xtf_expect_rc("up(1) uninitialised", hypercall_vcpu_op(VCPUOP_up, 1, NULL), -EINVAL);

    flat32(&c);
    xtf_expect_rc("initialise(0)", hypercall_vcpu_op(VCPUOP_initialise, 0, &c), -EEXIST);
    xtf_expect_rc("initialise bad ptr", hypercall_vcpu_op(VCPUOP_initialise, 1, XTF_BAD_PTR),
                  -EFAULT);
    c.mode = 7;
    xtf_expect_rc("initialise bad mode", hypercall_vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    flat32(&c);
    c.cpu_regs.x86_32.cs_ar = 0xc93; /* data, not code */
    xtf_expect_rc("initialise data CS", hypercall_vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    flat32(&c);
    c.cpu_regs.x86_32.cr0 = 0x80000000; /* PG without PE */
    xtf_expect_rc("initialise PG without PE", hypercall_vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    memset(&c, 0, sizeof(c));
    c.mode = VCPU_HVM_MODE_64B;
    c.cpu_regs.x86_64.cr0 = 1; /* long mode without paging */
    xtf_expect_rc("initialise 64-bit no paging", hypercall_vcpu_op(VCPUOP_initialise, 1, &c),
                  -EINVAL);

    flat32(&c);
    xtf_expect_rc("initialise(1)", hypercall_vcpu_op(VCPUOP_initialise, 1, &c), 0);
    xtf_expect_rc("initialise(1) again", hypercall_vcpu_op(VCPUOP_initialise, 1, &c), -EEXIST);
    xtf_expect_rc("is_up(1) after initialise", hypercall_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    xtf_expect_rc("up(1)", hypercall_vcpu_op(VCPUOP_up, 1, NULL), 0);
    if (!wait_for(&ap_flag, AP_MAGIC))
        return xtf_failure("Fail: vCPU 1 never ran its start code (flag %#x)\n", ap_flag);
    for (i = 0; i < 200000 && hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) != 0; i++)
        hypercall_yield();
    if (i == 200000)
        return xtf_failure("Fail: vCPU 1 did not take itself down\n");
    for (i = 0; i < 200000; i++) {
        xtf_expect_rc("runstate(1)", hypercall_vcpu_op(VCPUOP_get_runstate_info, 1, &ri), 0);
        if (ri.state == XEN_RUNSTATE_offline)
            break;
        hypercall_yield();
    }
    if (ri.state != XEN_RUNSTATE_offline || !ri.time[XEN_RUNSTATE_running])
        xtf_failure("Fail: vCPU 1 runstate %d, %llu ns running\n", ri.state,
                    (unsigned long long)ri.time[XEN_RUNSTATE_running]);
    xtf_expect_rc("down(1) again", hypercall_vcpu_op(VCPUOP_down, 1, NULL), 0);
}

static void test_runstate(void)
{
    struct vcpu_runstate_info ri;

    memset(&ri, 0xff, sizeof(ri));
    xtf_expect_rc("runstate(0)", hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &ri), 0);
    if (ri.state != XEN_RUNSTATE_running || !ri.time[XEN_RUNSTATE_running] ||
        ri.time[XEN_RUNSTATE_offline] == ~0ull)
        xtf_failure("Fail: own runstate %d, %llu ns running\n", ri.state,
                    (unsigned long long)ri.time[XEN_RUNSTATE_running]);
    xtf_expect_rc("runstate bad ptr", hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, XTF_BAD_PTR),
                  -EFAULT);
    /* As Xen: the area (a guest virtual address) is filled in at once for
     * the calling vCPU; address 0 unregisters it. */
    {
        static struct vcpu_runstate_info area_ri;
        uint64_t area = (unsigned long)&area_ri;

        memset(&area_ri, 0xff, sizeof(area_ri));
        xtf_expect_rc("register_runstate_memory_area",
                      hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area), 0);
        if (area_ri.state != XEN_RUNSTATE_running || !area_ri.time[XEN_RUNSTATE_running])
            xtf_failure("Fail: registered runstate area not filled in (state %d)\n", area_ri.state);
        area = 0;
        xtf_expect_rc("unregister runstate area",
                      hypercall_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &area), 0);
    }
}

static void test_timers(void)
{
    struct vcpu_set_periodic_timer p = {.period_ns = 0};
    struct vcpu_set_singleshot_timer s = {.timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future};

    xtf_expect_rc("periodic 0", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), -EINVAL);
    p.period_ns = 1000;
    xtf_expect_rc("periodic 1 us", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), -EINVAL);
    xtf_expect_rc("periodic bad ptr", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, XTF_BAD_PTR),
                  -EFAULT);
    p.period_ns = 10000000;
    xtf_expect_rc("periodic 10 ms", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), 0);
    xtf_expect_rc("periodic 10 ms on vCPU 1", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 1, &p),
                  0);
    xtf_expect_rc("stop periodic", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    xtf_expect_rc("stop periodic 1", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL), 0);

    xtf_expect_rc("singleshot past", hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), -ETIME);
    xtf_expect_rc("singleshot other vCPU", hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 1, &s),
                  -EINVAL);
    xtf_expect_rc("singleshot bad ptr",
                  hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, XTF_BAD_PTR), -EFAULT);
    s.flags = 0;
    s.timeout_abs_ns = ~0ull >> 2;
    xtf_expect_rc("singleshot far", hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0);
    xtf_expect_rc("stop singleshot", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
    xtf_expect_rc("stop singleshot other", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 1, NULL),
                  -EINVAL);
    xtf_expect_rc("unknown sub-op", hypercall_vcpu_op(0x7fff, 0, NULL), -ENOSYS);
    xtf_expect_rc("unknown sub-op bad vCPU", hypercall_vcpu_op(0x7fff, 99, NULL), -ENOENT);
}

void test_main(void)
{
    xtf_require_hypervisor();
    test_runstate();
    test_timers();
    test_bringup();
    xtf_success(NULL);
}

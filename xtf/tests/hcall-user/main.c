/**
 * @file
 * Hypercalls from user mode.  Bug class: ring 3 code of a guest reaching
 * the hypervisor with the kernel's authority (shutting the domain down,
 * writing the console, changing its memory).  Proves that from ring 3
 * xen_version, console_io, sched_op(shutdown), memory_op, event_channel_op
 * and vcpu_op through the hypercall page, and a raw VMMCALL, all give
 * -EPERM, that the domain is still running afterwards (the shutdown was not
 * done), and that the same xen_version call from ring 0 works.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "Hypercalls from user mode";

static unsigned long user_call(unsigned long which)
{
    static struct sched_shutdown sd = {.reason = SHUTDOWN_poweroff};
    static domid_t self = DOMID_SELF;

    switch (which) {
    case 0:
        return hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);
    case 1:
        return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, 5, "user\n");
    case 2:
        return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &sd);
    case 3:
        return hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, &self);
    case 4:
        return hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &self);
    case 5:
        return hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0);
    case 6: {
        unsigned long rax = __HYPERVISOR_xen_version;
#ifdef CONFIG_64BIT
        asm volatile("vmmcall" : "+a"(rax) : "D"(0ul), "S"(0ul) : "memory", "rcx", "r11");
#else
        asm volatile("vmmcall" : "+a"(rax) : "b"(0ul), "c"(0ul) : "memory");
#endif
        return rax;
    }
    }
    return 0;
}

void test_main(void)
{
    static const char *const names[] = {"xen_version", "console_io",       "sched_op(shutdown)",
                                        "memory_op",   "event_channel_op", "vcpu_op",
                                        "raw vmmcall"};

    xtf_require_hypervisor();
    for (unsigned long i = 0; i < ARRAY_SIZE(names); i++) {
        long rc = (long)exec_user_param(user_call, i);

        if ((int)rc != -EPERM)
            xtf_failure("Fail: %s from user mode gave %ld, expected -EPERM\n", names[i], rc);
    }
    if (hypercall_xen_version(XENVER_version, NULL) != (long)cpuid_eax(xen_cpuid_base + 1))
        xtf_failure("Fail: xen_version from ring 0 broken afterwards\n");
    xtf_expect_rc("vcpu 0 still up", hypercall_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    if (xtf_status_is_success())
        xtf_success(NULL);
}

/**
 * @file
 * Hostile guest pointers.  Bug class: hypervisor dereferencing a guest
 * handle without a checked copy (host crash or information leak).  Proves
 * that hypercalls given an address with no RAM behind it, the NULL page and
 * (64-bit) a non-canonical address fail with -EFAULT and the hypervisor
 * survives.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor evtchn memory gnttab vcpu-op
 */
#include <xtf.h>

const char test_title[] = "Hypercalls with bad pointers";

static void try_ptr(void *p, const char *what)
{
    char desc[64];

    snprintf(desc, sizeof(desc), "xen_version(extraversion, %s)", what);
    xtf_expect_rc(desc, hypercall_xen_version(XENVER_extraversion, p), -EFAULT);
    snprintf(desc, sizeof(desc), "console_io(write, %s)", what);
    xtf_expect_rc(desc, hypercall_console_io(CONSOLEIO_write, 16, p), -EFAULT);
    snprintf(desc, sizeof(desc), "hvm_op(get_param, %s)", what);
    xtf_expect_rc(desc, hypercall_hvm_op(HVMOP_get_param, p), -EFAULT);
    snprintf(desc, sizeof(desc), "evtchn_op(status, %s)", what);
    xtf_expect_rc(desc, hypercall_evtchn_op(EVTCHNOP_status, p), -EFAULT);
    snprintf(desc, sizeof(desc), "memory_op(add_to_physmap, %s)", what);
    xtf_expect_rc(desc, hypercall_memory_op(XENMEM_add_to_physmap, p), -EFAULT);
    snprintf(desc, sizeof(desc), "grant_table_op(query_size, %s)", what);
    xtf_expect_rc(desc, hypercall_grant_table_op(GNTTABOP_query_size, p, 1), -EFAULT);
    snprintf(desc, sizeof(desc), "vcpu_op(get_runstate_info, %s)", what);
    xtf_expect_rc(desc, hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, p), -EFAULT);
    snprintf(desc, sizeof(desc), "sched_op(shutdown, %s)", what);
    xtf_expect_rc(desc, hypercall_sched_op(SCHEDOP_shutdown, p), -EFAULT);
}

void test_main(void)
{
    xtf_require_hypervisor();
    try_ptr(XTF_BAD_PTR, "no RAM");
#if CONFIG_PAGING_LEVELS > 0
    try_ptr(NULL, "NULL page");
#endif
#ifdef CONFIG_64BIT
    try_ptr((void *)0x8000000000000000ul, "non-canonical");
#endif
    xtf_success(NULL);
}

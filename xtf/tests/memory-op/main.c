/**
 * @file
 * memory_op: proves that current and maximum reservation of DOMID_SELF are
 * positive and ordered, that the shared info page maps with
 * add_to_physmap, and that an unknown sub-op gives -ENOSYS.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor memory
 */
#include <xtf.h>

const char test_title[] = "memory_op";

void test_main(void)
{
    domid_t self = DOMID_SELF;
    long cur, maxr, rc;

    xtf_require_hypervisor();
    cur = hypercall_memory_op(XENMEM_current_reservation, &self);
    maxr = hypercall_memory_op(XENMEM_maximum_reservation, &self);
    printk("current %ld pages, maximum %ld\n", cur, maxr);
    if (cur <= 0)
        xtf_failure("Fail: current_reservation %ld\n", cur);
    if (maxr < cur)
        xtf_failure("Fail: maximum_reservation %ld below current %ld\n", maxr, cur);
    if (!map_shared_info(&rc))
        xtf_failure("Fail: add_to_physmap(shared_info): %ld\n", rc);
    xtf_expect_rc("unknown sub-op", hypercall_memory_op(0x3f, &self), -ENOSYS);
    xtf_success(NULL);
}

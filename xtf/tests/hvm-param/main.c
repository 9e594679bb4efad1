/**
 * @file
 * hvm_op get/set_param: proves that the store and console parameters can be
 * read, that an out-of-range index gives -EINVAL on get and set, and that an
 * unknown hvm_op gives -ENOSYS.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "HVM params";

void test_main(void)
{
    uint64_t v;

    xtf_require_hypervisor();
    xtf_expect_rc("get STORE_PFN", hvm_get_param(HVM_PARAM_STORE_PFN, &v), 0);
    xtf_expect_rc("get STORE_EVTCHN", hvm_get_param(HVM_PARAM_STORE_EVTCHN, &v), 0);
    xtf_expect_rc("get CONSOLE_PFN", hvm_get_param(HVM_PARAM_CONSOLE_PFN, &v), 0);
    xtf_expect_rc("get index 0x10000", hvm_get_param(0x10000, &v), -EINVAL);
    xtf_expect_rc("set index 0x10000", hvm_set_param(0x10000, 1), -EINVAL);
    xtf_expect_rc("unknown hvm_op", hypercall_hvm_op(0x7fff, &v), -ENOSYS);
    xtf_success(NULL);
}

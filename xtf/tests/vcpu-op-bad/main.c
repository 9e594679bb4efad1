/**
 * @file
 * vcpu_op with hostile vCPU ids and sub-ops.  Bug class: unchecked vCPU
 * index into the domain's vCPU array.  Proves up/down/is_up on absent or
 * huge vCPU ids fail with -ENOENT (or -EINVAL), an unknown sub-op gives
 * -ENOSYS, and vCPU 0 reports itself up.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor vcpu-op
 */
#include <xtf.h>

const char test_title[] = "vcpu_op with bad vCPUs";

void test_main(void)
{
    static const unsigned int ids[] = {4096, 65535, 0x7fffffff, 0xffffffff};

    xtf_require_hypervisor();
    xtf_expect_rc("is_up(0)", hypercall_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    for (unsigned int i = 0; i < ARRAY_SIZE(ids); ++i) {
        static const unsigned int ops[] = {VCPUOP_up, VCPUOP_down, VCPUOP_is_up};

        for (unsigned int j = 0; j < ARRAY_SIZE(ops); ++j) {
            long rc = hypercall_vcpu_op(ops[j], ids[i], NULL);

            if (rc != -ENOENT && rc != -EINVAL)
                xtf_failure("Fail: vcpu_op(%u, vcpu %#x): got %ld\n", ops[j], ids[i], rc);
        }
    }
    xtf_expect_rc("unknown sub-op", hypercall_vcpu_op(0x7fff, 0, NULL), -ENOSYS);
    xtf_success(NULL);
}

/**
 * @file
 * sysctl coverage_op from an unprivileged domain: proves get_size, read and
 * reset all fail with -EPERM, and that the read leaves the guest's buffer
 * and the argument untouched (nothing is read or written before the check).
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "coverage_op sysctl refused (unprivileged)";

struct sysctl_coverage {
    uint32_t cmd;
    uint32_t interface_version;
    uint32_t op;
    uint32_t size;
    uint64_t buffer;
    uint8_t pad[128 - 16];
};

static uint8_t buf[4096];

void test_main(void)
{
    memset(buf, 0xa5, sizeof(buf));

    if (!xen_present)
        return xtf_skip("Skip: tests the hypervisor, and none was found\n");
    for (uint32_t op = 0; op < 3; op++) {
        struct sysctl_coverage s = {
            .cmd = 20, /* XEN_SYSCTL_coverage_op */
            .interface_version = 0x15,
            .op = op,
            .size = sizeof(buf),
            .buffer = (uint64_t)(unsigned long)buf,
        };

        xtf_expect_rc("coverage_op", hypercall1(__HYPERVISOR_sysctl, &s), -EPERM);
        if (s.size != sizeof(buf))
            xtf_failure("Fail: op %u changed size to %u\n", op, s.size);
    }
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] != 0xa5)
            return xtf_failure("Fail: buffer written at %lu\n", (unsigned long)i);
    xtf_success(NULL);
}

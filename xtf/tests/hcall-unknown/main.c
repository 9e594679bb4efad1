/**
 * @file
 * Unknown hypercall numbers.  Bug class: hypercall dispatch that indexes
 * its table with an unchecked number or jumps through an empty slot.
 * Proves every unimplemented number from 43 to 127 fails with -ENOSYS and
 * the hypervisor survives.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "Unknown hypercall numbers";

void test_main(void)
{
    xtf_require_hypervisor();
    for (unsigned int nr = 43; nr < 128; ++nr) {
        long rc = hypercall_by_nr(nr, 0, 0, 0, 0, 0);

        if (rc != -ENOSYS)
            xtf_failure("Fail: hypercall %u: got %ld, expected -ENOSYS\n", nr, rc);
    }
    xtf_success(NULL);
}

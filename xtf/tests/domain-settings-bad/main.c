/**
 * @file
 * Out-of-range domain settings on a boot module.  Bug class: a settings
 * parser whose bounds are off by one (a vCPU count past the per-domain
 * arrays, a weight that wraps to 0 in its 16-bit field, a cap past the
 * scheduler's range).  Proves that vcpus=9 and vcpus=0, weight=0 and
 * weight=65536, cap=6401, mem=1M, priv=2, type=pv, an unknown action and
 * shadow_memory=0 and 1025 (MiB of nested page tables) are each refused,
 * while a domain at every upper limit (vcpus=8, weight=65535, cap=6400,
 * shadow_memory=1024) and this one (built between them) run to completion.
 *
 * @category security
 * @envs hvm64
 * @needs hypervisor
 * @companion vcpus9 test=example refused vcpus=9
 * @companion vcpus0 test=example refused vcpus=0
 * @companion weight0 test=example refused weight=0
 * @companion weightbig test=example refused weight=65536
 * @companion capbig test=example refused cap=6401
 * @companion memsmall test=example refused mem=1M
 * @companion priv2 test=example refused priv=2
 * @companion typepv test=example refused type=pv
 * @companion action test=example refused on_crash=explode
 * @companion shadow0 test=example refused shadow_memory=0
 * @companion shadowbig test=example refused shadow_memory=1025
 * @companion limits test=example vcpus=8 weight=65535 cap=6400 shadow_memory=1024
 */
#include <xtf.h>

const char test_title[] = "Out-of-range domain settings refused";

void test_main(void)
{
    xtf_require_hypervisor();
    /* The refusals (and the limits domain's run) are checked by the runner
     * on the hypervisor's console; this domain only has to run. */
    xtf_success(NULL);
}

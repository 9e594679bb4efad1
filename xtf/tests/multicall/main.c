/**
 * @file
 * multicall: a batch of hypercalls in one trap, as Xen's public interface
 * defines it.  Proves that each entry's result field receives what the
 * same call returns on its own (xen_version, pagesize, an event channel
 * allocated in the batch that EVTCHNOP_status then finds), that one failing
 * entry (closing a bad port: -EINVAL) does not stop the entries after it,
 * that an unknown op's result is -ENOSYS and a nested multicall's -EINVAL,
 * that the batch itself returns 0, and that a list above RAM gives
 * -EFAULT.  A multicall that is absent (-ENOSYS) fails the test.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor evtchn
 */
#include <xtf.h>

/* Guest-physical space above RAM: no memory behind it in any environment. */
#define BAD_PTR 0xf0000000ul

const char test_title[] = "multicall with a failing entry";

/* xen_ulong_t fields: 64-bit for 64-bit guests, 32-bit for 32-bit ones. */
struct mc_entry {
    unsigned long op, result;
    unsigned long args[6];
};

static struct mc_entry batch[6];
static struct mc_entry inner[1];

void test_main(void)
{
    struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF, .port = ~0u};
    struct evtchn_close bad_close = {.port = 0x7fffffff};
    struct evtchn_status st = {.dom = DOMID_SELF};
    long version, pagesize, rc;

    xtf_require_hypervisor();
    version = hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);
    pagesize = hypercall2(__HYPERVISOR_xen_version, 7 /* XENVER_pagesize */, 0);

    inner[0] = (struct mc_entry){.op = __HYPERVISOR_xen_version, .result = 0x55};
    batch[0] = (struct mc_entry){.op = __HYPERVISOR_xen_version, .args = {XENVER_version, 0}};
    batch[1] = (struct mc_entry){.op = __HYPERVISOR_event_channel_op,
                                 .args = {EVTCHNOP_close, (unsigned long)&bad_close}};
    batch[2] = (struct mc_entry){.op = __HYPERVISOR_event_channel_op,
                                 .args = {EVTCHNOP_alloc_unbound, (unsigned long)&au}};
    batch[3] = (struct mc_entry){.op = 63};
    batch[4] = (struct mc_entry){.op = __HYPERVISOR_multicall, .args = {(unsigned long)inner, 1}};
    batch[5] = (struct mc_entry){.op = __HYPERVISOR_xen_version, .args = {7, 0}};
    for (unsigned int i = 0; i < ARRAY_SIZE(batch); i++)
        batch[i].result = 0x5a5a5a5a;

    rc = hypercall2(__HYPERVISOR_multicall, batch, ARRAY_SIZE(batch));
    if (rc == -ENOSYS)
        return xtf_failure("Fail: multicall absent (-ENOSYS)\n");
    if (rc)
        xtf_failure("Fail: multicall returned %ld, expected 0\n", rc);
    if ((long)batch[0].result != version)
        xtf_failure("Fail: entry 0 (xen_version) result %#lx, alone %#lx\n", batch[0].result,
                    version);
    if ((long)batch[1].result != -EINVAL)
        xtf_failure("Fail: entry 1 (close of a bad port) result %ld, expected -EINVAL\n",
                    (long)batch[1].result);
    if (batch[2].result)
        xtf_failure("Fail: entry 2 (alloc_unbound) result %ld, expected 0\n",
                    (long)batch[2].result);
    else {
        st.port = au.port;
        rc = hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_status, &st);
        if (rc || st.status != 1 /* EVTCHNSTAT_unbound */)
            xtf_failure("Fail: port %u from the batch: status rc %ld, state %u\n", au.port, rc,
                        st.status);
    }
    if ((long)batch[3].result != -ENOSYS)
        xtf_failure("Fail: entry 3 (op 63) result %ld, expected -ENOSYS\n", (long)batch[3].result);
    if ((long)batch[4].result != -EINVAL)
        xtf_failure("Fail: entry 4 (nested multicall) result %ld, expected -EINVAL\n",
                    (long)batch[4].result);
    if (inner[0].result != 0x55)
        xtf_failure("Fail: the nested batch ran (result %#lx)\n", inner[0].result);
    if ((long)batch[5].result != pagesize || pagesize != 4096)
        xtf_failure("Fail: entry 5 (pagesize) result %ld, alone %ld\n", (long)batch[5].result,
                    pagesize);

    rc = hypercall2(__HYPERVISOR_multicall, 0, 0);
    if (rc)
        xtf_failure("Fail: an empty batch returned %ld\n", rc);
    rc = hypercall2(__HYPERVISOR_multicall, BAD_PTR, 2);
    if (rc != -EFAULT)
        xtf_failure("Fail: an unreadable batch returned %ld, expected -EFAULT\n", rc);
    xtf_success(NULL);
}

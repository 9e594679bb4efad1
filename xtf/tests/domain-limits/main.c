/**
 * @file
 * Domain settings taken from xl.cfg: max_event_channels and
 * max_grant_frames.  With max_event_channels=63 the domain's ports end at
 * 63 (alloc_unbound runs out with -ENOSPC, EVTCHNOP_status of port 63
 * answers and of port 64 is -EINVAL); with max_grant_frames=8, query_size
 * says 8 and setup_table grows to 8 frames but not 9.  Companions whose
 * command lines carry xl.cfg keys this hypervisor does not take (maxmem=,
 * vif=) or a misspelt key must be refused, not built with the key ignored.
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor evtchn gnttab
 * @domain max_event_channels=63 max_grant_frames=8
 * @companion xlmaxmem maxmem=64 refused
 * @companion xlvif vif=bridge=xenbr0 refused
 * @companion typo memroy=16M refused
 */
#include <xtf.h>

const char test_title[] = "xl.cfg domain limits";

void test_main(void)
{
    struct evtchn_status st = {.dom = DOMID_SELF};
    struct gnttab_query_size qs = {.dom = DOMID_SELF};
    xen_pfn_t frames[9];
    struct gnttab_setup_table su = {.dom = DOMID_SELF, .nr_frames = 8, .frame_list = frames};
    unsigned int n = 0;
    evtchn_port_t port;
    long rc;

    xtf_require_hypervisor();
    for (;;) {
        struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};

        rc = hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au);
        if (rc)
            break;
        port = au.port;
        if (++n > 5000)
            break;
    }
    if (rc != -ENOSPC)
        xtf_failure("Fail: alloc_unbound ended with %ld after %u ports, want -ENOSPC\n", rc, n);
    if (n && port != 63)
        xtf_failure("Fail: last port allocated %u, want 63\n", port);
    st.port = 63;
    xtf_expect_rc("status of port 63",
                  hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_status, &st), 0);
    st.port = 64;
    xtf_expect_rc("status of port 64",
                  hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_status, &st), -EINVAL);

    xtf_expect_rc("query_size",
                  hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, &qs, 1), 0);
    if (qs.max_nr_frames != 8)
        xtf_failure("Fail: max_nr_frames %u, want 8\n", qs.max_nr_frames);
    xtf_expect_rc("setup_table 8",
                  hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &su, 1), 0);
    xtf_expect_rc("setup_table 8 status", su.status, GNTST_okay);
    su.nr_frames = 9;
    xtf_expect_rc("setup_table 9",
                  hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &su, 1), 0);
    xtf_expect_rc("setup_table 9 status", su.status, GNTST_general_error);
    xtf_success(NULL);
}

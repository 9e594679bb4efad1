/**
 * @file
 * Event channel argument checking.  Bug classes: unchecked guest pointers,
 * port or vCPU indices, remote domains and table exhaustion (out-of-bounds
 * access or a hypervisor crash).  Proves every op with a bad argument
 * pointer gives -EFAULT; bind_virq rejects bad VIRQs (-EINVAL), global VIRQs
 * on vCPU != 0 (-EINVAL), absent vCPUs (-ENOENT) and double binds
 * (-EEXIST); bind_vcpu refuses IPI and per-vCPU VIRQ ports; bind_interdomain
 * refuses ports that are not unbound for us (-EINVAL) and absent domains;
 * port 0 is reserved; the table fills to exactly its size - 1 ports then
 * gives -ENOSPC, and closing one frees it for reuse; with the 2-level ABI
 * the FIFO ops answer as Xen's (init_control with a control gfn that is
 * not RAM -EINVAL, expand_array -EOPNOTSUPP, set_priority -ENOSYS, or
 * -EINVAL for a bad port); unknown sub-ops give -ENOSYS.  Built without a
 * PV console ring (pv_console=0), whose port would take one slot of the
 * table.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @domain pv_console=0
 * @needs hypervisor evtchn memory
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Event channel argument checking";

static void test_bad_pointers(void)
{
    static const unsigned int ops[] = {
        EVTCHNOP_bind_interdomain, EVTCHNOP_bind_virq,     EVTCHNOP_close,    EVTCHNOP_send,
        EVTCHNOP_status,           EVTCHNOP_alloc_unbound, EVTCHNOP_bind_ipi, EVTCHNOP_bind_vcpu,
        EVTCHNOP_unmask,           EVTCHNOP_reset,
    };
    char desc[40];

    for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++) {
        snprintf(desc, sizeof(desc), "op %u with bad pointer", ops[i]);
        xtf_expect_rc(desc, hypercall_evtchn_op(ops[i], XTF_BAD_PTR), -EFAULT);
    }
}

static void test_binds(void)
{
    evtchn_port_t p = 0, ipi = 0, unb = 0;
    struct evtchn_bind_vcpu bv;
    struct evtchn_status st;

    xtf_expect_rc("bind_virq 24", evtchn_bind_virq(NR_VIRQS, 0, &p), -EINVAL);
    xtf_expect_rc("bind_virq ~0", evtchn_bind_virq(~0u, 0, &p), -EINVAL);
    xtf_expect_rc("global virq on vCPU 1", evtchn_bind_virq(VIRQ_CONSOLE, 1, &p), -EINVAL);
    xtf_expect_rc("timer on absent vCPU 7", evtchn_bind_virq(VIRQ_TIMER, 7, &p), -ENOENT);
    xtf_expect_rc("bind_ipi absent vCPU", evtchn_bind_ipi(7, &p), -ENOENT);

    xtf_expect_rc("bind VIRQ_DEBUG", evtchn_bind_virq(VIRQ_DEBUG, 0, &p), 0);
    xtf_expect_rc("bind VIRQ_DEBUG again", evtchn_bind_virq(VIRQ_DEBUG, 0, &p), -EEXIST);
    xtf_expect_rc("status virq", evtchn_status(p, &st), 0);
    xtf_expect_rc("status says virq", st.status, EVTCHNSTAT_virq);
    xtf_expect_rc("status virq number", st.u.virq, VIRQ_DEBUG);
    bv = (struct evtchn_bind_vcpu){.port = p, .vcpu = 0};
    xtf_expect_rc("bind_vcpu per-vCPU virq", hypercall_evtchn_op(EVTCHNOP_bind_vcpu, &bv), -EINVAL);
    xtf_expect_rc("close virq", evtchn_close(p), 0);
    xtf_expect_rc("rebind after close", evtchn_bind_virq(VIRQ_DEBUG, 0, &p), 0);
    xtf_expect_rc("close virq again", evtchn_close(p), 0);

    xtf_expect_rc("bind_ipi", evtchn_bind_ipi(0, &ipi), 0);
    bv = (struct evtchn_bind_vcpu){.port = ipi, .vcpu = 0};
    xtf_expect_rc("bind_vcpu on ipi", hypercall_evtchn_op(EVTCHNOP_bind_vcpu, &bv), -EINVAL);
    xtf_expect_rc("alloc_unbound", evtchn_alloc_unbound(DOMID_SELF, &unb), 0);
    bv = (struct evtchn_bind_vcpu){.port = unb, .vcpu = 0};
    xtf_expect_rc("bind_vcpu on unbound", hypercall_evtchn_op(EVTCHNOP_bind_vcpu, &bv), 0);
    bv.vcpu = 7;
    xtf_expect_rc("bind_vcpu absent vCPU", hypercall_evtchn_op(EVTCHNOP_bind_vcpu, &bv), -ENOENT);

    /* Interdomain: only an unbound port waiting for us can be bound. */
    xtf_expect_rc("bind to ipi port", evtchn_bind_interdomain(DOMID_SELF, ipi, &p), -EINVAL);
    xtf_expect_rc("bind to port 0", evtchn_bind_interdomain(DOMID_SELF, 0, &p), -EINVAL);
    xtf_expect_rc("bind to closed port", evtchn_bind_interdomain(DOMID_SELF, 1000, &p), -EINVAL);
    xtf_expect_rc("bind to huge port", evtchn_bind_interdomain(DOMID_SELF, ~0u, &p), -EINVAL);
    xtf_expect_rc("bind to absent domain", evtchn_bind_interdomain(0x7000, 1, &p), -ESRCH);
    xtf_expect_rc("bind to DOMID_IO", evtchn_bind_interdomain(DOMID_IO, 1, &p), -ESRCH);
    {
        struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = 0x7000};
        xtf_expect_rc("alloc for another", hypercall_evtchn_op(EVTCHNOP_alloc_unbound, &a), 0);
        xtf_expect_rc("bind port meant for another",
                      evtchn_bind_interdomain(DOMID_SELF, a.port, &p), -EINVAL);
        xtf_expect_rc("close it", evtchn_close(a.port), 0);
        a.dom = 0x7000;
        if (hypercall_evtchn_op(EVTCHNOP_alloc_unbound, &a) >= 0)
            xtf_failure("Fail: alloc_unbound in another domain succeeded\n");
    }
    st.dom = 0x7000;
    st.port = 1;
    if (hypercall_evtchn_op(EVTCHNOP_status, &st) >= 0)
        xtf_failure("Fail: status of another domain's port succeeded\n");

    /* Port 0 is reserved. */
    xtf_expect_rc("status 0", evtchn_status(0, &st), 0);
    xtf_expect_rc("port 0 is closed", st.status, EVTCHNSTAT_closed);
    xtf_expect_rc("close 0", evtchn_close(0), -EINVAL);
    xtf_expect_rc("send 0", evtchn_send(0), -EINVAL);
    xtf_expect_rc("close ipi", evtchn_close(ipi), 0);
    xtf_expect_rc("close unbound", evtchn_close(unb), 0);
}

static void test_exhaustion(void)
{
    struct evtchn_reset r = {.dom = DOMID_SELF};
    unsigned int n = 0;
    evtchn_port_t p = 0, last = 0, again = 0;
    long rc;

    while ((rc = evtchn_alloc_unbound(DOMID_SELF, &p)) == 0) {
        if (p == 0 || p >= EVTCHN_2L_NR_PORTS) {
            xtf_failure("Fail: alloc_unbound gave port %u\n", p);
            break;
        }
        last = p;
        if (++n > EVTCHN_2L_NR_PORTS)
            break;
    }
    xtf_expect_rc("alloc when full", rc, -ENOSPC);
    xtf_expect_rc("ports allocated", n, EVTCHN_2L_NR_PORTS - 1);
    xtf_expect_rc("bind_ipi when full", evtchn_bind_ipi(0, &p), -ENOSPC);
    xtf_expect_rc("close one", evtchn_close(last), 0);
    xtf_expect_rc("alloc after close", evtchn_alloc_unbound(DOMID_SELF, &again), 0);
    xtf_expect_rc("the freed port is reused", again, last);
    xtf_expect_rc("reset", hypercall_evtchn_op(EVTCHNOP_reset, &r), 0);
    xtf_expect_rc("alloc after reset", evtchn_alloc_unbound(DOMID_SELF, &p), 0);
    xtf_expect_rc("first port after reset", p, 1);
    xtf_expect_rc("close", evtchn_close(p), 0);
}

void test_main(void)
{
    uint32_t arg[6] = {0};
    long rc;

    xtf_require_hypervisor();
    /* Map shared info first: it fixes the layout, and with it the port count. */
    if (!map_shared_info(&rc))
        return xtf_failure("Fail: add_to_physmap(shared_info): %ld\n", rc);
    test_bad_pointers();
    test_binds();
    test_exhaustion();
    /* FIFO ops while the 2-level ABI is in use (fifo-2dom covers FIFO). */
    arg[0] = 0xf0000; /* control gfn above RAM */
    xtf_expect_rc("init_control, gfn above RAM", hypercall_evtchn_op(EVTCHNOP_init_control, arg),
                  -EINVAL);
    xtf_expect_rc("expand_array before init_control",
                  hypercall_evtchn_op(EVTCHNOP_expand_array, arg), -EOPNOTSUPP);
    arg[0] = 1;
    arg[1] = 0;
    xtf_expect_rc("set_priority with 2-level", hypercall_evtchn_op(EVTCHNOP_set_priority, arg),
                  -ENOSYS);
    arg[0] = 0x7fffffff;
    xtf_expect_rc("set_priority of a bad port", hypercall_evtchn_op(EVTCHNOP_set_priority, arg),
                  -EINVAL);
    xtf_expect_rc("unknown op 99", hypercall_evtchn_op(99, arg), -ENOSYS);
    xtf_expect_rc("unknown op ~0", hypercall_evtchn_op(~0u, arg), -ENOSYS);
    xtf_success(NULL);
}

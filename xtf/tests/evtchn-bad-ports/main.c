/**
 * @file
 * Out-of-range event channel ports and vCPUs.  Bug class: unchecked port
 * or vCPU index into per-domain arrays (out-of-bounds access in the
 * hypervisor).  Proves status, close, send, unmask and bind_vcpu with ports
 * far beyond the table fail with -EINVAL, and binds to absent vCPUs fail.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor evtchn
 */
#include <xtf.h>

const char test_title[] = "Event channels with bad ports";

void test_main(void)
{
    static const evtchn_port_t ports[] = {4096, 65536, 1u << 20, 0x7fffffff, 0xffffffff};
    struct evtchn_bind_virq bv = {.virq = VIRQ_TIMER, .vcpu = 4096};
    struct evtchn_bind_ipi bi = {.vcpu = 0xffffffff};

    xtf_require_hypervisor();
    for (unsigned int i = 0; i < ARRAY_SIZE(ports); ++i) {
        struct evtchn_status st;
        struct evtchn_unmask um = {.port = ports[i]};
        struct evtchn_bind_vcpu bvc = {.port = ports[i], .vcpu = 0};
        char desc[48];

        snprintf(desc, sizeof(desc), "status(%#x)", ports[i]);
        xtf_expect_rc(desc, evtchn_status(ports[i], &st), -EINVAL);
        snprintf(desc, sizeof(desc), "close(%#x)", ports[i]);
        xtf_expect_rc(desc, evtchn_close(ports[i]), -EINVAL);
        snprintf(desc, sizeof(desc), "send(%#x)", ports[i]);
        xtf_expect_rc(desc, evtchn_send(ports[i]), -EINVAL);
        snprintf(desc, sizeof(desc), "unmask(%#x)", ports[i]);
        xtf_expect_rc(desc, hypercall_evtchn_op(EVTCHNOP_unmask, &um), -EINVAL);
        snprintf(desc, sizeof(desc), "bind_vcpu(%#x)", ports[i]);
        xtf_expect_rc(desc, hypercall_evtchn_op(EVTCHNOP_bind_vcpu, &bvc), -EINVAL);
    }
    if (hypercall_evtchn_op(EVTCHNOP_bind_virq, &bv) >= 0)
        xtf_failure("Fail: bind_virq to vCPU 4096 succeeded\n");
    if (hypercall_evtchn_op(EVTCHNOP_bind_ipi, &bi) >= 0)
        xtf_failure("Fail: bind_ipi to vCPU 0xffffffff succeeded\n");
    xtf_success(NULL);
}

/**
 * @file
 * Event channel IPIs between the vCPUs of one domain: with the callback
 * vector set, proves that sending on a port bound with bind_ipi to vCPU 1
 * raises the upcall on vCPU 1 only (its vcpu_info, its handler) and the
 * reply on a port bound to vCPU 0 reaches vCPU 0 only, for many rounds of
 * ping-pong, and that bind_vcpu moves an interdomain (loopback) port from
 * vCPU 0 to vCPU 1 so its events then reach vCPU 1.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor evtchn memory vcpu-op
 * @domain vcpus=2
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Event channel IPIs between vCPUs";

#define CB_VECTOR 0x2e
#define ROUNDS    20
#define TRIES     200000

static struct shared_info *s;
static uint8_t stack1[8192] __aligned(16);
static evtchn_port_t port_to[2], loop_port;
static volatile unsigned int got[2], loop_got[2], wrong, done, ready;

/* Runs on whichever vCPU takes the callback: consume its own events only. */
static void upcall(struct cpu_regs *regs)
{
    unsigned int me = xtf_vcpu_id();
    struct vcpu_info *vi = &s->vcpu_info[me];

    vi->evtchn_upcall_pending = 0;
    __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    for (unsigned int v = 0; v < 2; v++) {
        if (port_to[v] && evtchn_test(s->evtchn_pending, port_to[v])) {
            if (v != me)
                wrong++;
            evtchn_clear(s->evtchn_pending, port_to[v]);
            got[me]++;
        }
    }
    if (loop_port && evtchn_test(s->evtchn_pending, loop_port)) {
        evtchn_clear(s->evtchn_pending, loop_port);
        loop_got[me]++;
    }
}

static void ap_main(unsigned int id)
{
    unsigned int answered = 0;

    sti();
    ready = 1;
    while (!done) {
        if (got[1] > answered) {
            answered++;
            evtchn_send(port_to[0]);
        }
        hypercall_yield();
    }
    cli();
}

void test_main(void)
{
    evtchn_port_t a = 0, b = 0;
    unsigned int i, r;
    long rc;

    s = xtf_shared_info_start();
    xtf_set_irq_handler(CB_VECTOR, upcall);
    xtf_expect_rc("callback vector",
                  hvm_set_param(HVM_PARAM_CALLBACK_IRQ, CALLBACK_VIA_VECTOR(CB_VECTOR)), 0);
    xtf_expect_rc("bind_ipi(0)", evtchn_bind_ipi(0, &port_to[0]), 0);
    xtf_expect_rc("bind_ipi(1)", evtchn_bind_ipi(1, &port_to[1]), 0);
    rc = xtf_vcpu_start(1, ap_main, stack1 + sizeof(stack1));
    if (rc)
        return xtf_failure("Fail: start of vCPU 1: %ld\n", rc);
    for (i = 0; i < TRIES && !ready; i++)
        hypercall_yield();
    sti();
    for (r = 0; r < ROUNDS; r++) {
        xtf_expect_rc("send to vCPU 1", evtchn_send(port_to[1]), 0);
        for (i = 0; i < TRIES && got[0] <= r; i++)
            hypercall_yield();
        if (got[0] <= r) {
            xtf_failure("Fail: round %u: vCPU 1 got %u, vCPU 0 got %u\n", r, got[1], got[0]);
            break;
        }
    }
    if (got[1] != ROUNDS || got[0] != ROUNDS || wrong)
        xtf_failure("Fail: vCPU 1 got %u, vCPU 0 got %u, %u on the wrong vCPU\n", got[1], got[0],
                    wrong);

    /* Loopback interdomain pair; move one end's notifications to vCPU 1. */
    xtf_expect_rc("alloc_unbound", evtchn_alloc_unbound(DOMID_SELF, &a), 0);
    xtf_expect_rc("bind_interdomain", evtchn_bind_interdomain(DOMID_SELF, a, &b), 0);
    loop_port = a;
    xtf_expect_rc("send (to vCPU 0)", evtchn_send(b), 0);
    for (i = 0; i < TRIES && !loop_got[0]; i++)
        hypercall_yield();
    xtf_expect_rc(
        "bind_vcpu(a, 1)",
        hypercall_evtchn_op(EVTCHNOP_bind_vcpu, &(struct evtchn_bind_vcpu){.port = a, .vcpu = 1}),
        0);
    xtf_expect_rc("send (to vCPU 1)", evtchn_send(b), 0);
    for (i = 0; i < TRIES && !loop_got[1]; i++)
        hypercall_yield();
    if (loop_got[0] != 1 || loop_got[1] != 1)
        xtf_failure("Fail: loopback events: vCPU 0 got %u, vCPU 1 got %u (want 1 each)\n",
                    loop_got[0], loop_got[1]);
    done = 1;
    for (i = 0; i < TRIES && hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) != 0; i++)
        hypercall_yield();
    cli();
    if (xtf_status_is_success())
        xtf_success(NULL);
}

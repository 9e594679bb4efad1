/**
 * @file
 * HVMOP_set_evtchn_upcall_vector (Xen's public hvm_op.h): a vCPU's event
 * upcall on a vector of its own, raised through its local APIC.  Proves the
 * errors (a vector below 0x10 gives -EINVAL, a vCPU the domain does not
 * have -ENOENT, a bad pointer -EFAULT); that an upcall already pending when
 * the vector is set is raised at once; that an event then arrives on that
 * vector through the local APIC (its ISR bit is set in the handler, which
 * ends it with an EOI) and not on the domain-wide callback vector
 * (HVM_PARAM_CALLBACK_IRQ), even with both set; and that each rise of the
 * upcall flag raises it once more.
 * Needs: a 2-vCPU domain, shared info mapped, the local APIC.
 *
 * @category functional
 * @needs hypervisor evtchn memory lapic
 * @envs hvm64 hvm32pae hvm32
 * @domain vcpus=2
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "HVMOP_set_evtchn_upcall_vector";

#define HVMOP_set_evtchn_upcall_vector 23
#define UPCALL_VECTOR                  0x2d
#define DOMAIN_VECTOR                  0x2e
#define APIC_ISR                       0x100

struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;
    uint8_t vector;
};

static struct shared_info *s;
static volatile unsigned int upcalls, domain_upcalls, isr_seen;

static long set_vector(uint32_t vcpu, uint8_t vector)
{
    struct xen_hvm_evtchn_upcall_vector op = {.vcpu = vcpu, .vector = vector};

    return hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &op);
}

static void upcall(struct cpu_regs *regs)
{
    if (apic_read(APIC_ISR + 0x10 * (UPCALL_VECTOR / 32)) & (1u << (UPCALL_VECTOR % 32)))
        isr_seen++;
    s->vcpu_info[0].evtchn_upcall_pending = 0;
    __atomic_exchange_n(&s->vcpu_info[0].evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    upcalls++;
    apic_write(APIC_EOI, 0);
}

static void domain_upcall(struct cpu_regs *regs)
{
    s->vcpu_info[0].evtchn_upcall_pending = 0;
    domain_upcalls++;
}

static void wait_upcalls(unsigned int n)
{
    for (unsigned long i = 0; upcalls < n && i < 2000000; i++)
        cpu_relax();
}

void test_main(void)
{
    evtchn_port_t port = 0;

    s = xtf_shared_info_start();
    if (apic_enable())
        return xtf_failure("Fail: no local APIC\n");
    xtf_set_irq_handler(UPCALL_VECTOR, upcall);
    xtf_set_irq_handler(DOMAIN_VECTOR, domain_upcall);

    xtf_expect_rc("vector 0x0f", set_vector(0, 0x0f), -EINVAL);
    xtf_expect_rc("no such vCPU", set_vector(2, UPCALL_VECTOR), -ENOENT);
    xtf_expect_rc("bad pointer", hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, XTF_BAD_PTR),
                  -EFAULT);

    /* An upcall pending before the vector is set is raised when it is. */
    cli();
    evtchn_clear_all(s);
    xtf_expect_rc("bind_ipi", evtchn_bind_ipi(0, &port), 0);
    xtf_expect_rc("send (no vector yet)", evtchn_send(port), 0);
    if (!s->vcpu_info[0].evtchn_upcall_pending)
        xtf_failure("Fail: send did not set evtchn_upcall_pending\n");
    xtf_expect_rc("set vector", set_vector(0, UPCALL_VECTOR), 0);
    sti();
    wait_upcalls(1);
    cli();
    if (upcalls != 1)
        xtf_failure("Fail: %u upcalls for the event pending at set time, want 1\n", upcalls);
    if (isr_seen != upcalls)
        xtf_failure("Fail: the upcall did not come through the local APIC (ISR clear)\n");

    /* With the domain callback vector also set, this vCPU's own wins. */
    xtf_expect_rc("domain callback vector",
                  hvm_set_param(HVM_PARAM_CALLBACK_IRQ, CALLBACK_VIA_VECTOR(DOMAIN_VECTOR)), 0);
    for (unsigned int round = 2; round <= 4; round++) {
        evtchn_clear(s->evtchn_pending, port);
        xtf_expect_rc("send", evtchn_send(port), 0);
        sti();
        wait_upcalls(round);
        cli();
        if (upcalls != round) {
            xtf_failure("Fail: %u upcalls after %u sends, want %u\n", upcalls, round - 1, round);
            break;
        }
    }
    if (domain_upcalls)
        xtf_failure("Fail: %u upcalls on the domain callback vector\n", domain_upcalls);
    if (isr_seen != upcalls)
        xtf_failure("Fail: %u of %u upcalls came without the local APIC\n", upcalls - isr_seen,
                    upcalls);
    xtf_expect_rc("close", evtchn_close(port), 0);
    xtf_expect_rc("clear callback", hvm_set_param(HVM_PARAM_CALLBACK_IRQ, 0), 0);
    xtf_success(NULL);
}

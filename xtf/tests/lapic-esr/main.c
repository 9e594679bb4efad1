/**
 * @file
 * vLAPIC error handling as the SDM defines it (Error Status Register and
 * the LVT Error entry).  Proves that an IPI with an illegal vector (0-15)
 * latches Send Illegal Vector in the sender and Receive Illegal Vector in
 * the receiver (a self-IPI: both, by shorthand and by physical
 * destination), that the ESR reads its old contents until the next write
 * updates it (write-to-update), that a write after that clears it, that an
 * unmasked LVT Error entry delivers its vector once per new error (also for
 * an illegal register access), and that a masked entry latches the error
 * with no interrupt.  Needs the xAPIC of an HVM vCPU.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor lapic
 */
#include <xtf.h>

const char test_title[] = "vLAPIC ESR and LVT Error";

#define VEC_ERR       0x2e
#define APIC_LVTERR   0x370
#define APIC_ICR_SELF (1u << 18)
#define ESR_SEND_ILL  (1u << 5)
#define ESR_RECV_ILL  (1u << 6)
#define ESR_ILLEG_REG (1u << 7)

static volatile unsigned int err_irqs;

static void on_error(struct cpu_regs *regs)
{
    err_irqs++;
    apic_write(APIC_EOI, 0);
}

/* Let any pending interrupt in, then return how many error IRQs came. */
static unsigned int settle(void)
{
    sti();
    for (unsigned int i = 0; i < 1000; i++)
        (void)apic_read(APIC_LVR);
    cli();
    return err_irqs;
}

static uint32_t esr_update(void)
{
    apic_write(APIC_ESR, 0);
    return apic_read(APIC_ESR);
}

static void clear_esr(void)
{
    apic_write(APIC_ESR, 0);
    apic_write(APIC_ESR, 0);
    if (apic_read(APIC_ESR))
        xtf_failure("Fail: ESR %#x after two writes\n", apic_read(APIC_ESR));
}

static void illegal_ipi(const char *what, uint32_t dest, uint32_t icr, bool lvt_on)
{
    unsigned int before;
    uint32_t esr;

    clear_esr();
    apic_write(APIC_LVTERR, lvt_on ? VEC_ERR : (APIC_LVT_MASKED | VEC_ERR));
    before = settle();
    apic_write(APIC_ICR2, dest << 24);
    apic_write(APIC_ICR, icr);
    esr = apic_read(APIC_ESR);
    if (esr)
        xtf_failure("Fail: %s: ESR %#x before the update write, expected 0\n", what, esr);
    if (settle() - before != (lvt_on ? 1 : 0))
        xtf_failure("Fail: %s: %u error interrupts with LVT Error %s, expected %u\n", what,
                    err_irqs - before, lvt_on ? "unmasked" : "masked", lvt_on ? 1 : 0);
    esr = esr_update();
    if ((esr & (ESR_SEND_ILL | ESR_RECV_ILL)) != (ESR_SEND_ILL | ESR_RECV_ILL))
        xtf_failure("Fail: %s: ESR %#x, expected send and receive illegal vector (%#x)\n", what,
                    esr, ESR_SEND_ILL | ESR_RECV_ILL);
    if ((esr = esr_update()))
        xtf_failure("Fail: %s: ESR %#x after a second write, expected 0\n", what, esr);
}

void test_main(void)
{
    uint32_t id, esr;
    unsigned int before;

    xtf_require_hypervisor();
    if (apic_enable())
        return xtf_failure("Fail: no local APIC\n");
    xtf_set_irq_handler(VEC_ERR, on_error);
    id = apic_read(APIC_ID) >> 24;

    illegal_ipi("self-IPI vector 5 (shorthand)", 0, APIC_ICR_SELF | 0x05, true);
    illegal_ipi("IPI vector 3 to own APIC ID", id, 0x03, true);
    illegal_ipi("self-IPI vector 0, LVT Error masked", 0, APIC_ICR_SELF | 0x00, false);

    /* An illegal register access raises the error interrupt too. */
    clear_esr();
    apic_write(APIC_LVTERR, VEC_ERR);
    before = settle();
    apic_write(0x3f0, 1); /* reserved */
    if (settle() - before != 1)
        xtf_failure("Fail: illegal register write: %u error interrupts, expected 1\n",
                    err_irqs - before);
    esr = esr_update();
    if (!(esr & ESR_ILLEG_REG))
        xtf_failure("Fail: ESR %#x after a reserved register write\n", esr);

    /* A legal self-IPI is no error. */
    clear_esr();
    before = settle();
    apic_write(APIC_LVTERR, APIC_LVT_MASKED);
    if ((esr = esr_update()) || err_irqs != before)
        xtf_failure("Fail: ESR %#x / %u interrupts with no error\n", esr, err_irqs - before);
    printk("%u error interrupts taken\n", err_irqs);
    xtf_success(NULL);
}

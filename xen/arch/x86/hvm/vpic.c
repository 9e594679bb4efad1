/* The virtual 8259A PIC pair of HVM domains: master at 0x20/0x21, slave at
 * 0xa0/0xa1 (cascaded on master IRQ 2), edge/level control at 0x4d0/0x4d1.
 * The initialisation sequence (ICW1-ICW4), the mask (OCW1), specific and
 * non-specific EOI (OCW2) and IRR/ISR reads (OCW3) behave as the datasheet
 * says, and ISA interrupt edges set IRR bits. Its INTR output goes to
 * vCPU 0 as an external interrupt while that vCPU's local APIC lets one in
 * (APIC disabled, or LINT0 unmasked in ExtINT mode, the virtual-wire
 * setup): the highest-priority request (lowest IRQ, no rotation) not masked
 * and above everything in service; acknowledging it moves it from IRR to
 * ISR (cleared again by EOI, or at once with auto-EOI). Level-triggered
 * inputs (ELCR) are not driven by any device here. */
#include <xen/lib.h>
#include <asm/hvm/platform.h>

void vpic_reset(struct hvm_platform *p)
{
    for (unsigned int i = 0; i < 2; i++)
        p->pic[i] = (struct vpic_chip){.base = i ? 0x70 : 0x08};
}

/* The request a chip would present: its IRQ (0-7), or -1. */
static int chip_request(const struct vpic_chip *c, uint8_t extra)
{
    uint8_t req = (c->irr | extra) & ~c->imr;

    for (unsigned int i = 0; i < 8; i++) {
        if (c->isr & (1u << i))
            return -1; /* something at this priority or above is in service */
        if (req & (1u << i))
            return i;
    }
    return -1;
}

/* The vector on INTR, or -1. p->lock held. */
static int output(const struct hvm_platform *p, unsigned int *irq)
{
    int s = chip_request(&p->pic[1], 0);
    int m = chip_request(&p->pic[0], s >= 0 ? 1u << 2 : 0);

    if (m < 0)
        return -1;
    if (m == 2 && s >= 0) {
        *irq = 8 + s;
        return p->pic[1].base + s;
    }
    *irq = m;
    return p->pic[0].base + m;
}

/* Make vCPU 0 notice a request on INTR. */
static void kick(struct hvm_platform *p)
{
    unsigned int irq;

    if (output(p, &irq) >= 0 && p->d->vcpus[0])
        vcpu_interrupt(p->d->vcpus[0]);
}

void vpic_raise(struct hvm_platform *p, unsigned int isa_irq)
{
    if (isa_irq >= 16 || isa_irq == 2)
        return;
    p->pic[isa_irq >> 3].irr |= 1u << (isa_irq & 7);
    kick(p);
}

int vpic_pending_vector(struct domain *d)
{
    struct hvm_platform *p = d->platform;
    unsigned long flags;
    unsigned int irq;
    int vec;

    if (!p)
        return -1;
    flags = spin_lock_irqsave(&p->lock);
    vec = output(p, &irq);
    spin_unlock_irqrestore(&p->lock, flags);
    return vec;
}

/* INTA: the vector went to vCPU 0. False if it is not the PIC's. */
bool vpic_ack(struct domain *d, int vec)
{
    struct hvm_platform *p = d->platform;
    unsigned long flags;
    unsigned int irq = 0;
    bool ours;

    if (!p)
        return false;
    flags = spin_lock_irqsave(&p->lock);
    ours = output(p, &irq) == vec;
    if (ours) {
        struct vpic_chip *c = &p->pic[irq >> 3];
        uint8_t bit = 1u << (irq & 7);

        c->irr &= ~bit;
        if (!c->auto_eoi)
            c->isr |= bit;
        if (irq >= 8 && !p->pic[0].auto_eoi)
            p->pic[0].isr |= 1u << 2; /* the cascade input is in service too */
    }
    spin_unlock_irqrestore(&p->lock, flags);
    return ours;
}

static void eoi(struct vpic_chip *c, uint8_t val)
{
    unsigned int cmd = val >> 5;

    if (cmd == 1 || cmd == 5) { /* non-specific (and rotate): highest in service */
        for (unsigned int i = 0; i < 8; i++)
            if (c->isr & (1u << i)) {
                c->isr &= ~(1u << i);
                break;
            }
    } else if (cmd == 3 || cmd == 7) /* specific (and rotate) */
        c->isr &= ~(1u << (val & 7));
}

static void vpic_write(struct vpic_chip *c, uint16_t port, uint8_t v);

int vpic_io(struct hvm_platform *p, uint16_t port, bool in, uint32_t *val)
{
    struct vpic_chip *c;
    uint8_t v = (uint8_t)*val;

    if (port == 0x4d0 || port == 0x4d1) {
        c = &p->pic[port & 1];
        /* IRQ 0-2, 8 and 13 are always edge on a PC. */
        uint8_t fixed = port & 1 ? 0x21 : 0x07;

        if (in)
            *val = c->elcr;
        else
            c->elcr = v & ~fixed;
        return 0;
    }
    c = &p->pic[port >= 0xa0];
    if (in) {
        *val = (port & 1) ? c->imr : c->read_isr ? c->isr : c->irr;
        return 0;
    }
    vpic_write(c, port, v);
    kick(p); /* an EOI or unmask may let a request through */
    return 0;
}

static void vpic_write(struct vpic_chip *c, uint16_t port, uint8_t v)
{
    if (!(port & 1)) {
        if (v & 0x10) { /* ICW1: start initialisation */
            c->imr = c->isr = c->irr = 0;
            c->read_isr = false;
            c->auto_eoi = false;
            c->icw4 = v & 1;
            c->single = v & 2;
            c->icw_step = 2;
        } else if (v & 0x08) { /* OCW3 */
            if (v & 2)
                c->read_isr = v & 1;
        } else /* OCW2 */
            eoi(c, v);
        return;
    }
    switch (c->icw_step) {
    case 2:
        c->base = v & 0xf8;
        c->icw_step = c->single ? (c->icw4 ? 4 : 0) : 3;
        break;
    case 3:
        c->icw_step = c->icw4 ? 4 : 0;
        break;
    case 4:
        c->auto_eoi = v & 2;
        c->icw_step = 0;
        break;
    default:
        c->imr = v;
        break;
    }
}

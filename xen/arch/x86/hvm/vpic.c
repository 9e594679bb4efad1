/* The virtual 8259A PIC pair of HVM domains: master at 0x20/0x21, slave at
 * 0xa0/0xa1 (cascaded on master IRQ 2), edge/level control at 0x4d0/0x4d1.
 * The initialisation sequence (ICW1-ICW4), the mask (OCW1), specific and
 * non-specific EOI (OCW2) and IRR/ISR reads (OCW3) behave as the datasheet
 * says, and ISA interrupt edges set IRR bits, so a guest can probe and
 * program it. Its INTR output is not wired to a vCPU: interrupts reach
 * vCPUs through the IO-APIC. */
#include <xen/lib.h>
#include <asm/hvm/platform.h>

void vpic_reset(struct hvm_platform *p)
{
    for (unsigned int i = 0; i < 2; i++)
        p->pic[i] = (struct vpic_chip){.base = i ? 0x70 : 0x08};
}

void vpic_raise(struct hvm_platform *p, unsigned int isa_irq)
{
    if (isa_irq >= 16)
        return;
    p->pic[isa_irq >> 3].irr |= 1u << (isa_irq & 7);
    if (isa_irq >= 8)
        p->pic[0].irr |= 1u << 2; /* cascade */
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
        return 0;
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
    return 0;
}

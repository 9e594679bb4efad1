/* Platform devices of HVM domains: lifetime, the address decode that sends
 * a port or MMIO access to its device, and ISA interrupt routing. See
 * asm/hvm/platform.h. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/string.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/platform.h>
#include <asm/processor.h>

int hvm_platform_init(struct domain *d)
{
    struct hvm_platform *p;

    if (!d->is_hvm)
        return 0; /* PVH: no emulated devices, as on Xen */
    p = xzalloc(struct hvm_platform);
    if (!p)
        return -ENOMEM;
    p->lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    p->d = d;
    vioapic_reset(&p->ioapic);
    vpic_reset(p);
    vrtc_init(p);
    vhpet_init(p);
    vpit_init(p);
    d->platform = p;
    return 0;
}

void hvm_platform_destroy(struct domain *d)
{
    struct hvm_platform *p = d->platform;

    if (!p)
        return;
    vhpet_destroy(p); /* kill their timers: no handler runs after */
    vpit_destroy(p);
    d->platform = NULL;
    xfree(p);
}

int hvm_platform_io(struct vcpu *v, uint16_t port, unsigned int bytes, bool in, uint32_t *val)
{
    struct hvm_platform *p = v->domain->platform;
    unsigned long flags;
    int rc = -1;

    if (!p)
        return -1;
    flags = spin_lock_irqsave(&p->lock);
    switch (port) {
    case 0x20:
    case 0x21:
    case 0xa0:
    case 0xa1:
    case 0x4d0:
    case 0x4d1:
        rc = vpic_io(p, port, in, val);
        break;
    case 0x40 ... 0x43:
    case 0x61:
        rc = vpit_io(p, port, in, val);
        break;
    case 0x70:
    case 0x71:
        rc = vrtc_io(p, port, in, val);
        break;
    }
    spin_unlock_irqrestore(&p->lock, flags);
    /* These are byte registers: wider reads see the byte, then float. */
    if (rc == 0 && in && bytes > 1)
        *val = (*val & 0xff) | (0xffffffffu << 8);
    return rc;
}

int hvm_platform_mmio(struct vcpu *v, uint64_t gpa, unsigned int bytes, bool write, uint64_t *val)
{
    struct hvm_platform *p = v->domain->platform;
    unsigned long flags;
    int rc = -1;

    if (!p)
        return -1;
    flags = spin_lock_irqsave(&p->lock);
    if (gpa >= VIOAPIC_BASE && gpa < VIOAPIC_BASE + 0x100)
        rc = vioapic_mmio(p, gpa - VIOAPIC_BASE, bytes, write, val);
    else if (gpa >= VHPET_BASE && gpa < VHPET_BASE + 0x400)
        rc = vhpet_mmio(p, gpa - VHPET_BASE, bytes, write, val);
    spin_unlock_irqrestore(&p->lock, flags);
    return rc;
}

void hvm_platform_eoi(struct domain *d, uint8_t vec)
{
    struct hvm_platform *p = d->platform;
    unsigned long flags;

    if (!p)
        return;
    flags = spin_lock_irqsave(&p->lock);
    vioapic_eoi(p, vec);
    spin_unlock_irqrestore(&p->lock, flags);
}

/* An edge on ISA IRQ n: IO-APIC pin n (IRQ 0: pin 2) and the PIC. */
void hvm_isa_irq_pulse(struct hvm_platform *p, unsigned int isa_irq)
{
    unsigned int pin = isa_irq == 0 ? 2 : isa_irq;

    vioapic_set_line(p, pin, true);
    vioapic_set_line(p, pin, false);
    vpic_raise(p, isa_irq);
}

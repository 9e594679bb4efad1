/* The virtual IO-APIC of HVM domains at 0xfec00000 (82093AA register
 * model, version 0x11, 48 pins as Xen's): IOREGSEL at 0x00, IOWIN at 0x10,
 * the EOI register at 0x40; registers ID (0), version (1), arbitration (2)
 * and the redirection table (0x10 + 2 * pin, low then high dword).
 *
 * An unmasked edge-triggered pin delivers its vector on a rising edge; a
 * level-triggered one delivers while its line is high and Remote IRR is
 * clear, sets Remote IRR, and is delivered again after an EOI (the vLAPIC's
 * broadcast or the EOI register) if the line is still high. Delivery
 * status never reads busy: delivery is instant. */
#include <xen/lib.h>
#include <asm/hvm/platform.h>

#define IOAPIC_VERSION 0x11
#define RTE_VECTOR     0xffULL
#define RTE_MODE       (7ULL << 8)
#define RTE_LOGICAL    (1ULL << 11)
#define RTE_STATUS     (1ULL << 12)
#define RTE_REMOTE_IRR (1ULL << 14)
#define RTE_LEVEL      (1ULL << 15)
#define RTE_MASKED     (1ULL << 16)
#define RTE_DEST_SHIFT 56
/* Writable bits: vector, mode, dest mode, polarity, trigger, mask, dest. */
#define RTE_WRITABLE                                                                               \
    (0xffULL | RTE_MODE | RTE_LOGICAL | (1ULL << 13) | RTE_LEVEL | RTE_MASKED |                    \
     (0xffULL << RTE_DEST_SHIFT))

void vioapic_reset(struct vioapic *a)
{
    a->id = 1u << 24; /* the IO-APIC ID Xen gives its guests' */
    a->ioregsel = 0;
    a->line = 0;
    for (unsigned int i = 0; i < VIOAPIC_NR_PINS; i++)
        a->redir[i] = RTE_MASKED;
}

static void deliver(struct hvm_platform *p, unsigned int pin)
{
    uint64_t rte = p->ioapic.redir[pin];
    unsigned int mode = (rte & RTE_MODE) >> 8;

    if (rte & RTE_LEVEL)
        p->ioapic.redir[pin] |= RTE_REMOTE_IRR;
    /* Fixed and lowest priority only; SMI, NMI, INIT, ExtINT are not wired. */
    if (mode > 1)
        return;
    vlapic_deliver_external(p->d, (uint32_t)(rte >> RTE_DEST_SHIFT), rte & RTE_LOGICAL, mode,
                            (uint8_t)(rte & RTE_VECTOR), rte & RTE_LEVEL);
}

void vioapic_set_line(struct hvm_platform *p, unsigned int pin, bool level)
{
    struct vioapic *a = &p->ioapic;
    bool was = a->line & (1ULL << pin);
    uint64_t rte;

    if (pin >= VIOAPIC_NR_PINS)
        return;
    if (level)
        a->line |= 1ULL << pin;
    else
        a->line &= ~(1ULL << pin);
    rte = a->redir[pin];
    if (!level || (rte & RTE_MASKED))
        return;
    if (rte & RTE_LEVEL) {
        if (!(rte & RTE_REMOTE_IRR))
            deliver(p, pin);
    } else if (!was)
        deliver(p, pin);
}

void vioapic_eoi(struct hvm_platform *p, uint8_t vec)
{
    struct vioapic *a = &p->ioapic;

    for (unsigned int pin = 0; pin < VIOAPIC_NR_PINS; pin++) {
        uint64_t rte = a->redir[pin];

        if ((rte & RTE_VECTOR) != vec || !(rte & RTE_REMOTE_IRR))
            continue;
        a->redir[pin] &= ~RTE_REMOTE_IRR;
        if ((rte & RTE_LEVEL) && !(rte & RTE_MASKED) && (a->line & (1ULL << pin)))
            deliver(p, pin);
    }
}

static uint32_t reg_read(struct vioapic *a)
{
    unsigned int r = a->ioregsel & 0xff;

    switch (r) {
    case 0:
        return a->id;
    case 1:
        return IOAPIC_VERSION | ((VIOAPIC_NR_PINS - 1) << 16);
    case 2:
        return a->id; /* arbitration ID follows the ID */
    }
    if (r >= 0x10 && r < 0x10 + 2 * VIOAPIC_NR_PINS) {
        uint64_t rte = a->redir[(r - 0x10) / 2];
        return (r & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
    }
    return 0xffffffffu;
}

static void reg_write(struct hvm_platform *p, uint32_t val)
{
    struct vioapic *a = &p->ioapic;
    unsigned int r = a->ioregsel & 0xff, pin;
    uint64_t rte, old;

    if (r == 0) {
        a->id = val & (0xfu << 24);
        return;
    }
    if (r < 0x10 || r >= 0x10 + 2 * VIOAPIC_NR_PINS)
        return; /* version, arbitration: read-only */
    pin = (r - 0x10) / 2;
    old = a->redir[pin];
    rte = (r & 1) ? ((uint64_t)val << 32) | (uint32_t)old : (old & ~0xffffffffULL) | val;
    rte = (rte & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
    if (!(rte & RTE_LEVEL))
        rte &= ~RTE_REMOTE_IRR;
    a->redir[pin] = rte;
    /* Unmasking a level pin whose line is high delivers it now. */
    if ((old & RTE_MASKED) && !(rte & RTE_MASKED) && (rte & RTE_LEVEL) &&
        (a->line & (1ULL << pin)) && !(rte & RTE_REMOTE_IRR))
        deliver(p, pin);
}

int vioapic_mmio(struct hvm_platform *p, uint64_t off, unsigned int bytes, bool write,
                 uint64_t *val)
{
    struct vioapic *a = &p->ioapic;

    if (!write)
        *val = 0;
    /* Registers are 32 bits wide and dword aligned; other accesses are
     * dropped (reads give 0). */
    if (bytes != 4 || (off & 3))
        return 0;
    switch (off) {
    case 0x00:
        if (write)
            a->ioregsel = (uint32_t)*val;
        else
            *val = a->ioregsel;
        break;
    case 0x10:
        if (write)
            reg_write(p, (uint32_t)*val);
        else
            *val = reg_read(a);
        break;
    case 0x40:
        if (write)
            vioapic_eoi(p, (uint8_t)*val);
        break;
    }
    return 0;
}

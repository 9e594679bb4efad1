/* The platform devices Xen emulates for HVM domains (type=hvm): HPET,
 * IO-APIC, the 8259 PIC pair, the 8254 PIT and the MC146818 RTC/CMOS, one
 * file each in arch/x86/hvm/. PVH domains get none of them, as on Xen.
 *
 * Interrupt lines: ISA IRQ n goes to IO-APIC pin n (IRQ 0 to pin 2, as the
 * MP/ACPI override says) and to the PIC's IRR; the IO-APIC delivers to the
 * vLAPICs. One lock per domain (p->lock) covers all its devices; it nests
 * outside the vLAPIC locks (docs/locking.md). */
#ifndef ASM_HVM_PLATFORM_H
#define ASM_HVM_PLATFORM_H

#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/time.h>

#define VIOAPIC_BASE    0xfec00000ULL
#define VIOAPIC_NR_PINS 48 /* 16 ISA, 32 PCI, as Xen's */
#define VHPET_BASE      0xfed00000ULL
#define VHPET_NR_TIMERS 3

struct vioapic {
    uint32_t id, ioregsel;
    uint64_t redir[VIOAPIC_NR_PINS];
    uint64_t line; /* level of each pin's input */
};

struct vhpet_timer {
    uint64_t config, cmp, period;
    struct timer timer;
    struct hvm_platform *p;
    unsigned int idx;
};

struct vhpet {
    uint64_t config, isr;
    uint64_t counter; /* main counter when stopped / at `started` */
    s_time_t started; /* when it was enabled */
    struct vhpet_timer t[VHPET_NR_TIMERS];
};

struct vpic_chip {
    uint8_t irr, imr, isr, base, icw_step, elcr;
    bool icw4, read_isr, auto_eoi, single;
};

struct vpit_channel {
    uint8_t mode, rw, read_flip, write_flip, write_lsb, status;
    bool latched, status_latched, gate, bcd;
    uint16_t latch;
    uint32_t count; /* reload value, 1..65536 */
    s_time_t loaded;
};

struct vpit {
    struct vpit_channel ch[3];
    uint8_t port61;
    struct timer timer; /* channel 0's IRQ 0 */
    s_time_t next;
};

struct vrtc {
    uint8_t index, cmos[128];
    int64_t offset; /* guest time - host wall clock, seconds */
};

struct hvm_platform {
    spinlock_t lock;
    struct domain *d;
    struct vioapic ioapic;
    struct vhpet hpet;
    struct vpic_chip pic[2];
    struct vpit pit;
    struct vrtc rtc;
};

/* Domain lifetime (type=hvm only; a no-op for PVH). */
int hvm_platform_init(struct domain *d);
void hvm_platform_destroy(struct domain *d);
/* Guest accesses: 0 when a device took it, -1 when the address is not one. */
int hvm_platform_io(struct vcpu *v, uint16_t port, unsigned int bytes, bool in, uint32_t *val);
int hvm_platform_mmio(struct vcpu *v, uint64_t gpa, unsigned int bytes, bool write, uint64_t *val);
/* The PIC's INTR for vCPU 0: the vector presented, or -1; and its
 * acknowledgement when injected (false if the vector is not the PIC's). */
int vpic_pending_vector(struct domain *d);
bool vpic_ack(struct domain *d, int vec);
/* A vLAPIC took an EOI for a level-triggered vector (no lock held). */
void hvm_platform_eoi(struct domain *d, uint8_t vec);

/* Between the devices; p->lock held. */
void hvm_isa_irq_pulse(struct hvm_platform *p, unsigned int isa_irq);
void vioapic_set_line(struct hvm_platform *p, unsigned int pin, bool level);
void vioapic_eoi(struct hvm_platform *p, uint8_t vec);
void vpic_raise(struct hvm_platform *p, unsigned int isa_irq);
void vioapic_reset(struct vioapic *a);
int vioapic_mmio(struct hvm_platform *p, uint64_t off, unsigned int bytes, bool write,
                 uint64_t *val);
void vhpet_init(struct hvm_platform *p);
void vhpet_destroy(struct hvm_platform *p);
int vhpet_mmio(struct hvm_platform *p, uint64_t off, unsigned int bytes, bool write, uint64_t *val);
void vpic_reset(struct hvm_platform *p);
int vpic_io(struct hvm_platform *p, uint16_t port, bool in, uint32_t *val);
void vpit_init(struct hvm_platform *p);
void vpit_destroy(struct hvm_platform *p);
int vpit_io(struct hvm_platform *p, uint16_t port, bool in, uint32_t *val);
void vrtc_init(struct hvm_platform *p);
int vrtc_io(struct hvm_platform *p, uint16_t port, bool in, uint32_t *val);

/* Deliver a device interrupt to the vLAPICs `dest` names (IO-APIC
 * message: 8-bit destination, physical or logical, fixed or lowest
 * priority). */
void vlapic_deliver_external(struct domain *d, uint32_t dest, bool logical, unsigned int mode,
                             uint8_t vec, bool level);
bool vlapic_accepts_extint(struct vcpu *v);
/* Host wall clock at boot (seconds since 1970), for the RTC. */
int64_t wallclock_boot_seconds(void);

#endif

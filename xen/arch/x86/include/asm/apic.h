/* The local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <xen/types.h>

#define APIC_DEFAULT_BASE 0xfee00000UL

void apic_init_bsp(void);
void apic_init_ap(void);
uint32_t apic_read_id(void);
void apic_eoi(void);
bool apic_x2apic_mode(void);
/* Send `vector` to the CPU with APIC id `dest` (fixed delivery). */
void apic_send_ipi(uint32_t dest, uint8_t vector);
void apic_send_nmi(uint32_t dest);
void apic_send_init(uint32_t dest);
void apic_send_sipi(uint32_t dest, uint8_t page);
/* One-shot timer: fire TIMER_VECTOR after `ticks` of the timer clock
 * (0 stops it). */
void apic_timer_oneshot(uint32_t ticks);
uint32_t apic_timer_current(void);
void apic_timer_setup_calibration(void);

#endif

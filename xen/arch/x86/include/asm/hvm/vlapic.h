/* The virtual local APIC of HVM vCPUs (arch/x86/hvm/vlapic.c): xAPIC MMIO,
 * x2APIC MSRs, the APIC timer (one-shot, periodic, TSC deadline) on
 * hypervisor timers, IPIs within a domain, and interrupt priority. */
#ifndef ASM_HVM_VLAPIC_H
#define ASM_HVM_VLAPIC_H

#include <xen/sched.h>
#include <xen/types.h>

#define VLAPIC_DEFAULT_BASE 0xfee00000ULL
#define VLAPIC_VERSION      0x00050014u /* version 0x14, six LVT entries */
/* The timer counts at 1 GHz divided by the divide configuration. */
#define VLAPIC_BUS_NS 1

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16. */
#define APIC_ID       0x020
#define APIC_LVR      0x030
#define APIC_TPR      0x080
#define APIC_APR      0x090
#define APIC_PPR      0x0a0
#define APIC_EOI      0x0b0
#define APIC_RRD      0x0c0
#define APIC_LDR      0x0d0
#define APIC_DFR      0x0e0
#define APIC_SPIV     0x0f0
#define APIC_ISR      0x100
#define APIC_TMR      0x180
#define APIC_IRR      0x200
#define APIC_ESR      0x280
#define APIC_LVT_CMCI 0x2f0
#define APIC_ICR      0x300
#define APIC_ICR2     0x310
#define APIC_LVTT     0x320
#define APIC_LVTTHMR  0x330
#define APIC_LVTPC    0x340
#define APIC_LVT0     0x350
#define APIC_LVT1     0x360
#define APIC_LVTERR   0x370
#define APIC_TMICT    0x380
#define APIC_TMCCT    0x390
#define APIC_TDCR     0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

#define APIC_SPIV_ENABLE    (1u << 8)
#define APIC_LVT_MASKED     (1u << 16)
#define APIC_LVT_TIMER_MODE (3u << 17)
#define APIC_TIMER_ONESHOT  (0u << 17)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_DEADLINE (2u << 17)

#define APIC_ESR_SEND_ILLEGAL (1u << 5)
#define APIC_ESR_RECV_ILLEGAL (1u << 6)
#define APIC_ESR_ILLEGAL_REG  (1u << 7)

#define APIC_BASE_BSP  (1ULL << 8)
#define APIC_BASE_EXTD (1ULL << 10)
#define APIC_BASE_EN   (1ULL << 11)

#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST  0x8ff

/* Per-vCPU state: init returns 0 or -ENOMEM; destroy accepts a failed init. */
int vlapic_init(struct vcpu *v);
void vlapic_destroy(struct vcpu *v);
/* MMIO at the APIC base: 0 when handled, -1 when the address is not ours. */
int vlapic_mmio(struct vcpu *v, uint64_t gpa, unsigned int bytes, bool write, uint64_t *val);
/* IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC MSRs: 0, or -1 for #GP. */
int vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);
/* Make an edge-triggered vector pending (as a message-signalled interrupt
 * would): false if the APIC does not take it (software-disabled). */
bool vlapic_set_irq(struct vcpu *v, unsigned int vec);
/* The highest-priority deliverable vector, or -1. */
int vlapic_pending_irq(struct vcpu *v);
/* The vector went to the guest: IRR -> ISR. */
bool vlapic_irq_delivered(struct vcpu *v, int vec); /* false: vec was not pending here */

#endif

/* ACPI tables the hypervisor builds for each PVH domain, as a toolstack
 * gives them on Xen: RSDP (start_info.rsdp_paddr), XSDT, a hardware-reduced
 * FADT, a DSDT holding only \_S5, and a MADT listing the domain's vCPUs. */
#ifndef ASM_HVM_GUEST_ACPI_H
#define ASM_HVM_GUEST_ACPI_H

#include <xen/sched.h>

/* The tables live in one page at this guest-physical address, which the
 * memory map reports as ACPI (reclaimable) memory. */
#define GUEST_ACPI_GPA 0x9f000UL

/* The I/O ports of the FADT's sleep control/status and reset registers. */
#define GUEST_ACPI_SLEEP_CONTROL 0xb000
#define GUEST_ACPI_SLEEP_STATUS  0xb001
#define GUEST_ACPI_RESET         0xb002
#define GUEST_ACPI_RESET_VALUE   0x01

/* The sleep type the DSDT's \_S5 names (written to SLP_TYP for S5). */
#define GUEST_ACPI_S5_TYPE 5

/* Write d's tables into its memory; returns the RSDP's address. */
uint64_t guest_acpi_build(struct domain *d);
/* Port I/O to the registers above: 0 if handled. */
int guest_acpi_io(struct vcpu *v, uint16_t port, unsigned int bytes, bool in, uint32_t *val);

#endif

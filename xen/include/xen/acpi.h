/* What the hypervisor takes from ACPI: CPUs and IOAPICs (MADT), and how to
 * power off and reset (FADT, \_S5 in the DSDT). */
#ifndef XEN_ACPI_H
#define XEN_ACPI_H

#include <xen/types.h>

struct acpi_info {
    bool present;
    paddr_t rsdp;
    unsigned int nr_cpus;
    uint32_t cpu_apic_id[64];
    unsigned int nr_ioapics;
    paddr_t ioapic_addr[8];
    paddr_t lapic_addr;
    /* FADT */
    uint32_t pm1a_cnt, pm1b_cnt, pm_tmr;
    uint16_t slp_typ_s5a, slp_typ_s5b;
    bool s5_found;
    bool reset_supported;
    uint8_t reset_space; /* 0 memory, 1 I/O */
    uint64_t reset_addr;
    uint8_t reset_value;
};

extern struct acpi_info acpi;

/* Parse the tables. Returns NULL or a message saying what was missing. */
const char *acpi_init(paddr_t rsdp_hint);

#endif

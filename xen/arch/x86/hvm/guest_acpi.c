/* The ACPI tables of a PVH domain (see asm/hvm/guest_acpi.h), and the two
 * registers they describe: sleep control (S5 = power off) and reset.
 *
 * Layout of the table page (offsets): RSDP 0x000, XSDT 0x040, FADT 0x080,
 * DSDT 0x1a0, MADT 0x200. Every table's bytes sum to zero. */
#include <xen/lib.h>
#include <xen/string.h>
#include <asm/hvm/guest_acpi.h>
#include <asm/hvm/hvm.h>

#define RSDP_OFF 0x000
#define XSDT_OFF 0x040
#define FADT_OFF 0x080
#define DSDT_OFF 0x1a0
#define MADT_OFF 0x200

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
    char signature[8];
    uint8_t checksum; /* of the first 20 bytes */
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t extended_checksum; /* of all 36 */
    uint8_t reserved[3];
} __attribute__((packed));

/* Generic Address Structure */
struct acpi_gas {
    uint8_t space_id; /* 1: system I/O */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size; /* 1: byte */
    uint64_t address;
} __attribute__((packed));

/* FADT revision 6 (ACPI 6.0): 276 bytes. Fields a hardware-reduced
 * platform does not use are zero. */
struct acpi_fadt {
    struct acpi_header h;
    uint32_t facs;
    uint32_t dsdt;
    uint8_t reserved0;
    uint8_t preferred_pm_profile;
    uint16_t sci_int;
    uint8_t legacy[61]; /* SMI_CMD .. CENTURY: unused here */
    uint16_t iapc_boot_arch;
    uint8_t reserved1;
    uint32_t flags;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t minor_version;
    uint64_t x_facs;
    uint64_t x_dsdt;
    struct acpi_gas x_legacy[8]; /* X_PM1a_EVT_BLK .. X_GPE1_BLK */
    struct acpi_gas sleep_control;
    struct acpi_gas sleep_status;
    uint64_t hypervisor_vendor;
} __attribute__((packed));

#define FADT_RESET_REG_SUP    (1u << 10)
#define FADT_HW_REDUCED_ACPI  (1u << 20)
#define BOOT_ARCH_VGA_ABSENT  (1u << 2)
#define BOOT_ARCH_MSI_ABSENT  (1u << 3)
#define BOOT_ARCH_CMOS_ABSENT (1u << 5)

struct acpi_madt_lapic {
    uint8_t type;   /* 0 */
    uint8_t length; /* 8 */
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags; /* bit 0: enabled */
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT offset");
_Static_assert(offsetof(struct acpi_fadt, sleep_control) == 244, "FADT sleep control offset");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT local APIC entry");
_Static_assert(FADT_OFF + sizeof(struct acpi_fadt) <= DSDT_OFF, "FADT fits");

/* Name (_S5, Package () { 5, 5, 0, 0 }) */
static const uint8_t dsdt_aml[] = {
    0x08, '_',  'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, GUEST_ACPI_S5_TYPE, 0x0a, GUEST_ACPI_S5_TYPE,
    0x00, 0x00,
};

static uint8_t checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;

    while (len--)
        sum += *b++;
    return (uint8_t)-sum;
}

static void fill_header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(h->signature, sig, 4);
    h->length = len;
    h->revision = rev;
    memcpy(h->oem_id, "XenHV ", 6);
    memcpy(h->oem_table_id, "PVH     ", 8);
    h->oem_revision = 1;
    memcpy(h->creator_id, "XHV ", 4);
    h->creator_revision = 1;
}

static void io_gas(struct acpi_gas *g, uint16_t port)
{
    g->space_id = 1;
    g->bit_width = 8;
    g->bit_offset = 0;
    g->access_size = 1;
    g->address = port;
}

uint64_t guest_acpi_build(struct domain *d)
{
    static uint8_t page[4096]; /* under build_lock */
    static DEFINE_SPINLOCK(build_lock);
    struct acpi_rsdp *rsdp = (void *)(page + RSDP_OFF);
    struct acpi_header *xsdt = (void *)(page + XSDT_OFF), *dsdt = (void *)(page + DSDT_OFF);
    struct acpi_header *madt = (void *)(page + MADT_OFF);
    struct acpi_fadt *fadt = (void *)(page + FADT_OFF);
    uint64_t *xsdt_entries = (uint64_t *)(xsdt + 1);
    uint32_t *madt_fixed = (uint32_t *)(madt + 1);
    struct acpi_madt_lapic *lapic = (void *)(madt_fixed + 2);
    uint32_t madt_len = sizeof(*madt) + 8 + d->nr_vcpus * sizeof(*lapic);
    unsigned long flags = spin_lock_irqsave(&build_lock);

    memset(page, 0, sizeof(page));

    fill_header(dsdt, "DSDT", sizeof(*dsdt) + sizeof(dsdt_aml), 2);
    memcpy(dsdt + 1, dsdt_aml, sizeof(dsdt_aml));
    dsdt->checksum = checksum(dsdt, dsdt->length);

    fill_header(madt, "APIC", madt_len, 4);
    madt_fixed[0] = 0xfee00000; /* local APIC address */
    madt_fixed[1] = 0;          /* no 8259s (no PCAT_COMPAT) */
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        lapic[i].type = 0;
        lapic[i].length = sizeof(lapic[i]);
        lapic[i].processor_uid = i;
        lapic[i].apic_id = i; /* the vLAPIC's ID is the vCPU id */
        lapic[i].flags = 1;
    }
    madt->checksum = checksum(madt, madt_len);

    fill_header(&fadt->h, "FACP", sizeof(*fadt), 6);
    fadt->dsdt = GUEST_ACPI_GPA + DSDT_OFF;
    fadt->x_dsdt = GUEST_ACPI_GPA + DSDT_OFF;
    fadt->iapc_boot_arch = BOOT_ARCH_VGA_ABSENT | BOOT_ARCH_MSI_ABSENT | BOOT_ARCH_CMOS_ABSENT;
    fadt->flags = FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP;
    io_gas(&fadt->reset_reg, GUEST_ACPI_RESET);
    fadt->reset_value = GUEST_ACPI_RESET_VALUE;
    fadt->minor_version = 0;
    io_gas(&fadt->sleep_control, GUEST_ACPI_SLEEP_CONTROL);
    io_gas(&fadt->sleep_status, GUEST_ACPI_SLEEP_STATUS);
    memcpy(&fadt->hypervisor_vendor, "XenVMMXe", 8);
    fadt->h.checksum = checksum(fadt, sizeof(*fadt));

    fill_header(xsdt, "XSDT", sizeof(*xsdt) + 2 * sizeof(uint64_t), 1);
    xsdt_entries[0] = GUEST_ACPI_GPA + FADT_OFF;
    xsdt_entries[1] = GUEST_ACPI_GPA + MADT_OFF;
    xsdt->checksum = checksum(xsdt, xsdt->length);

    memcpy(rsdp->signature, "RSD PTR ", 8);
    memcpy(rsdp->oem_id, "XenHV ", 6);
    rsdp->revision = 2;
    rsdp->length = sizeof(*rsdp);
    rsdp->xsdt_address = GUEST_ACPI_GPA + XSDT_OFF;
    rsdp->checksum = checksum(rsdp, 20);
    rsdp->extended_checksum = checksum(rsdp, sizeof(*rsdp));

    copy_to_gpa(d, GUEST_ACPI_GPA, page, MADT_OFF + madt_len);
    spin_unlock_irqrestore(&build_lock, flags);
    return GUEST_ACPI_GPA + RSDP_OFF;
}

int guest_acpi_io(struct vcpu *v, uint16_t port, unsigned int bytes, bool in, uint32_t *val)
{
    switch (port) {
    case GUEST_ACPI_SLEEP_CONTROL:
        if (in) {
            *val = 0;
            return 0;
        }
        /* SLP_EN (bit 5) with SLP_TYP (bits 2-4) = \_S5's type: power off.
         * Other sleep states are not offered (the DSDT names none). */
        if ((*val & 0x20) && ((*val >> 2) & 7) == GUEST_ACPI_S5_TYPE)
            domain_shutdown(v->domain, SHUTDOWN_poweroff);
        return 0;
    case GUEST_ACPI_SLEEP_STATUS:
        if (in)
            *val = 0; /* WAK_STS never set: nothing sleeps */
        return 0;
    case GUEST_ACPI_RESET:
        if (in)
            *val = 0;
        else if ((uint8_t)*val == GUEST_ACPI_RESET_VALUE)
            domain_shutdown(v->domain, SHUTDOWN_reboot);
        return 0;
    }
    (void)bytes;
    return -1;
}

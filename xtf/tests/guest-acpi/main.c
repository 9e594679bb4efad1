/**
 * @file
 * The ACPI tables a PVH domain is given, as a PVH Linux reads them: proves
 * that start_info.rsdp_paddr points at an RSDP (revision 2) whose 20-byte
 * and 36-byte checksums are right, whose XSDT checksums and lists a FADT and
 * a MADT that checksum too; that the FADT is hardware-reduced, with its
 * DSDT (checksummed, naming \_S5) and its sleep control, sleep status and
 * reset registers given; that the MADT lists exactly one enabled local APIC
 * per vCPU of the domain (3 here), with distinct APIC ids, one of them
 * this vCPU's (CPUID's initial APIC id); and that the memory map does not
 * offer the tables' memory as RAM.
 * Needs: a 3-vCPU PVH domain.
 *
 * @category functional
 * @needs hypervisor
 * @envs hvm64 hvm32pae hvm32
 * @domain vcpus=3
 */
#include <xtf.h>

const char test_title[] = "Guest ACPI tables";

#define NR_VCPUS 3

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

struct acpi_gas {
    uint8_t space_id, bit_width, bit_offset, access_size;
    uint64_t address;
} __attribute__((packed));

/* FADT field offsets (ACPI 6.x) */
#define FADT_FLAGS         112
#define FADT_RESET_REG     116
#define FADT_X_DSDT        140
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_STATUS  256
#define FADT_HW_REDUCED    (1u << 20)
#define FADT_RESET_SUP     (1u << 10)

static uint8_t sum(const void *p, uint32_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;

    while (len--)
        s += *b++;
    return s;
}

/* The tables lie in the guest's low 4 GiB, identity mapped. */
static const void *phys(uint64_t pa)
{
    return (const void *)(unsigned long)pa;
}

static bool table_ok(const struct acpi_header *h, const char *sig)
{
    if (memcmp(h->signature, sig, 4)) {
        xtf_failure("Fail: expected table %s, found '%.4s'\n", sig, h->signature);
        return false;
    }
    if (h->length < sizeof(*h) || h->length > 4096) {
        xtf_failure("Fail: %s: length %u\n", sig, h->length);
        return false;
    }
    if (sum(h, h->length)) {
        xtf_failure("Fail: %s: checksum wrong (sum %#x)\n", sig, sum(h, h->length));
        return false;
    }
    return true;
}

static void check_memmap(uint64_t table_pa)
{
    const struct hvm_memmap_entry *m = phys(pvh_start_info->memmap_paddr);

    for (unsigned int i = 0; i < pvh_start_info->memmap_entries; i++)
        if (m[i].type == 1 && table_pa >= m[i].addr && table_pa < m[i].addr + m[i].size)
            xtf_failure("Fail: ACPI tables at %#lx lie in RAM entry %u of the memory map\n",
                        (unsigned long)table_pa, i);
}

static void check_fadt(const uint8_t *f)
{
    uint32_t flags, len = ((const struct acpi_header *)f)->length;
    uint64_t x_dsdt;
    const struct acpi_header *dsdt;
    const struct acpi_gas *ctl = (const void *)(f + FADT_SLEEP_CONTROL);
    const struct acpi_gas *st = (const void *)(f + FADT_SLEEP_STATUS);
    const struct acpi_gas *rst = (const void *)(f + FADT_RESET_REG);
    bool s5 = false;

    if (len < FADT_SLEEP_STATUS + 12)
        return xtf_failure("Fail: FADT of %u bytes has no sleep registers\n", len);
    memcpy(&flags, f + FADT_FLAGS, 4);
    memcpy(&x_dsdt, f + FADT_X_DSDT, 8);
    if (!(flags & FADT_HW_REDUCED))
        xtf_failure("Fail: FADT is not hardware-reduced (flags %#x)\n", flags);
    if (!ctl->address || !st->address || ctl->space_id != 1 || ctl->bit_width != 8)
        xtf_failure("Fail: FADT sleep control/status registers missing or odd\n");
    if ((flags & FADT_RESET_SUP) && (!rst->address || rst->bit_width != 8))
        xtf_failure("Fail: FADT says reset supported but its register is odd\n");
    if (!x_dsdt)
        return xtf_failure("Fail: FADT has no X_DSDT\n");
    dsdt = phys(x_dsdt);
    if (!table_ok(dsdt, "DSDT"))
        return;
    for (uint32_t i = sizeof(*dsdt); i + 4 <= dsdt->length; i++)
        if (!memcmp((const uint8_t *)dsdt + i, "_S5_", 4))
            s5 = true;
    if (!s5)
        xtf_failure("Fail: DSDT names no \\_S5 (no power-off)\n");
}

static void check_madt(const struct acpi_header *madt)
{
    const uint8_t *p = (const uint8_t *)madt + sizeof(*madt) + 8;
    const uint8_t *end = (const uint8_t *)madt + madt->length;
    unsigned int lapics = 0, me = xtf_vcpu_id();
    uint32_t ids = 0;
    bool found_me = false;

    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        if (p[0] == 0 && p[1] == 8) {
            uint32_t flags;

            memcpy(&flags, p + 4, 4);
            if (!(flags & 1))
                xtf_failure("Fail: MADT lists a disabled local APIC (id %u)\n", p[3]);
            if (p[3] < 32 && (ids & (1u << p[3])))
                xtf_failure("Fail: MADT lists APIC id %u twice\n", p[3]);
            if (p[3] < 32)
                ids |= 1u << p[3];
            found_me |= p[3] == me;
            lapics++;
        }
        p += p[1];
    }
    if (p != end)
        xtf_failure("Fail: MADT entries do not add up to its length\n");
    if (lapics != NR_VCPUS)
        xtf_failure("Fail: MADT lists %u local APICs for %u vCPUs\n", lapics, NR_VCPUS);
    if (!found_me)
        xtf_failure("Fail: MADT does not list this vCPU's APIC id %u\n", me);
}

void test_main(void)
{
    const uint8_t *rsdp;
    const struct acpi_header *xsdt, *fadt = NULL, *madt = NULL;
    uint64_t xsdt_pa;
    uint32_t n;

    xtf_require_hypervisor(); /* QEMU's own PVH boot gives no tables of ours */
    if (!pvh_start_info || !pvh_start_info->rsdp_paddr)
        return xtf_failure("Fail: start_info gives no RSDP\n");
    rsdp = phys(pvh_start_info->rsdp_paddr);
    check_memmap(pvh_start_info->rsdp_paddr);
    if (memcmp(rsdp, "RSD PTR ", 8))
        return xtf_failure("Fail: no RSDP signature at %#lx\n",
                           (unsigned long)pvh_start_info->rsdp_paddr);
    if (sum(rsdp, 20))
        xtf_failure("Fail: RSDP checksum (first 20 bytes) wrong\n");
    if (rsdp[15] < 2 || sum(rsdp, 36))
        return xtf_failure("Fail: RSDP revision %u or extended checksum wrong\n", rsdp[15]);
    memcpy(&xsdt_pa, rsdp + 24, 8);
    xsdt = phys(xsdt_pa);
    if (!table_ok(xsdt, "XSDT"))
        return;
    n = (xsdt->length - sizeof(*xsdt)) / 8;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t pa;
        const struct acpi_header *t;

        memcpy(&pa, (const uint8_t *)(xsdt + 1) + 8 * i, 8);
        t = phys(pa);
        if (!memcmp(t->signature, "FACP", 4) && table_ok(t, "FACP"))
            fadt = t;
        else if (!memcmp(t->signature, "APIC", 4) && table_ok(t, "APIC"))
            madt = t;
    }
    if (!fadt)
        xtf_failure("Fail: the XSDT lists no valid FADT\n");
    else
        check_fadt((const uint8_t *)fadt);
    if (!madt)
        xtf_failure("Fail: the XSDT lists no valid MADT\n");
    else
        check_madt(madt);
    xtf_success(NULL);
}

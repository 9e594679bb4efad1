/* ACPI table parsing: RSDP (from the loader or the BIOS areas), RSDT/XSDT,
 * MADT for CPUs and IOAPICs, FADT for the PM control ports and the reset
 * register, and the \_S5 package in the DSDT for the sleep type of power off.
 * Every table is checksummed before use; a bad table is ignored with a
 * warning, never followed. */
#include <xen/acpi.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/string.h>
#include <asm/page.h>

struct acpi_info acpi;

struct sdt_header {
    char sig[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_rev, creator, creator_rev;
} __packed;

static bool checksum_ok(const void *p, size_t n)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

static const void *map_table(paddr_t pa)
{
    const struct sdt_header *h = ioremap(pa, sizeof(*h));

    if (h->length < sizeof(*h) || h->length > (1u << 20))
        return NULL;
    return ioremap(pa, h->length);
}

static paddr_t scan_rsdp(paddr_t start, size_t len)
{
    const char *p = __va(start);

    for (size_t off = 0; off + 20 <= len; off += 16)
        if (!memcmp(p + off, "RSD PTR ", 8) && checksum_ok(p + off, 20))
            return start + off;
    return 0;
}

static void parse_madt(const struct sdt_header *h)
{
    const uint8_t *p = (const uint8_t *)h + 44, *end = (const uint8_t *)h + h->length;

    acpi.lapic_addr = *(const uint32_t *)((const uint8_t *)h + 36);
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        switch (p[0]) {
        case 0: /* processor local APIC: uid, apic id, flags */
            if ((*(const uint32_t *)(p + 4) & 3) && acpi.nr_cpus < ARRAY_SIZE(acpi.cpu_apic_id))
                acpi.cpu_apic_id[acpi.nr_cpus++] = p[3];
            break;
        case 1: /* IOAPIC */
            if (acpi.nr_ioapics < ARRAY_SIZE(acpi.ioapic_addr))
                acpi.ioapic_addr[acpi.nr_ioapics++] = *(const uint32_t *)(p + 4);
            break;
        case 9: /* processor local x2APIC: rsvd, x2apic id, flags, uid */
            if ((*(const uint32_t *)(p + 8) & 3) && acpi.nr_cpus < ARRAY_SIZE(acpi.cpu_apic_id))
                acpi.cpu_apic_id[acpi.nr_cpus++] = *(const uint32_t *)(p + 4);
            break;
        }
        p += p[1];
    }
}

/* Find "_S5_" in the DSDT and read the first two integers of its package:
 * NameOp '_S5_' PackageOp PkgLength NumElements then byte-sized integers. */
static void parse_s5(const struct sdt_header *dsdt)
{
    const uint8_t *p = (const uint8_t *)dsdt + sizeof(*dsdt);
    const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;
    uint16_t vals[2];

    for (; p + 8 < end; p++) {
        const uint8_t *q;

        if (memcmp(p, "_S5_", 4) || p[4] != 0x12)
            continue;
        q = p + 5;
        q += ((*q >> 6) & 3) + 1; /* PkgLength */
        q++;                      /* NumElements */
        for (int i = 0; i < 2; i++) {
            if (q >= end)
                return;
            if (*q == 0x0a) { /* BytePrefix */
                vals[i] = q[1];
                q += 2;
            } else if (*q == 0x00 || *q == 0x01) { /* ZeroOp, OneOp */
                vals[i] = *q;
                q++;
            } else if (*q == 0xff) { /* OnesOp */
                vals[i] = 0xff;
                q++;
            } else
                return;
        }
        acpi.slp_typ_s5a = vals[0];
        acpi.slp_typ_s5b = vals[1];
        acpi.s5_found = true;
        return;
    }
}

static void parse_fadt(const struct sdt_header *h)
{
    const uint8_t *f = (const uint8_t *)h;
    paddr_t dsdt = *(const uint32_t *)(f + 40);

    acpi.pm1a_cnt = *(const uint32_t *)(f + 64);
    acpi.pm1b_cnt = *(const uint32_t *)(f + 68);
    acpi.pm_tmr = *(const uint32_t *)(f + 76);
    if (h->length >= 129) {
        uint32_t flags = *(const uint32_t *)(f + 112);
        acpi.reset_supported = flags & (1u << 10);
        acpi.reset_space = f[116];
        acpi.reset_addr = *(const uint64_t *)(f + 120);
        acpi.reset_value = f[128];
    }
    if (h->length >= 148 && *(const uint64_t *)(f + 140))
        dsdt = *(const uint64_t *)(f + 140);
    if (dsdt) {
        const struct sdt_header *d = map_table(dsdt);
        if (d && !memcmp(d->sig, "DSDT", 4) && checksum_ok(d, d->length))
            parse_s5(d);
    }
}

const char *acpi_init(paddr_t rsdp_hint)
{
    const uint8_t *rsdp;
    const struct sdt_header *root;
    bool xsdt;
    unsigned int entries;

    acpi.rsdp = rsdp_hint;
    if (!acpi.rsdp) {
        paddr_t ebda = (paddr_t)(*(const uint16_t *)__va(0x40e)) << 4;
        if (ebda >= 0x80000 && ebda < 0xa0000)
            acpi.rsdp = scan_rsdp(ebda, 1024);
        if (!acpi.rsdp)
            acpi.rsdp = scan_rsdp(0xe0000, 0x20000);
    }
    if (!acpi.rsdp)
        return "no ACPI RSDP found";
    rsdp = ioremap(acpi.rsdp, 36);
    if (!checksum_ok(rsdp, 20))
        return "ACPI RSDP checksum is wrong";
    xsdt = rsdp[15] >= 2 && *(const uint64_t *)(rsdp + 24);
    root = map_table(xsdt ? *(const uint64_t *)(rsdp + 24) : *(const uint32_t *)(rsdp + 16));
    if (!root || !checksum_ok(root, root->length))
        return "ACPI root table (RSDT/XSDT) is missing or corrupt";
    entries = (root->length - sizeof(*root)) / (xsdt ? 8 : 4);
    for (unsigned int i = 0; i < entries; i++) {
        const uint8_t *ents = (const uint8_t *)(root + 1);
        paddr_t pa = xsdt ? *(const uint64_t *)(ents + 8 * i) : *(const uint32_t *)(ents + 4 * i);
        const struct sdt_header *t = map_table(pa);

        if (!t)
            continue;
        if (!checksum_ok(t, t->length)) {
            printk(XENLOG_WARNING "ACPI: table %.4s at %#lx has a bad checksum; ignored\n", t->sig,
                   (unsigned long)pa);
            continue;
        }
        if (!memcmp(t->sig, "APIC", 4))
            parse_madt(t);
        else if (!memcmp(t->sig, "FACP", 4))
            parse_fadt(t);
    }
    acpi.present = true;
    return NULL;
}

/**
 * @file
 * CR0 and CR4 writes checked against the guest's CPUID policy.  Bug class:
 * a guest enabling features its CPUID hides (UMIP, LA57, PKE, OSXSAVE,
 * PCIDE, VMXE, SMXE) or reserved bits, which the host CPU may accept.
 * Proves that every CR4 bit whose feature CPUID hides, and every reserved
 * bit, gives #GP(0) and leaves CR4 unchanged; that bits CPUID shows (DE,
 * PCE, OSXMMEXCPT) can be toggled and read back; that clearing CR4.PAE in
 * long mode gives #GP; and that CR0 writes keep the architectural checks
 * (PG without PE, NW without CD, bits 63:32 give #GP) and CLTS clears TS.
 * Needs an HVM guest; Xen's hvm_cr4_guest_valid_bits is the reference.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "CR0/CR4 writes against the CPUID policy";

static exinfo_t write_cr4_safe(unsigned long val)
{
    exinfo_t fault = 0;

    asm volatile("1: mov %1, %%cr4; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault)
                 : "r"(val)
                 : "memory");
    return fault;
}

static exinfo_t write_cr0_safe(unsigned long val)
{
    exinfo_t fault = 0;

    asm volatile("1: mov %1, %%cr0; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault)
                 : "r"(val)
                 : "memory");
    return fault;
}

struct cr4_bit {
    unsigned int bit;
    const char *name;
    uint32_t leaf, reg, fbit; /* CPUID leaf, register (0 EAX .. 3 EDX), bit; leaf 0: never */
};

static const struct cr4_bit cr4_bits[] = {
    {3, "DE", 1, 3, 2},           {8, "PCE", 0xffffffff, 0, 0}, {10, "OSXMMEXCPT", 1, 3, 25},
    {11, "UMIP", 7, 2, 2},        {12, "LA57", 7, 2, 16},       {13, "VMXE", 1, 2, 5},
    {14, "SMXE", 0, 0, 0},        {15, "reserved 15", 0, 0, 0}, {17, "PCIDE", 1, 2, 17},
    {18, "OSXSAVE", 1, 2, 26},    {19, "KL", 0, 0, 0},          {22, "PKE", 7, 2, 3},
    {23, "CET", 7, 2, 7},         {24, "PKS", 7, 2, 31},        {25, "reserved 25", 0, 0, 0},
    {31, "reserved 31", 0, 0, 0},
};

static bool offered(const struct cr4_bit *b)
{
    uint32_t r[4];

    if (b->leaf == 0xffffffff)
        return true; /* architectural, always valid */
    if (b->leaf == 0)
        return false;
    cpuid_count(b->leaf, 0, &r[0], &r[1], &r[2], &r[3]);
    return r[b->reg] & (1u << b->fbit);
}

void test_main(void)
{
    unsigned long cr4 = read_cr4(), cr0 = read_cr0();
    unsigned int hidden = 0, shown = 0;
    exinfo_t ex;

    xtf_require_hypervisor();
    for (unsigned int i = 0; i < ARRAY_SIZE(cr4_bits); i++) {
        const struct cr4_bit *b = &cr4_bits[i];
        unsigned long bit = 1ul << b->bit;

        if (cr4 & bit)
            continue; /* already on: not ours to toggle */
        /* PCIDE needs long mode, LA57 must not change in it: a refusal of
         * those is right whatever CPUID says, so only hidden ones count. */
        if (offered(b) && (b->bit == 17 || b->bit == 12 || b->bit == 23))
            continue;
        ex = write_cr4_safe(cr4 | bit);
        if (offered(b)) {
            shown++;
            if (ex)
                xtf_failure("Fail: CR4.%s offered by CPUID but gave %#x\n", b->name, ex);
            else if (!(read_cr4() & bit))
                xtf_failure("Fail: CR4.%s did not stick\n", b->name);
            write_cr4_safe(cr4);
        } else {
            hidden++;
            if (ex != EXINFO_SYM(GP, 0))
                xtf_failure("Fail: CR4.%s hidden by CPUID: got %#x, expected #GP\n", b->name, ex);
        }
        if (read_cr4() != cr4)
            xtf_failure("Fail: CR4 %#lx after CR4.%s, expected %#lx\n", read_cr4(), b->name, cr4);
    }
    printk("%u hidden or reserved CR4 bits refused, %u offered bits toggled\n", hidden, shown);

#ifdef __x86_64__
    ex = write_cr4_safe(cr4 & ~(1ul << 5));
    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: clearing CR4.PAE in long mode gave %#x, expected #GP\n", ex);
    ex = write_cr4_safe(cr4 | (1ul << 40));
    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: CR4 bit 40 gave %#x, expected #GP\n", ex);
    ex = write_cr0_safe(cr0 | (1ul << 35));
    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: CR0 bit 35 gave %#x, expected #GP\n", ex);
#endif
    if (cr0 & 0x80000000u) {
        ex = write_cr0_safe(cr0 & ~1ul); /* PG without PE */
        if (ex != EXINFO_SYM(GP, 0))
            xtf_failure("Fail: CR0.PG without PE gave %#x, expected #GP\n", ex);
    }
    ex = write_cr0_safe((cr0 | 0x20000000u) & ~0x40000000u); /* NW without CD */
    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: CR0.NW without CD gave %#x, expected #GP\n", ex);
    if (read_cr0() != cr0)
        xtf_failure("Fail: CR0 %#lx after refused writes, expected %#lx\n", read_cr0(), cr0);

    ex = write_cr0_safe(cr0 | 8); /* TS, then CLTS */
    if (ex || !(read_cr0() & 8))
        xtf_failure("Fail: setting CR0.TS: fault %#x, CR0 %#lx\n", ex, read_cr0());
    asm volatile("clts");
    if (read_cr0() & 8)
        xtf_failure("Fail: CLTS left CR0.TS set\n");
    if (!hidden)
        xtf_failure("Fail: no CR4 bit was tested as hidden\n");
    xtf_success(NULL);
}

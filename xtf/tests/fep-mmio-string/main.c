/**
 * @file
 * Emulated string instructions on MMIO (the local APIC page): proves that
 * MOVSD from APIC registers to RAM copies what plain loads read (ID,
 * version), that STOSD and MOVSD from RAM to the TPR write it (read back
 * through a plain load), that LODSD reads a register, each advancing
 * ESI/EDI by 4 and with REP leaving ECX at 0; both through the
 * forced-emulation prefix and plainly (the access faults to the
 * hypervisor, which emulates it).  Bug class: emulator MMIO paths that
 * copy the wrong size or direction, or treat MMIO as RAM.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor lapic fep
 * @xen-cmdline hvm_fep
 */
#include <xtf.h>

const char test_title[] = "String instructions on MMIO";

#define REG(r) ((volatile uint32_t *)(APIC_DEFAULT_BASE + (r)))

static uint32_t ram[4];

static void check(const char *how, bool fep)
{
    unsigned long si, di, cnt;
    uint32_t val, id = *REG(APIC_ID), lvr = *REG(APIC_LVR);

    ram[0] = ram[1] = 0xdeadbeef;
    si = (unsigned long)REG(APIC_ID);
    di = (unsigned long)&ram[0];
    cnt = 1;
    if (fep)
        asm volatile(_ASM_XEN_FEP "rep movsl" : "+S"(si), "+D"(di), "+c"(cnt) : : "memory");
    else
        asm volatile("rep movsl" : "+S"(si), "+D"(di), "+c"(cnt) : : "memory");
    if (ram[0] != id || ram[1] != 0xdeadbeef || cnt || di != (unsigned long)&ram[1] ||
        si != (unsigned long)REG(APIC_ID) + 4)
        xtf_failure("Fail: %s movs from APIC ID: %#x (want %#x), count %lu\n", how, ram[0], id,
                    cnt);

    si = (unsigned long)REG(APIC_LVR);
    if (fep)
        asm volatile(_ASM_XEN_FEP "lodsl" : "=a"(val), "+S"(si) : : "memory");
    else
        asm volatile("lodsl" : "=a"(val), "+S"(si) : : "memory");
    if (val != lvr || si != (unsigned long)REG(APIC_LVR) + 4)
        xtf_failure("Fail: %s lods from APIC LVR: %#x (want %#x)\n", how, val, lvr);

    di = (unsigned long)REG(APIC_TPR);
    cnt = 1;
    if (fep)
        asm volatile(_ASM_XEN_FEP "rep stosl" : "+D"(di), "+c"(cnt) : "a"(0x30) : "memory");
    else
        asm volatile("rep stosl" : "+D"(di), "+c"(cnt) : "a"(0x30) : "memory");
    if ((*REG(APIC_TPR) & 0xff) != 0x30 || cnt || di != (unsigned long)REG(APIC_TPR) + 4)
        xtf_failure("Fail: %s stos to the TPR: TPR %#x\n", how, *REG(APIC_TPR));

    ram[2] = 0x20;
    si = (unsigned long)&ram[2];
    di = (unsigned long)REG(APIC_TPR);
    if (fep)
        asm volatile(_ASM_XEN_FEP "movsl" : "+S"(si), "+D"(di) : : "memory");
    else
        asm volatile("movsl" : "+S"(si), "+D"(di) : : "memory");
    if ((*REG(APIC_TPR) & 0xff) != 0x20)
        xtf_failure("Fail: %s movs RAM to the TPR: TPR %#x\n", how, *REG(APIC_TPR));
    *REG(APIC_TPR) = 0;
}

void test_main(void)
{
    xtf_require_hypervisor();
    if (apic_enable())
        return xtf_skip("Skip: no local APIC\n");
    check("plain", false);
    check("forced", true);
    if (xtf_status_is_success())
        xtf_success(NULL);
}

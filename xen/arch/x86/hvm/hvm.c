/* The arch-neutral HVM layer: guest memory access through the guest's own
 * page tables, the CPUID and MSR policy, port I/O and MMIO dispatch, the
 * hypercall entry, and the glue to the instruction emulator. */
#include <xen/keyhandler.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/p2m.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <xen/version.h>
#include <asm/hvm/guest_acpi.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/platform.h>
#include <asm/msr-index.h>
#include <asm/hvm/vlapic.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/spec_ctrl.h>
#include <asm/percpu.h>

const struct hvm_function_table *hvm_funcs;
bool opt_hvm_fep;
boolean_param("hvm_fep", opt_hvm_fep);

const struct hvm_function_table *start_svm(void);
long do_hypercall(struct vcpu *v, unsigned long nr, unsigned long args[5], bool compat);

int hvm_init(void)
{
    hvm_funcs = start_svm();
    if (!hvm_funcs)
        return -1;
    return 0;
}

int hvm_cpu_up(void)
{
    return hvm_funcs ? hvm_funcs->cpu_up() : -1;
}

/* --- guest memory --- */

static bool read_gpa_u64(struct domain *d, uint64_t gpa, uint64_t *val, unsigned int size)
{
    const uint8_t *p = gfn_to_virt(d, gpa >> 12);

    if (!p)
        return false;
    *val =
        size == 4 ? *(const uint32_t *)(p + (gpa & 0xfff)) : *(const uint64_t *)(p + (gpa & 0xfff));
    return true;
}

#define PFEC_PRESENT 1u
#define PFEC_WRITE   2u
#define PFEC_USER    4u

int hvm_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa, uint32_t *pfec)
{
    struct domain *d = v->domain;
    struct x86_regs r;
    uint64_t cr3 = hvm_funcs->get_cr3(v), e, table;
    unsigned int levels, shift, esize;
    bool pae;

    hvm_funcs->get_regs(v, &r);
    *pfec = (write ? PFEC_WRITE : 0) | (r.cpl == 3 ? PFEC_USER : 0);
    if (!(r.cr0 & X86_CR0_PG)) {
        *gpa = (r.efer & EFER_LMA) ? gva : (uint32_t)gva;
        return 0;
    }
    pae = r.cr4 & X86_CR4_PAE;
    if (r.efer & EFER_LMA) {
        levels = 4, esize = 8, table = cr3 & PADDR_MASK;
    } else if (pae) {
        /* The four PDPTEs are 32-byte aligned at CR3. */
        gva = (uint32_t)gva;
        if (!read_gpa_u64(d, (cr3 & 0xffffffe0) + 8 * (gva >> 30), &e, 8) || !(e & 1))
            return -EFAULT;
        levels = 2, esize = 8, table = e & PADDR_MASK;
    } else {
        gva = (uint32_t)gva;
        levels = 2, esize = 4, table = cr3 & 0xfffff000;
    }
    for (unsigned int l = levels; l >= 1; l--) {
        unsigned int bits = esize == 8 ? 9 : 10;
        unsigned int idx;

        shift = 12 + bits * (l - 1);
        idx = (gva >> shift) & ((1u << bits) - 1);
        if (!read_gpa_u64(d, table + esize * idx, &e, esize) || !(e & _PAGE_PRESENT))
            return -EFAULT;
        if (write && !(e & _PAGE_RW) && ((r.cr0 & X86_CR0_WP) || r.cpl == 3)) {
            *pfec |= PFEC_PRESENT;
            return -EFAULT;
        }
        if (r.cpl == 3 && !(e & _PAGE_USER)) {
            *pfec |= PFEC_PRESENT;
            return -EFAULT;
        }
        bool large = (e & _PAGE_PSE) && (l == 2 || (l == 3 && esize == 8 && levels == 4)) &&
                     (esize == 8 || (r.cr4 & X86_CR4_PSE));
        if (l == 1 || large) {
            uint64_t base = esize == 4 && large ? ((e & 0xffc00000) | ((e & 0x1fe000) << 19))
                                                : (e & PADDR_MASK & ~((1ULL << shift) - 1));
            *gpa = base | (gva & ((1ULL << shift) - 1));
            return 0;
        }
        table = esize == 4 ? (e & 0xfffff000) : (e & PADDR_MASK);
    }
    return -EFAULT;
}

/* Print how gva translates in v's own page tables: each level's entry and
 * the machine frame that holds the table (owner and allocator flags), so
 * that a crash on "not present" tables shows whether the guest's tables
 * changed, and who else the frame belongs to. Crash reports only. */
void hvm_dump_translate(struct vcpu *v, const char *what, uint64_t gva)
{
    struct domain *d = v->domain;
    struct x86_regs r;
    uint64_t cr3 = hvm_funcs->get_cr3(v), e = 0, table;
    unsigned int levels, esize;

    hvm_funcs->get_regs(v, &r);
    if (!(r.cr0 & X86_CR0_PG))
        return;
    if (r.efer & EFER_LMA) {
        levels = 4, esize = 8, table = cr3 & PADDR_MASK;
    } else if (r.cr4 & X86_CR4_PAE) {
        uint64_t pdpte = (cr3 & 0xffffffe0) + 8 * ((uint32_t)gva >> 30);

        gva = (uint32_t)gva;
        levels = 2, esize = 8;
        if (!read_gpa_u64(d, pdpte, &e, 8)) {
            printk("    %s %#lx: PDPTE at gpa %#lx is not RAM\n", what, (unsigned long)gva,
                   (unsigned long)pdpte);
            return;
        }
        printk("    %s %#lx: PDPTE at gpa %#lx (mfn %#lx) = %#lx\n", what, (unsigned long)gva,
               (unsigned long)pdpte, (unsigned long)p2m_ram_mfn(d, pdpte >> 12), (unsigned long)e);
        if (!(e & _PAGE_PRESENT))
            return;
        table = e & PADDR_MASK;
    } else {
        gva = (uint32_t)gva;
        levels = 2, esize = 4, table = cr3 & 0xfffff000;
    }
    for (unsigned int l = levels; l >= 1; l--) {
        unsigned int bits = esize == 8 ? 9 : 10;
        unsigned int idx = (gva >> (12 + bits * (l - 1))) & ((1u << bits) - 1);
        mfn_t mfn = p2m_ram_mfn(d, table >> 12);
        const struct page_info *pg = mfn && mfn < max_page ? mfn_to_page(mfn) : NULL;

        if (!read_gpa_u64(d, table + esize * idx, &e, esize)) {
            printk("    %s %#lx: L%u table gfn %#lx is not RAM\n", what, (unsigned long)gva, l,
                   (unsigned long)(table >> 12));
            return;
        }
        printk("    %s %#lx: L%u table gfn %#lx mfn %#lx (flags %#x owner %u) [%u] = %#lx\n", what,
               (unsigned long)gva, l, (unsigned long)(table >> 12), (unsigned long)mfn,
               pg ? pg->flags : 0, pg ? pg->owner : 0, idx, (unsigned long)e);
        if (mfn)
            page_print("      its frame", mfn);
        if (p2m_npt_mfn(d, table >> 12) != mfn)
            printk("      but the nested tables map gfn %#lx to %#lx\n",
                   (unsigned long)(table >> 12), (unsigned long)p2m_npt_mfn(d, table >> 12));
        if (!(e & _PAGE_PRESENT) || l == 1 || (e & _PAGE_PSE))
            return;
        table = esize == 4 ? (e & 0xfffff000) : (e & PADDR_MASK);
    }
}

static int copy_guest(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool to_guest)
{
    while (len) {
        uint64_t gpa;
        uint32_t pfec;
        size_t chunk = 4096 - (gva & 0xfff);
        uint8_t *p;

        if (chunk > len)
            chunk = len;
        if (hvm_translate(v, gva, to_guest, &gpa, &pfec))
            return -EFAULT;
        p = gfn_to_virt(v->domain, gpa >> 12);
        if (!p)
            return -EFAULT;
        p += gpa & 0xfff;
        if (to_guest)
            memcpy(p, buf, chunk);
        else
            memcpy(buf, p, chunk);
        buf = (uint8_t *)buf + chunk;
        gva += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return copy_guest(v, gva, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return copy_guest(v, gva, (void *)src, len, true);
}

static int copy_gpa(struct domain *d, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
    while (len) {
        size_t chunk = 4096 - (gpa & 0xfff);
        uint8_t *p = gfn_to_virt(d, gpa >> 12);

        if (!p)
            return -EFAULT;
        if (chunk > len)
            chunk = len;
        if (to_guest)
            memcpy(p + (gpa & 0xfff), buf, chunk);
        else
            memcpy(buf, p + (gpa & 0xfff), chunk);
        buf = (uint8_t *)buf + chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    return copy_gpa(d, gpa, (void *)src, len, true);
}

int copy_from_gpa(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
    return copy_gpa(d, gpa, dst, len, false);
}

/* --- CPUID policy --- */

#define XEN_CPUID_BASE                0x40000000
#define XEN_HVM_CPUID_X2APIC_VIRT     (1u << 1)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT   (1u << 4)

void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    struct domain *d = v->domain;

    memset(out, 0, 4 * sizeof(uint32_t));
    if ((leaf & 0xffff0000) == XEN_CPUID_BASE) {
        switch (leaf) {
        case XEN_CPUID_BASE:
            out[0] = XEN_CPUID_BASE + 4;
            memcpy(&out[1], "XenV", 4);
            memcpy(&out[2], "MMXe", 4);
            memcpy(&out[3], "nVMM", 4);
            break;
        case XEN_CPUID_BASE + 1:
            out[0] = (xen_major_version() << 16) | xen_minor_version();
            break;
        case XEN_CPUID_BASE + 2:
            out[0] = 1;
            out[1] = HYPERCALL_MSR;
            break;
        case XEN_CPUID_BASE + 4:
            out[0] = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT;
            out[1] = v->vcpu_id;
            out[2] = d->domain_id;
            break;
        }
        return;
    }

    cpuid_count(leaf, sub, &out[0], &out[1], &out[2], &out[3]);
    switch (leaf) {
    case 0:
        if (out[0] > 0xd)
            out[0] = 0xd;
        break;
    case 1:
        /* No VMX/SMX/monitor/XSAVE/AVX/PCID/performance counters for guests;
         * tell them they run on a hypervisor. */
        out[2] &=
            ~((1u << 3) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 11) | (1u << 15) |
              (1u << 17) | (1u << 18) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29));
        /* The emulated local APIC (vlapic.c) offers x2APIC and the
         * TSC-deadline timer whatever the host has. */
        out[2] |= (1u << 21) | (1u << 24);
        out[3] |= 1u << 9;
        out[2] |= 1u << 31;
        out[1] = (out[1] & 0x0000ffff) | (v->vcpu_id << 24) | (d->nr_vcpus << 16);
        if (d->nr_vcpus > 1)
            out[3] |= 1u << 28;
        else
            out[3] &= ~(1u << 28);
        out[3] &= ~((1u << 22) | (1u << 29) | (1u << 31)); /* ACPI thermal, TM, PBE */
        /* No machine-check architecture is emulated (no MCG_* or bank
         * MSRs): a guest that saw MCE/MCA would read them and stop. */
        out[3] &= ~((1u << 7) | (1u << 14));
        break;
    case 4:
    case 6:
    case 0xa:
    case 0xb:
    case 0xd:
        memset(out, 0, 4 * sizeof(uint32_t));
        break;
    case 7:
        if (sub == 0) {
            /* FSGSBASE, BMI1, SMEP, BMI2, ERMS, ADX, SMAP, CLFLUSHOPT, SHA */
            out[1] &= (1u << 0) | (1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 19) |
                      (1u << 20) | (1u << 23) | (1u << 29);
            out[0] = out[2] = out[3] = 0;
        } else
            memset(out, 0, 4 * sizeof(uint32_t));
        break;
    case 0x80000000:
        if (out[0] > 0x80000008)
            out[0] = 0x80000008;
        break;
    case 0x80000001:
        /* LAHF, CMP_LEGACY, ABM, SSE4A, MISALIGNSSE, 3DNowPrefetch: no SVM. */
        out[2] &= (1u << 0) | (1u << 1) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8);
        /* No RDTSCP: TSC_AUX is not kept per vCPU. */
        out[3] &= ~(1u << 27);
        break;
    case 0x80000002 ... 0x80000007:
        break;
    case 0x80000008:
        /* Speculation control: only what spec_ctrl_guest.c handles. */
        out[1] = spec_ctrl_guest_e8b(host_e8b);
        break;
    default:
        memset(out, 0, 4 * sizeof(uint32_t));
        break;
    }
}

static int hypercall_page_write(struct vcpu *v, uint64_t val)
{
    struct domain *d = v->domain;
    uint8_t *page;

    if (val & 0xfff)
        return X86EMUL_EXCEPTION; /* the low bits select a page index; only 0 exists */
    page = gfn_to_virt(d, val >> 12);
    if (!page)
        return X86EMUL_EXCEPTION;
    /* 32 bytes per hypercall: mov $nr, %eax; vmmcall; ret; the rest int3. */
    memset(page, 0xcc, 4096);
    for (unsigned int i = 0; i < 4096 / 32; i++) {
        uint8_t *p = page + 32 * i;
        p[0] = 0xb8;
        memcpy(p + 1, &i, 4);
        p[5] = 0x0f, p[6] = 0x01, p[7] = 0xd9;
        p[8] = 0xc3;
    }
    d->hypercall_page_gpa = val;
    return X86EMUL_OKAY;
}

/* --- control registers --- */

/* CR4 bits the guest may set: each needs the feature its CPUID policy
 * shows (as Xen's hvm_cr4_guest_valid_bits); the rest give #GP. SMXE and
 * VMXE are never offered. */
static uint64_t cr4_valid_bits(struct vcpu *v)
{
    uint32_t l1[4], l7[4];

    hvm_cpuid(v, 1, 0, l1);
    hvm_cpuid(v, 7, 0, l7);
#define CR4_IF(cond, bit) ((cond) ? (1ULL << (bit)) : 0)
    return CR4_IF(l1[3] & (1u << 1), 0) |   /* VME: VME */
           CR4_IF(l1[3] & (1u << 1), 1) |   /* PVI: VME */
           CR4_IF(l1[3] & (1u << 4), 2) |   /* TSD: TSC */
           CR4_IF(l1[3] & (1u << 2), 3) |   /* DE */
           CR4_IF(l1[3] & (1u << 3), 4) |   /* PSE */
           CR4_IF(l1[3] & (1u << 6), 5) |   /* PAE */
           CR4_IF(l1[3] & (1u << 7), 6) |   /* MCE */
           CR4_IF(l1[3] & (1u << 13), 7) |  /* PGE */
           (1ULL << 8) |                    /* PCE */
           CR4_IF(l1[3] & (1u << 24), 9) |  /* OSFXSR: FXSR */
           CR4_IF(l1[3] & (1u << 25), 10) | /* OSXMMEXCPT: SSE */
           CR4_IF(l7[2] & (1u << 2), 11) |  /* UMIP */
           CR4_IF(l7[2] & (1u << 16), 12) | /* LA57 */
           CR4_IF(l7[1] & (1u << 0), 16) |  /* FSGSBASE */
           CR4_IF(l1[2] & (1u << 17), 17) | /* PCIDE: PCID */
           CR4_IF(l1[2] & (1u << 26), 18) | /* OSXSAVE: XSAVE */
           CR4_IF(l7[1] & (1u << 7), 20) |  /* SMEP */
           CR4_IF(l7[1] & (1u << 20), 21) | /* SMAP */
           CR4_IF(l7[2] & (1u << 3), 22) |  /* PKE: PKU */
           CR4_IF(l7[2] & (1u << 7), 23) |  /* CET: CET_SS */
           CR4_IF(l7[2] & (1u << 31), 24);  /* PKS */
#undef CR4_IF
}

#define CR0_DEFINED                                                                                \
    (X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |    \
     X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

int hvm_write_cr(struct vcpu *v, unsigned int cr, uint64_t val)
{
    struct x86_regs r;
    bool lma;

    hvm_funcs->get_regs(v, &r);
    lma = r.efer & EFER_LMA;
    switch (cr) {
    case 0:
        if (val >> 32)
            return X86EMUL_EXCEPTION;
        if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
            return X86EMUL_EXCEPTION;
        if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
            return X86EMUL_EXCEPTION;
        /* The other low bits are reserved: dropped, as Xen drops them. */
        val = (val & CR0_DEFINED) | X86_CR0_ET;
        if ((val & X86_CR0_PG) && !(r.cr0 & X86_CR0_PG) && (r.efer & EFER_LME) &&
            !(r.cr4 & X86_CR4_PAE))
            return X86EMUL_EXCEPTION; /* long mode needs PAE */
        if (!(val & X86_CR0_PG) && (r.cr0 & X86_CR0_PG) && lma &&
            (r.seg[x86_seg_cs].attr & X86_SEG_L))
            return X86EMUL_EXCEPTION; /* paging off from 64-bit code */
        break;
    case 4:
        if (val & ~cr4_valid_bits(v))
            return X86EMUL_EXCEPTION;
        if (lma && !(val & X86_CR4_PAE))
            return X86EMUL_EXCEPTION;
        if (lma && ((val ^ r.cr4) & (1ULL << 12)))
            return X86EMUL_EXCEPTION; /* LA57 fixed while in long mode */
        if ((val & (1ULL << 17)) && !(r.cr4 & (1ULL << 17)) &&
            (!lma || (hvm_funcs->get_cr3(v) & 0xfff)))
            return X86EMUL_EXCEPTION; /* PCIDE: long mode, PCID 0 */
        break;
    case 3:
        if (lma ? val >> 52 : val >> 32)
            return X86EMUL_EXCEPTION;
        break;
    default:
        return X86EMUL_UNHANDLEABLE;
    }
    hvm_funcs->set_cr(v, cr, val);
    return X86EMUL_OKAY;
}

/* --- MSR policy --- */

#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | (1UL << 14) /* FFXSR */)

int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct x86_regs r;
    uint64_t tmp = 0;

    switch (spec_ctrl_guest_rdmsr(spec_ctrl_guest_e8b(host_e8b), msr, val)) {
    case SPEC_MSR_NOT_MINE:
        break;
    case SPEC_MSR_DONE:
        return X86EMUL_OKAY;
    default:
        return X86EMUL_EXCEPTION;
    }
    switch (msr) {
    case MSR_EFER:
        hvm_funcs->get_regs(v, &r);
        *val = r.efer & ~EFER_SVME;
        return X86EMUL_OKAY;
    case 0x10: /* TSC: as the guest's RDTSC sees it */
        *val = rdtsc() + hvm_funcs->tsc_offset(v);
        return X86EMUL_OKAY;
    case MSR_APIC_BASE:
    case 0x800 ... 0x8ff:
    case MSR_TSC_DEADLINE:
        if (vlapic_msr(v, msr, false, &tmp) == 0) {
            *val = tmp;
            return X86EMUL_OKAY;
        }
        if (msr == MSR_APIC_BASE) {
            *val = 0xfee00000 | (1u << 11) | (v->vcpu_id == 0 ? (1u << 8) : 0);
            return X86EMUL_OKAY;
        }
        return X86EMUL_EXCEPTION;
    case MSR_PAT:
        *val = 0x0007040600070406ULL;
        return X86EMUL_OKAY;
    case 0xfe:  /* MTRRcap: no variable ranges */
    case 0x2ff: /* MTRR default type */
    case 0x200 ... 0x20f:
    case 0x250:
    case 0x258:
    case 0x259:
    case 0x268 ... 0x26f:
    case 0x8b:       /* microcode revision */
    case 0x17:       /* platform id */
    case 0x3a:       /* feature control */
    case 0xc0010015: /* HWCR */
        *val = 0;
        return X86EMUL_OKAY;
    case 0x1a0: /* MISC_ENABLE: fast strings */
        *val = 1;
        return X86EMUL_OKAY;
    case HYPERCALL_MSR:
        *val = v->domain->hypercall_page_gpa;
        return X86EMUL_OKAY;
    case MSR_EBL_CR_POWERON:
    case MSR_EBC_FREQUENCY_ID:
    case MSR_MC4_MISC0:
    case MSR_F10_MC4_MISC1 ... MSR_F10_MC4_MISC3:
    case MSR_MCG_STATUS:
    /* Performance counters with no virtual PMU (Xen's default): read 0,
     * writes are dropped. */
    case MSR_K7_EVNTSEL0 ... MSR_K7_PERFCTR3:
    case MSR_F15H_PERF_CTL0 ... MSR_F15H_PERF_CTR5:
        *val = 0;
        return X86EMUL_OKAY;
    case MSR_MCG_CAP:
        *val = GUEST_MC_BANKS | MCG_TES_P;
        return X86EMUL_OKAY;
    case MSR_MC0_CTL ... MSR_MC0_CTL + 4 * GUEST_MC_BANKS - 1:
        /* MCi_CTL reads all ones; STATUS, ADDR and MISC hold no error. */
        *val = (msr - MSR_MC0_CTL) % 4 == 0 ? ~0ULL : 0;
        return X86EMUL_OKAY;
    case MSR_AMD64_DE_CFG:
        if (!cpu_is_amd())
            return X86EMUL_EXCEPTION;
        *val = AMD64_DE_CFG_LFENCE_SERIALISE;
        return X86EMUL_OKAY;
    }
    if (hvm_funcs->msr_read) {
        int rc = hvm_funcs->msr_read(v, msr, val);
        if (rc != X86EMUL_UNHANDLEABLE)
            return rc;
    }
    return X86EMUL_EXCEPTION;
}

int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct x86_regs r;

    switch (spec_ctrl_guest_wrmsr(spec_ctrl_guest_e8b(host_e8b), msr, val)) {
    case SPEC_MSR_NOT_MINE:
        break;
    case SPEC_MSR_IBPB:
        wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB); /* offered only where the host has it */
        return X86EMUL_OKAY;
    case SPEC_MSR_DONE:
        return X86EMUL_OKAY;
    case SPEC_MSR_GP:
        return X86EMUL_EXCEPTION;
    }
    switch (msr) {
    case MSR_EFER:
        if (val & ~EFER_VALID)
            return X86EMUL_EXCEPTION;
        hvm_funcs->get_regs(v, &r);
        /* LME may change only while paging is off. */
        if (((val ^ r.efer) & EFER_LME) && (r.cr0 & X86_CR0_PG))
            return X86EMUL_EXCEPTION;
        r.efer = (val & ~EFER_LMA) | (r.efer & EFER_LMA) | EFER_SVME;
        hvm_funcs->set_efer(v, r.efer);
        return X86EMUL_OKAY;
    case MSR_APIC_BASE:
    case 0x800 ... 0x8ff:
    case MSR_TSC_DEADLINE:
        if (vlapic_msr(v, msr, true, &val) == 0)
            return X86EMUL_OKAY;
        return X86EMUL_EXCEPTION;
    case MSR_PAT:
        for (int i = 0; i < 8; i++) {
            uint8_t t = (val >> (8 * i)) & 0xff;
            if (t == 2 || t == 3 || t > 7)
                return X86EMUL_EXCEPTION;
        }
        return X86EMUL_OKAY;
    case 0x2ff:
    case 0x200 ... 0x20f:
    case 0x250:
    case 0x258:
    case 0x259:
    case 0x268 ... 0x26f:
    case 0x8b:
    case 0x1a0:
        return X86EMUL_OKAY; /* accepted and ignored */
    case HYPERCALL_MSR:
        return hypercall_page_write(v, val);
    case MSR_MC4_MISC0:
    case MSR_F10_MC4_MISC1 ... MSR_F10_MC4_MISC3:
    case MSR_MCG_STATUS:
    case MSR_K7_EVNTSEL0 ... MSR_K7_PERFCTR3:
    case MSR_F15H_PERF_CTL0 ... MSR_F15H_PERF_CTR5:
        return X86EMUL_OKAY;
    case MSR_MC0_CTL ... MSR_MC0_CTL + 4 * GUEST_MC_BANKS - 1:
        /* MCi_CTL takes anything; the others only 0 (no error to inject). */
        return (msr - MSR_MC0_CTL) % 4 == 0 || !val ? X86EMUL_OKAY : X86EMUL_EXCEPTION;
    case MSR_AMD64_DE_CFG:
        return cpu_is_amd() ? X86EMUL_OKAY : X86EMUL_EXCEPTION; /* writes dropped */
    }
    if (hvm_funcs->msr_write) {
        int rc = hvm_funcs->msr_write(v, msr, val);
        if (rc != X86EMUL_UNHANDLEABLE)
            return rc;
    }
    return X86EMUL_EXCEPTION;
}

/* --- port I/O and MMIO --- */

/* A debug line per access to nothing, at most UNBACKED_LINES a second per
 * domain (Linux probes legacy ports in tight loops); the next line says
 * how many were not reported. */
#define UNBACKED_LINES 5

static void unbacked_access(struct vcpu *v, const char *what, uint64_t addr, unsigned int bytes,
                            bool write, uint64_t val)
{
    struct domain *d = v->domain;
    s_time_t now = NOW();
    unsigned long flags = spin_lock_irqsave(&d->lock);
    unsigned long quiet = 0;
    bool say;

    if (now - d->unbacked_window >= SECONDS(1)) {
        d->unbacked_window = now;
        d->unbacked_lines = 0;
    }
    say = d->unbacked_lines < UNBACKED_LINES;
    if (say) {
        d->unbacked_lines++;
        quiet = d->unbacked_quiet;
        d->unbacked_quiet = 0;
    } else
        d->unbacked_quiet++;
    spin_unlock_irqrestore(&d->lock, flags);
    if (!say)
        return;
    /* Queued, not waited for: behind a guest's console backlog a line on
     * the serial port can take over a millisecond of this exit. */
    if (write)
        printk_nowait(
            XENLOG_DEBUG "d%u v%u: write of %u bytes (%#lx) to unbacked %s %#lx dropped\n",
            d->domain_id, v->vcpu_id, bytes, (unsigned long)val, what, (unsigned long)addr);
    else
        printk_nowait(XENLOG_DEBUG
                      "d%u v%u: read of %u bytes from unbacked %s %#lx gives all ones\n",
                      d->domain_id, v->vcpu_id, bytes, what, (unsigned long)addr);
    if (quiet)
        printk_nowait(XENLOG_DEBUG "d%u: %lu more accesses to unbacked addresses not reported\n",
                      d->domain_id, quiet);
}

int hvm_io(struct vcpu *v, uint16_t port, unsigned int bytes, bool in, uint32_t *val)
{
    if (port == 0xe9) {
        if (in)
            *val = 0xe9; /* the Bochs/QEMU convention: the port reads as its number */
        else
            domain_console_putc(v->domain, (char)*val);
        return X86EMUL_OKAY;
    }
    if (hvm_platform_io(v, port, bytes, in, val) == 0)
        return X86EMUL_OKAY;
    if (guest_acpi_io(v, port, bytes, in, val) == 0)
        return X86EMUL_OKAY;
    /* No device: reads float high, writes vanish (as on real hardware, and
     * on Xen with no device model). Notably the test harness's exit port is
     * not reachable by guests. */
    unbacked_access(v, "port", port, bytes, !in, in ? 0 : *val);
    if (in)
        *val = 0xffffffff;
    return X86EMUL_OKAY;
}

int hvm_mmio(struct vcpu *v, uint64_t gpa, unsigned int bytes, bool write, uint64_t *val)
{
    if (vlapic_mmio(v, gpa, bytes, write, val) == 0)
        return X86EMUL_OKAY;
    if (hvm_platform_mmio(v, gpa, bytes, write, val) == 0)
        return X86EMUL_OKAY;
    /* Nothing behind the address (no RAM, no device): as on Xen with no
     * device model, reads give all ones, writes are dropped, and the
     * domain goes on. */
    unbacked_access(v, "guest-physical address", gpa, bytes, write, write ? *val : 0);
    if (!write)
        *val = ~0ULL;
    return X86EMUL_OKAY;
}

/* --- interrupts --- */

int hvm_pending_interrupt(struct vcpu *v)
{
    int vec = vlapic_pending_irq(v);

    if (vec >= 0)
        return vec;
    /* The PIC's INTR: vCPU 0, when its local APIC lets ExtINT in. */
    if (v->vcpu_id == 0 && v->domain->platform && vlapic_accepts_extint(v) &&
        (vec = vpic_pending_vector(v->domain)) >= 0)
        return vec;
    /* The domain-wide callback vector: level-like while the upcall is
     * pending; a vCPU with a vector of its own gets it through its APIC. */
    if (!v->upcall_vector && vcpu_callback_pending(v)) {
        uint64_t cb = v->domain->hvm_params[HVM_PARAM_CALLBACK_IRQ];
        if ((cb >> 56) == HVM_PARAM_CALLBACK_TYPE_VECTOR && (cb & 0xff) >= 16)
            return cb & 0xff;
    }
    return -1;
}

void hvm_assert_evtchn_irq(struct vcpu *v)
{
    if (v->upcall_vector && vlapic_set_irq(v, v->upcall_vector))
        vcpu_interrupt(v);
    else
        vcpu_wake(v); /* a vCPU blocked in SCHEDOP_block wakes for it */
}

/* As Xen: vectors below 0x10 are -EINVAL, an unknown vCPU -ENOENT; an upcall
 * already pending is raised at once. */
long hvm_set_evtchn_upcall_vector(struct vcpu *v, unsigned long arg)
{
    struct xen_hvm_evtchn_upcall_vector op;
    struct domain *d = v->domain;
    struct vcpu *t;

    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    if (op.vector < 0x10)
        return -EINVAL;
    if (op.vcpu >= d->nr_vcpus || !(t = d->vcpus[op.vcpu]))
        return -ENOENT;
    printk(XENLOG_INFO "d%u v%u: upcall vector %#x\n", d->domain_id, t->vcpu_id, op.vector);
    t->upcall_vector = op.vector;
    if (vcpu_callback_pending(t))
        hvm_assert_evtchn_irq(t);
    return 0;
}

/* vec, chosen by hvm_pending_interrupt(), is being injected. Whether it was
 * the vLAPIC's is decided by its IRR bit, not by asking again for the
 * highest pending vector: another pCPU may have raised a higher one since,
 * and then vec would stay in the IRR (delivered twice, never in the ISR). */
void hvm_interrupt_delivered(struct vcpu *v, int vec)
{
    if (!vlapic_irq_delivered(v, vec) && !(v->vcpu_id == 0 && vpic_ack(v->domain, vec)))
        vcpu_callback_delivered(v);
}

/* --- hypercalls --- */

/* Returns true when the call stopped early with a continuation: the
 * guest's registers then hold it (RAX the call, the argument registers its
 * new arguments) and the caller leaves RIP on the hypercall instruction. */
bool hvm_hypercall(struct vcpu *v)
{
    static const unsigned int regs64[5] = {X86_RDI, X86_RSI, X86_RDX, X86_R10, X86_R8};
    static const unsigned int regs32[5] = {X86_RBX, X86_RCX, X86_RDX, X86_RSI, X86_RDI};
    struct x86_regs r;
    unsigned long args[5], nr;
    bool mode64;
    long ret;

    hvm_funcs->get_regs(v, &r);
    if (r.cpl != 0) {
        hvm_funcs->set_reg(v, X86_RAX, (uint64_t)-EPERM);
        return false;
    }
    mode64 = (r.efer & EFER_LMA) && (r.seg[x86_seg_cs].attr & X86_SEG_L);
    nr = mode64 ? r.gpr[X86_RAX] : (uint32_t)r.gpr[X86_RAX];
    for (unsigned int i = 0; i < 5; i++)
        args[i] = mode64 ? r.gpr[regs64[i]] : (uint32_t)r.gpr[regs32[i]];
    v->domain->hypercalls++;
    hypercall_begin(v);
    ret = do_hypercall(v, nr, args, !mode64);
    if (v->hcall_preempted) {
        v->hcall_preempted = false;
        hvm_funcs->set_reg(v, X86_RAX, mode64 ? v->hcall_nr : (uint32_t)v->hcall_nr);
        for (unsigned int i = 0; i < v->hcall_nargs; i++)
            hvm_funcs->set_reg(v, mode64 ? regs64[i] : regs32[i],
                               mode64 ? v->hcall_args[i] : (uint32_t)v->hcall_args[i]);
        return true;
    }
    hvm_funcs->set_reg(v, X86_RAX, mode64 ? (uint64_t)ret : (uint32_t)ret);
    return false;
}

/* --- the emulator glue --- */

static int emul_access(uint64_t linear, void *buf, unsigned int bytes, bool write, bool fetch,
                       struct x86_emulate_ctxt *ctxt)
{
    struct vcpu *v = ctxt->priv;

    while (bytes) {
        uint64_t gpa;
        uint32_t pfec;
        unsigned int chunk = 4096 - (linear & 0xfff);
        uint8_t *p;

        if (chunk > bytes)
            chunk = bytes;
        if (hvm_translate(v, linear, write, &gpa, &pfec))
            return x86_emul_pagefault(ctxt, pfec | (fetch ? 0x10 : 0), linear);
        p = gfn_to_virt(v->domain, gpa >> 12);
        if (p) {
            if (write)
                memcpy(p + (gpa & 0xfff), buf, chunk);
            else
                memcpy(buf, p + (gpa & 0xfff), chunk);
        } else {
            if (fetch) {
                domain_crash(v->domain, "instruction fetch from MMIO %#lx", (unsigned long)gpa);
                return X86EMUL_UNHANDLEABLE;
            }
            /* Wide (SSE) accesses go to the device 8 bytes at a time. */
            for (unsigned int off = 0; off < chunk; off += 8) {
                unsigned int n = chunk - off < 8 ? chunk - off : 8;
                uint64_t val = 0;

                if (write)
                    memcpy(&val, (uint8_t *)buf + off, n);
                if (hvm_mmio(v, gpa + off, n, write, &val) != X86EMUL_OKAY)
                    return X86EMUL_UNHANDLEABLE;
                if (!write)
                    memcpy((uint8_t *)buf + off, &val, n);
            }
        }
        buf = (uint8_t *)buf + chunk;
        linear += chunk;
        bytes -= chunk;
    }
    return X86EMUL_OKAY;
}

static int emul_read(uint64_t linear, void *buf, unsigned int bytes, struct x86_emulate_ctxt *c)
{
    return emul_access(linear, buf, bytes, false, false, c);
}

static int emul_write(uint64_t linear, const void *buf, unsigned int bytes,
                      struct x86_emulate_ctxt *c)
{
    return emul_access(linear, (void *)buf, bytes, true, false, c);
}

static int emul_fetch(uint64_t linear, void *buf, unsigned int bytes, struct x86_emulate_ctxt *c)
{
    return emul_access(linear, buf, bytes, false, true, c);
}

static int emul_read_io(uint16_t port, unsigned int bytes, uint32_t *val,
                        struct x86_emulate_ctxt *c)
{
    return hvm_io(c->priv, port, bytes, true, val);
}

static int emul_write_io(uint16_t port, unsigned int bytes, uint32_t val,
                         struct x86_emulate_ctxt *c)
{
    return hvm_io(c->priv, port, bytes, false, &val);
}

static int emul_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4], struct x86_emulate_ctxt *c)
{
    hvm_cpuid(c->priv, leaf, sub, out);
    return X86EMUL_OKAY;
}

static int emul_read_msr(uint32_t msr, uint64_t *val, struct x86_emulate_ctxt *c)
{
    int rc = hvm_msr_read(c->priv, msr, val);
    return rc == X86EMUL_EXCEPTION ? x86_emul_exception(c, 13, true, 0) : rc;
}

static int emul_write_msr(uint32_t msr, uint64_t val, struct x86_emulate_ctxt *c)
{
    int rc = hvm_msr_write(c->priv, msr, val);
    return rc == X86EMUL_EXCEPTION ? x86_emul_exception(c, 13, true, 0) : rc;
}

static int emul_read_cr(unsigned int cr, uint64_t *val, struct x86_emulate_ctxt *c)
{
    struct x86_regs r;

    hvm_funcs->get_regs(c->priv, &r);
    switch (cr) {
    case 0:
        *val = r.cr0;
        return X86EMUL_OKAY;
    case 3:
        *val = hvm_funcs->get_cr3(c->priv);
        return X86EMUL_OKAY;
    case 4:
        *val = r.cr4;
        return X86EMUL_OKAY;
    }
    return X86EMUL_UNHANDLEABLE;
}

static int emul_write_cr(unsigned int cr, uint64_t val, struct x86_emulate_ctxt *c)
{
    int rc = hvm_write_cr(c->priv, cr, val);
    return rc == X86EMUL_EXCEPTION ? x86_emul_exception(c, 13, true, 0) : rc;
}

const struct x86_emulate_ops hvm_emulate_ops = {
    .read_cr = emul_read_cr,
    .write_cr = emul_write_cr,
    .read = emul_read,
    .write = emul_write,
    .fetch = emul_fetch,
    .read_io = emul_read_io,
    .write_io = emul_write_io,
    .cpuid = emul_cpuid,
    .read_msr = emul_read_msr,
    .write_msr = emul_write_msr,
};

int hvm_emulate_one(struct vcpu *v, bool forced)
{
    struct x86_regs regs;
    struct x86_emulate_ctxt ctxt;
    int rc;

    hvm_funcs->get_regs(v, &regs);
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.regs = &regs;
    ctxt.ops = &hvm_emulate_ops;
    ctxt.priv = v;
    ctxt.force_prefix = forced;
    if (forced) {
        /* Only the forced-emulation prefix is emulated after a #UD. */
        rc = x86_decode(&ctxt);
        if (rc != X86EMUL_OKAY || !ctxt.insn.forced_len)
            return -1;
        memset(&ctxt.insn, 0, sizeof(ctxt.insn));
    }
    rc = x86_emulate(&ctxt);
    switch (rc) {
    case X86EMUL_OKAY:
        hvm_funcs->set_regs(v, &regs);
        if (ctxt.retire.hlt && hvm_pending_interrupt(v) < 0)
            vcpu_block(v);
        return 0;
    case X86EMUL_EXCEPTION:
        hvm_funcs->inject_exception(v, ctxt.event.vector, ctxt.event.has_error_code,
                                    ctxt.event.error_code, ctxt.event.cr2);
        return 0;
    case X86EMUL_RETRY:
        hvm_funcs->set_regs(v, &regs);
        return 0;
    default:
        if (v->domain->state == DOMSTATE_RUNNING)
            domain_crash(v->domain, "cannot emulate the instruction at %04x:%#lx (opcode %02x)",
                         regs.seg[x86_seg_cs].sel, (unsigned long)regs.rip, ctxt.insn.opcode);
        return -2;
    }
}

/* Enable SVM on every CPU: the boot CPU here, the others by IPI-free
 * polling, as each runs hvm_cpu_up() from its own start path. */
static volatile int hvm_up_result[NR_CPUS];
volatile bool hvm_secondaries_go;
void hvm_start_cpus(void)
{
    int rc = hvm_cpu_up();

    if (rc)
        panic("HVM: cannot enable %s on CPU0 (error %d)", hvm_funcs->name, rc);
    printk("HVM: %s with nested paging enabled%s\n", hvm_funcs->name,
           opt_hvm_fep ? ", forced emulation prefix on" : "");
    hvm_up_result[0] = 1;
    hvm_secondaries_go = true;
    for (unsigned int c = 1; c < NR_CPUS; c++) {
        s_time_t deadline = NOW() + MILLISECS(500);
        if (!per_cpu(c)->online)
            continue;
        while (!hvm_up_result[c] && NOW() < deadline)
            cpu_relax();
        if (hvm_up_result[c] != 1)
            printk(XENLOG_ERR "HVM: CPU%u did not enable %s (%d)\n", c, hvm_funcs->name,
                   hvm_up_result[c]);
    }
}

/* Called by each secondary CPU before it schedules. */
void hvm_secondary_up(void)
{
    while (!hvm_secondaries_go)
        cpu_relax();
    if (!hvm_funcs) {
        hvm_up_result[smp_processor_id()] = -1;
        return;
    }
    int rc = hvm_cpu_up();
    hvm_up_result[smp_processor_id()] = rc ? rc : 1;
}

/* AMD SVM: the VMCB layout, exit codes, and the per-vCPU SVM state. */
#ifndef ASM_HVM_SVM_H
#define ASM_HVM_SVM_H

#include <xen/types.h>
#include <asm/hvm/asid.h>

struct vmcb_seg {
    uint16_t sel, attr;
    uint32_t limit;
    uint64_t base;
} __packed;

struct vmcb {
    /* control area, 0x000 */
    uint32_t cr_intercepts;  /* 0x000: reads low 16, writes high 16 */
    uint32_t dr_intercepts;  /* 0x004 */
    uint32_t exc_intercepts; /* 0x008 */
    uint32_t intercepts1;    /* 0x00c */
    uint32_t intercepts2;    /* 0x010 */
    uint8_t rsvd0[0x3c - 0x14];
    uint16_t pause_thresh;  /* 0x03c */
    uint16_t pause_count;   /* 0x03e */
    uint64_t iopm_base_pa;  /* 0x040 */
    uint64_t msrpm_base_pa; /* 0x048 */
    uint64_t tsc_offset;    /* 0x050 */
    uint32_t asid;          /* 0x058 */
    uint8_t tlb_control;    /* 0x05c */
    uint8_t rsvd1[3];
    uint64_t int_ctl;     /* 0x060: V_TPR, V_IRQ, V_INTR_PRIO, V_INTR_MASKING, vector */
    uint64_t int_state;   /* 0x068: interrupt shadow */
    uint64_t exitcode;    /* 0x070 */
    uint64_t exitinfo1;   /* 0x078 */
    uint64_t exitinfo2;   /* 0x080 */
    uint64_t exitintinfo; /* 0x088 */
    uint64_t np_enable;   /* 0x090 */
    uint64_t avic_bar;    /* 0x098 */
    uint64_t ghcb;        /* 0x0a0 */
    uint64_t eventinj;    /* 0x0a8 */
    uint64_t n_cr3;       /* 0x0b0 */
    uint64_t lbr_ctl;     /* 0x0b8 */
    uint32_t clean;       /* 0x0c0 */
    uint32_t rsvd2;
    uint64_t nrip;    /* 0x0c8 */
    uint8_t insn_len; /* 0x0d0 */
    uint8_t insn_bytes[15];
    uint8_t rsvd3[0x400 - 0xe0];
    /* state save area, 0x400 */
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400..0x49f */
    uint8_t rsvd4[0x4cb - 0x4a0];
    uint8_t cpl; /* 0x4cb */
    uint32_t rsvd5;
    uint64_t efer; /* 0x4d0 */
    uint8_t rsvd6[0x548 - 0x4d8];
    uint64_t cr4;    /* 0x548 */
    uint64_t cr3;    /* 0x550 */
    uint64_t cr0;    /* 0x558 */
    uint64_t dr7;    /* 0x560 */
    uint64_t dr6;    /* 0x568 */
    uint64_t rflags; /* 0x570 */
    uint64_t rip;    /* 0x578 */
    uint8_t rsvd7[0x5d8 - 0x580];
    uint64_t rsp; /* 0x5d8 */
    uint8_t rsvd8[0x5f8 - 0x5e0];
    uint64_t rax;            /* 0x5f8 */
    uint64_t star;           /* 0x600 */
    uint64_t lstar;          /* 0x608 */
    uint64_t cstar;          /* 0x610 */
    uint64_t sfmask;         /* 0x618 */
    uint64_t kernel_gs_base; /* 0x620 */
    uint64_t sysenter_cs;    /* 0x628 */
    uint64_t sysenter_esp;   /* 0x630 */
    uint64_t sysenter_eip;   /* 0x638 */
    uint64_t cr2;            /* 0x640 */
    uint8_t rsvd9[0x668 - 0x648];
    uint64_t g_pat; /* 0x668 */
    uint8_t rsvd10[0x1000 - 0x670];
} __packed;

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(__builtin_offsetof(struct vmcb, cpl) == 0x4cb, "VMCB CPL offset");
_Static_assert(__builtin_offsetof(struct vmcb, rax) == 0x5f8, "VMCB RAX offset");
_Static_assert(__builtin_offsetof(struct vmcb, g_pat) == 0x668, "VMCB G_PAT offset");

/* cr_intercepts */
#define INTERCEPT_CR0_WRITE (1u << 16)
#define INTERCEPT_CR4_WRITE (1u << 20)
/* intercepts1 */
#define INTERCEPT_INTR     (1u << 0)
#define INTERCEPT_NMI      (1u << 1)
#define INTERCEPT_SMI      (1u << 2)
#define INTERCEPT_INIT     (1u << 3)
#define INTERCEPT_VINTR    (1u << 4)
#define INTERCEPT_CPUID    (1u << 18)
#define INTERCEPT_INVD     (1u << 22)
#define INTERCEPT_HLT      (1u << 24)
#define INTERCEPT_INVLPGA  (1u << 26)
#define INTERCEPT_IOIO     (1u << 27)
#define INTERCEPT_MSR      (1u << 28)
#define INTERCEPT_TASKSW   (1u << 29)
#define INTERCEPT_SHUTDOWN (1u << 31)
/* intercepts2 */
#define INTERCEPT_VMRUN   (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD  (1u << 2)
#define INTERCEPT_VMSAVE  (1u << 3)
#define INTERCEPT_STGI    (1u << 4)
#define INTERCEPT_CLGI    (1u << 5)
#define INTERCEPT_SKINIT  (1u << 6)
#define INTERCEPT_MONITOR (1u << 10)
#define INTERCEPT_MWAIT   (1u << 11)
#define INTERCEPT_XSETBV  (1u << 13)

#define VMEXIT_CR0_WRITE      0x10
#define VMEXIT_CR4_WRITE      0x14
#define VMEXIT_EXCEPTION_BASE 0x40
#define VMEXIT_INTR           0x60
#define VMEXIT_NMI            0x61
#define VMEXIT_SMI            0x62
#define VMEXIT_INIT           0x63
#define VMEXIT_VINTR          0x64
#define VMEXIT_CPUID          0x72
#define VMEXIT_INVD           0x76
#define VMEXIT_HLT            0x78
#define VMEXIT_INVLPGA        0x7a
#define VMEXIT_IOIO           0x7b
#define VMEXIT_MSR            0x7c
#define VMEXIT_TASK_SWITCH    0x7d
#define VMEXIT_SHUTDOWN       0x7f
#define VMEXIT_VMRUN          0x80
#define VMEXIT_VMMCALL        0x81
#define VMEXIT_VMLOAD         0x82
#define VMEXIT_VMSAVE         0x83
#define VMEXIT_STGI           0x84
#define VMEXIT_CLGI           0x85
#define VMEXIT_SKINIT         0x86
#define VMEXIT_MONITOR        0x8a
#define VMEXIT_MWAIT          0x8b
#define VMEXIT_XSETBV         0x8d
#define VMEXIT_NPF            0x400
#define VMEXIT_INVALID        0xffffffffu

#define INT_CTL_V_IRQ          (1ULL << 8)
#define INT_CTL_V_INTR_PRIO(p) ((uint64_t)(p) << 16)
#define INT_CTL_V_IGN_TPR      (1ULL << 20)
#define INT_CTL_V_INTR_MASKING (1ULL << 24)
#define INT_CTL_V_VECTOR(v)    ((uint64_t)(v) << 32)

#define EVENTINJ_VALID      (1ULL << 31)
#define EVENTINJ_EV         (1ULL << 11)
#define EVENTINJ_TYPE_INTR  (0ULL << 8)
#define EVENTINJ_TYPE_NMI   (2ULL << 8)
#define EVENTINJ_TYPE_EXC   (3ULL << 8)
#define EVENTINJ_TYPE_SWINT (4ULL << 8)

/* Guest general registers the entry code saves (RAX and RSP are in the
 * VMCB). The order is the x86 register number, to match the emulator. */
struct guest_gprs {
    uint64_t rax_unused, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

struct svm_vcpu {
    struct guest_gprs gprs; /* offset 0: the entry code relies on it */
    struct vmcb *vmcb;
    paddr_t vmcb_pa;
    uint64_t pending_event; /* EVENTINJ to deliver at the next entry */
    /* The last exit that made no progress (an event's delivery cut short
     * at the same RIP for the same reason), and how often in a row. */
    uint64_t stuck_rip, stuck_info1, stuck_info2, stuck_event;
    uint32_t stuck_code;
    unsigned int stuck_count;
    bool need_flush;      /* drop its TLB entries at the next entry */
    struct hvm_asid asid; /* its ASID on the pCPU it last ran on */
    struct {
        uint64_t runs, taken, flushes; /* entries to a pCPU, new ASIDs, full flushes */
    } asid_stats;
    /* Guest state VMRUN does not switch: DR0-3 are loaded while the vCPU
     * runs and saved when it leaves the pCPU. DEBUGCTL is kept, not
     * applied (no LBR virtualisation under TCG). */
    uint64_t dr[4];
    uint64_t debugctl;
    /* The last exits, oldest overwritten first: what led to a crash. */
    struct svm_exit_record {
        uint64_t rip, info1, info2, intinfo, injected;
        uint32_t code;
        uint32_t cpu;
    } exits[8];
    unsigned int exits_next;
    /* The last exceptions the hypervisor raised in the guest (emulation,
     * intercepts), with the exit that raised them: a guest that dies of an
     * exception it did not cause shows where it came from. */
    struct svm_raise_record {
        uint64_t rip, cr2, rax, rsi;
        uint32_t exit_code, ec;
        uint8_t vec, cpu;
    } raised[4];
    unsigned int raised_next;
    /* 1 + the pCPU inside svm_vcpu_run() for this vCPU, 0 when none: two
     * pCPUs entering one VMCB would mix two runs of the guest. */
    unsigned int run_cpu;
    /* The intercepts it was set up with, checked before every entry. */
    struct {
        uint32_t cr, exc, i1, i2;
    } want_intercepts;
};

/* Entry code (entry.S): run the guest until the next #VMEXIT. */
void svm_vmrun(struct guest_gprs *gprs, paddr_t vmcb_pa, paddr_t host_save_pa);

#endif

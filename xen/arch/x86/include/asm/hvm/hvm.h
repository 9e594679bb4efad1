/* The arch-neutral HVM layer. Vendor code (SVM today) fills struct
 * hvm_function_table; everything above it (CPUID and MSR policy, port and
 * MMIO dispatch, hypercalls, guest memory access, the emulator glue) speaks
 * only to this interface, so a VMX backend can be added beside SVM. */
#ifndef ASM_HVM_HVM_H
#define ASM_HVM_HVM_H

#include <xen/sched.h>
#include <xen/types.h>
#include <xen/x86-emulate.h>

struct hvm_function_table {
    const char *name;
    int (*cpu_up)(void); /* per pCPU enable */
    int (*vcpu_initialise)(struct vcpu *v);
    void (*vcpu_destroy)(struct vcpu *v);
    void (*vcpu_set_entry)(struct vcpu *v, uint64_t rip, uint64_t rbx);
    /* Run the vCPU until it must give up the pCPU. */
    void (*vcpu_run)(struct vcpu *v);
    void (*get_regs)(struct vcpu *v, struct x86_regs *r);
    void (*set_regs)(struct vcpu *v, const struct x86_regs *r);
    void (*inject_exception)(struct vcpu *v, uint8_t vec, bool has_ec, uint32_t ec, uint64_t cr2);
    void (*inject_interrupt)(struct vcpu *v, uint8_t vec);
    bool (*interrupt_blocked)(struct vcpu *v);
    uint64_t (*get_cr3)(struct vcpu *v);
    uint64_t (*tsc_offset)(struct vcpu *v); /* guest TSC = host TSC + this */
    void (*set_efer)(struct vcpu *v, uint64_t efer);
    uint64_t (*get_reg)(struct vcpu *v, unsigned int gpr);
    void (*set_reg)(struct vcpu *v, unsigned int gpr, uint64_t val);
    void (*dump)(struct vcpu *v);
    /* CR0/CR4 after hvm_write_cr checked them against the policy; the
     * vendor code updates EFER.LMA on a paging change and flushes. */
    void (*set_cr)(struct vcpu *v, unsigned int cr, uint64_t val);
    /* Vendor MSRs (DEBUGCTL and the LBR record): X86EMUL_OKAY, or
     * X86EMUL_EXCEPTION for #GP, or X86EMUL_UNHANDLEABLE when not theirs. */
    int (*msr_read)(struct vcpu *v, uint32_t msr, uint64_t *val);
    int (*msr_write)(struct vcpu *v, uint32_t msr, uint64_t val);
};

extern const struct hvm_function_table *hvm_funcs;
extern bool opt_hvm_fep;

int hvm_init(void);
int hvm_cpu_up(void);

/* Guest memory. */
/* HVMOP_set_evtchn_upcall_vector (arg: struct xen_hvm_evtchn_upcall_vector). */
long hvm_set_evtchn_upcall_vector(struct vcpu *v, unsigned long arg);
/* v's evtchn_upcall_pending went from 0 to 1: raise its upcall vector, if
 * it has one, in its local APIC. */
void hvm_assert_evtchn_irq(struct vcpu *v);
void *gfn_to_virt(struct domain *d, unsigned long gfn); /* NULL if not RAM */
void p2m_dump_walk(struct domain *d, unsigned long gfn);
mfn_t p2m_npt_mfn(struct domain *d, unsigned long gfn);
int hvm_translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa, uint32_t *pfec);
void hvm_dump_translate(struct vcpu *v, const char *what, uint64_t gva);
/* 0 or -EFAULT. Guest virtual addresses, as hypercall arguments are. */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);
int copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t len);
int copy_from_gpa(struct domain *d, void *dst, uint64_t gpa, size_t len);

/* Exit handlers the vendor code calls. Each returns true when the vCPU
 * should go back to the guest, false when it must leave the pCPU. */
void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);
int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val); /* X86EMUL_* */
int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
/* A guest write to CR0 or CR4 (MOV, CLTS, LMSW), checked as Xen checks it:
 * X86EMUL_OKAY or X86EMUL_EXCEPTION (#GP(0)). */
int hvm_write_cr(struct vcpu *v, unsigned int cr, uint64_t val);
int hvm_io(struct vcpu *v, uint16_t port, unsigned int bytes, bool in, uint32_t *val);
int hvm_mmio(struct vcpu *v, uint64_t gpa, unsigned int bytes, bool write, uint64_t *val);
bool hvm_hypercall(struct vcpu *v);
/* Emulate the instruction at RIP (NPF/MMIO, string I/O, forced emulation):
 * 0 done, or an X86EMUL_* failure already turned into a guest event or a
 * domain crash. */
int hvm_emulate_one(struct vcpu *v, bool forced);
/* Flush every vCPU's guest TLB before its next entry (svm.c). */
void hvm_flush_guest_tlbs(struct domain *d);

/* Pending interrupts (event channel upcall vector, virtual local APIC). */
void hvm_set_callback_pending(struct vcpu *v);
int hvm_pending_interrupt(struct vcpu *v); /* vector or -1 */
void hvm_interrupt_delivered(struct vcpu *v, int vec);

/* The hypercall page: filled when the guest writes its address to the MSR. */
#define HYPERCALL_MSR 0x40000000

#endif

/* AMD SVM backend of the HVM layer: per-CPU enable, VMCB setup for a PVH
 * vCPU with nested paging, the run loop and #VMEXIT dispatch, and event
 * injection with interrupt windows.
 *
 * TCG (and some hardware) has no next-RIP save and no decode assists, so
 * instruction lengths come from the decoder (x86_insn_length) except for
 * VMMCALL, whose 3 bytes the hypercall page guarantees. */
#include <xen/exit_time.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <asm/hvm/asid.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/spec_ctrl.h>
#include <xen/param.h>

struct svm_cpu {
    void *hsave;
    void *host_save;
    paddr_t host_save_pa;
    struct hvm_asid_cpu asid; /* this pCPU's ASIDs (asid.c) */
    /* The domain whose vCPU entered last (for IBPB), or DOMAIN_GONE. */
    const struct domain *last_domain;
};

/* A destroyed domain's place in last_domain: never equal to a live one, so
 * the next domain, even one at the same address, gets its barrier. */
#define DOMAIN_GONE ((const struct domain *)1)

static struct svm_cpu svm_cpus[NR_CPUS];

/* debug_pf_check: every guest #PF exits first, and one the guest's own
 * tables do not explain (not present to the CPU, present to a walk of the
 * same tables) is reported with the vCPU's state before it is delivered. */
static bool opt_pf_check;
boolean_param("debug_pf_check", opt_pf_check);
static paddr_t iopm_pa, msrpm_pa;
static uint8_t *msrpm;

#define VCPU_SVM(v) ((struct svm_vcpu *)(v)->arch_hvm)

/* MSRs the guest reads and writes directly: their values live in the VMCB
 * and VMLOAD/VMSAVE switch them. */
static const uint32_t passthrough_msrs[] = {
    0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR LSTAR CSTAR SFMASK */
    0xC0000100, 0xC0000101, 0xC0000102,             /* FS, GS, KERNEL_GS base */
    0x174,      0x175,      0x176,                  /* SYSENTER CS/ESP/EIP */
};

static void msrpm_allow(uint32_t msr)
{
    unsigned int base;

    if (msr < 0x2000)
        base = 0;
    else if (msr >= 0xC0000000 && msr < 0xC0002000)
        base = 0x800, msr -= 0xC0000000;
    else if (msr >= 0xC0010000 && msr < 0xC0012000)
        base = 0x1000, msr -= 0xC0010000;
    else
        return;
    msrpm[base + msr / 4] &= ~(3u << (2 * (msr % 4)));
}

static int svm_global_init(void)
{
    void *iopm = alloc_xenheap_pages(2); /* 12 KiB used */

    msrpm = alloc_xenheap_pages(1);
    if (!iopm || !msrpm)
        return -1;
    memset(iopm, 0xff, 4 * 4096);
    memset(msrpm, 0xff, 2 * 4096);
    for (unsigned int i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_allow(passthrough_msrs[i]);
    iopm_pa = __pa(iopm);
    msrpm_pa = __pa(msrpm);
    return 0;
}

static int svm_cpu_up(void)
{
    struct svm_cpu *sc = &svm_cpus[smp_processor_id()];
    uint32_t a, b, c, d;

    if (!(cpuid_ecx(0x80000001) & (1u << 2)))
        return -1;
    cpuid(0x8000000A, &a, &b, &c, &d);
    if (!(d & 1))
        return -2; /* no nested paging */
    hvm_asid_cpu_init(&sc->asid, b);
    if (smp_processor_id() == 0) {
        printk("svm: %u ASIDs, %s; flush by ASID %s\n", b,
               sc->asid.max > 1 ? "one per vCPU per pCPU" : "one shared (full flush per switch)",
               d & (1u << 6) ? "offered" : "not offered");
        spec_ctrl_init();
    }
    if (rdmsr(MSR_VM_CR) & (1u << 4))
        return -3; /* SVM disabled by firmware */
    if (smp_processor_id() == 0 && svm_global_init())
        return -4;
    sc->hsave = alloc_xenheap_pages(0);
    sc->host_save = alloc_xenheap_pages(0);
    if (!sc->hsave || !sc->host_save)
        return -4;
    memset(sc->hsave, 0, 4096);
    memset(sc->host_save, 0, 4096);
    sc->host_save_pa = __pa(sc->host_save);
    write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, __pa(sc->hsave));
    return 0;
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attr, uint32_t limit)
{
    *s = (struct vmcb_seg){.sel = sel, .attr = attr, .limit = limit, .base = 0};
}

static int svm_vcpu_initialise(struct vcpu *v)
{
    struct svm_vcpu *s = xzalloc(struct svm_vcpu);
    struct vmcb *vmcb;

    if (!s)
        return -ENOMEM;
    vmcb = alloc_xenheap_pages(0);
    if (!vmcb) {
        xfree(s);
        return -ENOMEM;
    }
    memset(vmcb, 0, sizeof(*vmcb));
    s->vmcb = vmcb;
    s->vmcb_pa = __pa(vmcb);
    s->need_flush = true;
    v->arch_hvm = s;

    vmcb->intercepts1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
                        INTERCEPT_CPUID | INTERCEPT_INVD | INTERCEPT_HLT | INTERCEPT_IOIO |
                        INTERCEPT_MSR | INTERCEPT_TASKSW | INTERCEPT_SHUTDOWN | INTERCEPT_INVLPGA;
    vmcb->intercepts2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD | INTERCEPT_VMSAVE |
                        INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT | INTERCEPT_MONITOR |
                        INTERCEPT_MWAIT | INTERCEPT_XSETBV;
    /* CR0/CR4 writes are checked against the guest's CPUID policy. */
    vmcb->cr_intercepts = INTERCEPT_CR0_WRITE | INTERCEPT_CR4_WRITE;
    vmcb->exc_intercepts = (1u << 18) | (opt_hvm_fep ? (1u << 6) : 0) | /* #MC, #UD for FEP */
                           (opt_pf_check ? (1u << 14) : 0);
    vmcb->iopm_base_pa = iopm_pa;
    vmcb->msrpm_base_pa = msrpm_pa;
    /* ASID and TLB_CONTROL are set before each VMRUN (svm_asid_enter). */
    vmcb->int_ctl = INT_CTL_V_INTR_MASKING;
    vmcb->np_enable = 1;
    vmcb->n_cr3 = v->domain->npt_root;
    /* One TSC for all the domain's vCPUs, as on Xen (0 when it was built). */
    vmcb->tsc_offset = -(int64_t)(v->domain->tsc_base ? v->domain->tsc_base : rdtsc());
    s->want_intercepts.cr = vmcb->cr_intercepts;
    s->want_intercepts.exc = vmcb->exc_intercepts;
    s->want_intercepts.i1 = vmcb->intercepts1;
    s->want_intercepts.i2 = vmcb->intercepts2;

    /* The PVH start state: flat 32-bit protected mode, paging off. */
    seg(&vmcb->cs, 0x08, 0xc9b, 0xffffffff);
    seg(&vmcb->ds, 0x10, 0xc93, 0xffffffff);
    seg(&vmcb->es, 0x10, 0xc93, 0xffffffff);
    seg(&vmcb->ss, 0x10, 0xc93, 0xffffffff);
    seg(&vmcb->fs, 0x10, 0xc93, 0xffffffff);
    seg(&vmcb->gs, 0x10, 0xc93, 0xffffffff);
    seg(&vmcb->tr, 0x18, 0x8b, 0x67);
    seg(&vmcb->ldtr, 0, 0x82, 0);
    seg(&vmcb->gdtr, 0, 0, 0);
    seg(&vmcb->idtr, 0, 0, 0);
    vmcb->cr0 = X86_CR0_PE | X86_CR0_ET;
    vmcb->cr4 = 0;
    vmcb->efer = EFER_SVME;
    vmcb->rflags = 2;
    vmcb->dr6 = 0xffff0ff0;
    vmcb->dr7 = 0x400;
    vmcb->g_pat = 0x0007040600070406ULL;
    return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
    struct svm_vcpu *s = VCPU_SVM(v);

    if (!s)
        return;
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (svm_cpus[c].last_domain == v->domain)
            svm_cpus[c].last_domain = DOMAIN_GONE;
    if (s->asid_stats.runs)
        printk_nowait("asid: d%u v%u: %lu runs, %lu ASIDs taken, %lu full flushes\n",
                      v->domain->domain_id, v->vcpu_id, (unsigned long)s->asid_stats.runs,
                      (unsigned long)s->asid_stats.taken, (unsigned long)s->asid_stats.flushes);
    free_xenheap_pages(s->vmcb, 0);
    xfree(s);
    v->arch_hvm = NULL;
}

static void svm_vcpu_set_entry(struct vcpu *v, uint64_t rip, uint64_t rbx)
{
    VCPU_SVM(v)->vmcb->rip = rip;
    VCPU_SVM(v)->gprs.rbx = rbx;
}

static uint64_t svm_get_cr3(struct vcpu *v)
{
    return VCPU_SVM(v)->vmcb->cr3;
}

static uint64_t svm_tsc_offset(struct vcpu *v)
{
    return VCPU_SVM(v)->vmcb->tsc_offset;
}

static void svm_set_efer(struct vcpu *v, uint64_t efer)
{
    VCPU_SVM(v)->vmcb->efer = efer;
}

static void svm_set_cr(struct vcpu *v, unsigned int cr, uint64_t val)
{
    struct vmcb *vmcb = VCPU_SVM(v)->vmcb;
    uint64_t old;

    switch (cr) {
    case 0:
        old = vmcb->cr0;
        vmcb->cr0 = val;
        /* Paging on with EFER.LME enters long mode; paging off leaves it. */
        if ((val & X86_CR0_PG) && !(old & X86_CR0_PG) && (vmcb->efer & EFER_LME))
            vmcb->efer |= EFER_LMA;
        else if (!(val & X86_CR0_PG))
            vmcb->efer &= ~EFER_LMA;
        if ((old ^ val) & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP | X86_CR0_CD))
            hvm_asid_flush_vcpu(&VCPU_SVM(v)->asid);
        break;
    case 3:
        vmcb->cr3 = val;
        hvm_asid_flush_vcpu(&VCPU_SVM(v)->asid);
        break;
    case 4:
        if (vmcb->cr4 != val)
            hvm_asid_flush_vcpu(&VCPU_SVM(v)->asid);
        vmcb->cr4 = val;
        break;
    }
}

/* DEBUGCTL and the last-branch record, as Xen offers them to HVM guests:
 * DEBUGCTL holds LBR and BTF (other bits #GP); the record reads 0 since
 * nothing is recorded. */
static int svm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_DEBUGCTL:
        *val = VCPU_SVM(v)->debugctl;
        return X86EMUL_OKAY;
    case MSR_LASTBRANCH_FROM ... MSR_LASTINT_TO:
        *val = 0;
        return X86EMUL_OKAY;
    }
    return X86EMUL_UNHANDLEABLE;
}

static int svm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_DEBUGCTL:
        if (val & ~(DEBUGCTL_LBR | DEBUGCTL_BTF))
            return X86EMUL_EXCEPTION;
        VCPU_SVM(v)->debugctl = val;
        return X86EMUL_OKAY;
    }
    return X86EMUL_UNHANDLEABLE;
}

/* VMRUN switches DR6 and DR7 (VMCB) but not DR0-3: the hypervisor uses no
 * breakpoints, so the guest's stay loaded while its vCPU holds the pCPU. */
static void dr_switch_in(struct svm_vcpu *s)
{
    asm volatile("mov %0, %%db0" : : "r"(s->dr[0]));
    asm volatile("mov %0, %%db1" : : "r"(s->dr[1]));
    asm volatile("mov %0, %%db2" : : "r"(s->dr[2]));
    asm volatile("mov %0, %%db3" : : "r"(s->dr[3]));
}

static void dr_switch_out(struct svm_vcpu *s)
{
    asm volatile("mov %%db0, %0" : "=r"(s->dr[0]));
    asm volatile("mov %%db1, %0" : "=r"(s->dr[1]));
    asm volatile("mov %%db2, %0" : "=r"(s->dr[2]));
    asm volatile("mov %%db3, %0" : "=r"(s->dr[3]));
}

static uint64_t svm_get_reg(struct vcpu *v, unsigned int r)
{
    struct svm_vcpu *s = VCPU_SVM(v);

    if (r == X86_RAX)
        return s->vmcb->rax;
    if (r == X86_RSP)
        return s->vmcb->rsp;
    return ((uint64_t *)&s->gprs)[r];
}

static void svm_set_reg(struct vcpu *v, unsigned int r, uint64_t val)
{
    struct svm_vcpu *s = VCPU_SVM(v);

    if (r == X86_RAX)
        s->vmcb->rax = val;
    else if (r == X86_RSP)
        s->vmcb->rsp = val;
    else
        ((uint64_t *)&s->gprs)[r] = val;
}

static void to_x86_seg(struct x86_segment *x, const struct vmcb_seg *s)
{
    *x = (struct x86_segment){.base = s->base, .limit = s->limit, .sel = s->sel, .attr = s->attr};
}

static void from_x86_seg(struct vmcb_seg *s, const struct x86_segment *x)
{
    *s = (struct vmcb_seg){.sel = x->sel, .attr = x->attr, .limit = x->limit, .base = x->base};
}

static void svm_get_regs(struct vcpu *v, struct x86_regs *r)
{
    struct vmcb *vmcb = VCPU_SVM(v)->vmcb;

    for (unsigned int i = 0; i < 16; i++)
        r->gpr[i] = svm_get_reg(v, i);
    r->rip = vmcb->rip;
    r->rflags = vmcb->rflags;
    to_x86_seg(&r->seg[x86_seg_es], &vmcb->es);
    to_x86_seg(&r->seg[x86_seg_cs], &vmcb->cs);
    to_x86_seg(&r->seg[x86_seg_ss], &vmcb->ss);
    to_x86_seg(&r->seg[x86_seg_ds], &vmcb->ds);
    to_x86_seg(&r->seg[x86_seg_fs], &vmcb->fs);
    to_x86_seg(&r->seg[x86_seg_gs], &vmcb->gs);
    to_x86_seg(&r->seg[x86_seg_tr], &vmcb->tr);
    r->cr0 = vmcb->cr0;
    r->cr4 = vmcb->cr4;
    r->efer = vmcb->efer;
    r->cpl = vmcb->cpl;
}

static void svm_set_regs(struct vcpu *v, const struct x86_regs *r)
{
    struct vmcb *vmcb = VCPU_SVM(v)->vmcb;

    for (unsigned int i = 0; i < 16; i++)
        svm_set_reg(v, i, r->gpr[i]);
    vmcb->rip = r->rip;
    vmcb->rflags = r->rflags | 2;
    from_x86_seg(&vmcb->es, &r->seg[x86_seg_es]);
    from_x86_seg(&vmcb->ds, &r->seg[x86_seg_ds]);
    from_x86_seg(&vmcb->ss, &r->seg[x86_seg_ss]);
    from_x86_seg(&vmcb->fs, &r->seg[x86_seg_fs]);
    from_x86_seg(&vmcb->gs, &r->seg[x86_seg_gs]);
}

/* Exception classes for delivering one exception while another is being
 * delivered (the x86 double-fault rules): #DE #TS #NP #SS #GP. */
static bool contributory(unsigned int vec)
{
    return vec == 0 || (vec >= 10 && vec <= 13);
}

static void svm_inject_exception(struct vcpu *v, uint8_t vec, bool has_ec, uint32_t ec,
                                 uint64_t cr2)
{
    struct svm_vcpu *s = VCPU_SVM(v);
    uint64_t first = s->pending_event;

    /* An exception raised while delivering another one (the first came
     * back from EXITINTINFO) is combined with it as the CPU would. */
    if ((first & EVENTINJ_VALID) && (first & (7ULL << 8)) == EVENTINJ_TYPE_EXC) {
        unsigned int fvec = first & 0xff;

        if (fvec == 8) {
            domain_crash(v->domain, "triple fault: vector %u while delivering a double fault", vec);
            return;
        }
        if ((contributory(fvec) && contributory(vec)) ||
            (fvec == 14 && (vec == 14 || contributory(vec)))) {
            vec = 8, has_ec = true, ec = 0;
        }
    }
    s->raised[s->raised_next++ % ARRAY_SIZE(s->raised)] =
        (struct svm_raise_record){.rip = s->vmcb->rip,
                                  .cr2 = cr2,
                                  .rax = s->vmcb->rax,
                                  .rsi = s->gprs.rsi,
                                  .exit_code = (uint32_t)s->vmcb->exitcode,
                                  .ec = ec,
                                  .vec = vec,
                                  .cpu = smp_processor_id()};
    if (vec == 14)
        s->vmcb->cr2 = cr2;
    s->pending_event = EVENTINJ_VALID | EVENTINJ_TYPE_EXC | vec |
                       (has_ec ? EVENTINJ_EV | ((uint64_t)ec << 32) : 0);
}

static void svm_inject_interrupt(struct vcpu *v, uint8_t vec)
{
    VCPU_SVM(v)->pending_event = EVENTINJ_VALID | EVENTINJ_TYPE_INTR | vec;
}

static bool svm_interrupt_blocked(struct vcpu *v)
{
    struct vmcb *vmcb = VCPU_SVM(v)->vmcb;

    return !(vmcb->rflags & X86_EFLAGS_IF) || (vmcb->int_state & 1);
}

/* The intercepted instruction retired: go on at next_rip. An interrupt
 * shadow (STI or MOV SS just before it) covered that instruction only, so
 * it ends here; left set, it would hold off the interrupt that `sti; hlt`
 * waits for by one more exit (VINTR). */
static void retire_insn(struct vmcb *vmcb, uint64_t next_rip)
{
    vmcb->rip = next_rip;
    vmcb->int_state &= ~1ULL;
}

/* Skip the intercepted instruction at RIP. */
static bool advance_rip(struct vcpu *v, unsigned int fallback)
{
    struct x86_regs regs;
    struct x86_emulate_ctxt ctxt;
    unsigned int len;
    enum x86_insn_class cls;
    extern const struct x86_emulate_ops hvm_emulate_ops;

    svm_get_regs(v, &regs);
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.regs = &regs;
    ctxt.ops = &hvm_emulate_ops;
    ctxt.priv = v;
    if (x86_insn_length(&ctxt, &len, &cls) != X86EMUL_OKAY)
        len = fallback;
    retire_insn(VCPU_SVM(v)->vmcb, VCPU_SVM(v)->vmcb->rip + len);
    return true;
}

static void record_exit(struct svm_vcpu *s, uint64_t injected)
{
    struct svm_exit_record *r = &s->exits[s->exits_next++ % ARRAY_SIZE(s->exits)];
    const struct vmcb *vmcb = s->vmcb;

    *r = (struct svm_exit_record){.rip = vmcb->rip,
                                  .info1 = vmcb->exitinfo1,
                                  .info2 = vmcb->exitinfo2,
                                  .intinfo = vmcb->exitintinfo,
                                  .injected = injected,
                                  .code = (uint32_t)vmcb->exitcode,
                                  .cpu = smp_processor_id()};
}

static void dump_exits(const struct svm_vcpu *s)
{
    unsigned int n = s->exits_next < ARRAY_SIZE(s->exits) ? s->exits_next : ARRAY_SIZE(s->exits);

    printk("    last %u exits, oldest first (code RIP info1 info2 intinfo injected CPU):\n", n);
    for (unsigned int i = s->exits_next - n; i != s->exits_next; i++) {
        const struct svm_exit_record *r = &s->exits[i % ARRAY_SIZE(s->exits)];

        printk("      %#x %#lx %#lx %#lx %#lx %#lx CPU%u\n", r->code, (unsigned long)r->rip,
               (unsigned long)r->info1, (unsigned long)r->info2, (unsigned long)r->intinfo,
               (unsigned long)r->injected, r->cpu);
    }
}

static void dump_raised(const struct svm_vcpu *s)
{
    unsigned int n =
        s->raised_next < ARRAY_SIZE(s->raised) ? s->raised_next : ARRAY_SIZE(s->raised);

    if (n)
        printk("    last %u exceptions raised by the hypervisor (vector error CR2 RIP exit RAX RSI "
               "CPU):\n",
               n);
    for (unsigned int i = s->raised_next - n; i != s->raised_next; i++) {
        const struct svm_raise_record *r = &s->raised[i % ARRAY_SIZE(s->raised)];

        printk("      %u %#x %#lx %#lx %#x %#lx %#lx CPU%u\n", r->vec, r->ec, (unsigned long)r->cr2,
               (unsigned long)r->rip, r->exit_code, (unsigned long)r->rax, (unsigned long)r->rsi,
               r->cpu);
    }
}

static void svm_dump(struct vcpu *v)
{
    struct vmcb *vmcb = VCPU_SVM(v)->vmcb;

    dump_exits(VCPU_SVM(v));
    dump_raised(VCPU_SVM(v));
    printk("    RIP %04x:%016lx RSP %016lx RFLAGS %08lx CR0 %08lx CR3 %016lx CR4 %08lx EFER "
           "%lx\n",
           vmcb->cs.sel, (unsigned long)vmcb->rip, (unsigned long)vmcb->rsp,
           (unsigned long)vmcb->rflags, (unsigned long)vmcb->cr0, (unsigned long)vmcb->cr3,
           (unsigned long)vmcb->cr4, (unsigned long)vmcb->efer);
    printk(
        "    CR2 %016lx ASID %u nested CR3 %#lx (domain's %#lx) EXITINTINFO %#lx EVENTINJ %#lx\n",
        (unsigned long)vmcb->cr2, vmcb->asid, (unsigned long)vmcb->n_cr3,
        (unsigned long)v->domain->npt_root, (unsigned long)vmcb->exitintinfo,
        (unsigned long)vmcb->eventinj);
    hvm_dump_translate(v, "RIP", vmcb->rip);
    hvm_dump_translate(v, "RSP", vmcb->rsp);
}

/* Exits that do not change the guest's state (its event's delivery fails
 * at the same RIP, the same way, again and again) get it crashed, as Xen
 * crashes a domain whose fault it cannot deliver. Exits for interrupts and
 * the like are no evidence: the guest did not choose them. */
#define STUCK_LIMIT 1000

static bool made_progress(struct vcpu *v, uint32_t code)
{
    struct svm_vcpu *s = VCPU_SVM(v);
    struct vmcb *vmcb = s->vmcb;

    if (code == VMEXIT_INTR || code == VMEXIT_NMI || code == VMEXIT_SMI || code == VMEXIT_INIT ||
        code == VMEXIT_VINTR)
        return true;
    if (!(vmcb->exitintinfo & EVENTINJ_VALID)) {
        s->stuck_count = 0;
        return true;
    }
    if (s->stuck_count && s->stuck_code == code && s->stuck_rip == vmcb->rip &&
        s->stuck_info1 == vmcb->exitinfo1 && s->stuck_info2 == vmcb->exitinfo2 &&
        s->stuck_event == vmcb->exitintinfo)
        return ++s->stuck_count < STUCK_LIMIT;
    s->stuck_code = code;
    s->stuck_rip = vmcb->rip;
    s->stuck_info1 = vmcb->exitinfo1;
    s->stuck_info2 = vmcb->exitinfo2;
    s->stuck_event = vmcb->exitintinfo;
    s->stuck_count = 1;
    return true;
}

/* Handle one #VMEXIT. Returns false when the vCPU must leave the pCPU. */
static bool svm_handle_exit(struct vcpu *v)
{
    struct svm_vcpu *s = VCPU_SVM(v);
    struct vmcb *vmcb = s->vmcb;
    uint32_t code = (uint32_t)vmcb->exitcode;
    struct domain *d = v->domain;

    d->exits++;
    /* An event cut short by this exit is delivered again. */
    if ((vmcb->exitintinfo & EVENTINJ_VALID) && !(s->pending_event & EVENTINJ_VALID))
        s->pending_event = vmcb->exitintinfo;
    if (!made_progress(v, code)) {
        domain_crash(d, "no progress: exit %#x at RIP %#lx repeats while delivering event %#lx",
                     code, (unsigned long)vmcb->rip, (unsigned long)vmcb->exitintinfo);
        return false;
    }
    vmcb->exitintinfo = 0;

    switch (code) {
    case VMEXIT_INTR:
    case VMEXIT_NMI:
    case VMEXIT_SMI:
    case VMEXIT_INIT:
        return true; /* the host handled it at STGI */

    case VMEXIT_VINTR:
        vmcb->int_ctl &= ~(INT_CTL_V_IRQ | INT_CTL_V_INTR_PRIO(0xf) | INT_CTL_V_IGN_TPR);
        vmcb->intercepts1 &= ~INTERCEPT_VINTR;
        return true;

    case VMEXIT_CPUID: {
        uint32_t out[4];
        hvm_cpuid(v, (uint32_t)vmcb->rax, (uint32_t)s->gprs.rcx, out);
        vmcb->rax = out[0];
        s->gprs.rbx = out[1];
        s->gprs.rcx = out[2];
        s->gprs.rdx = out[3];
        return advance_rip(v, 2);
    }

    case VMEXIT_HLT:
        retire_insn(vmcb, vmcb->rip + 1);
        if (hvm_pending_interrupt(v) < 0)
            vcpu_block(v); /* the run loop waits or leaves */
        return true;

    case VMEXIT_CR0_WRITE: /* MOV to CR0, CLTS, LMSW */
    case VMEXIT_CR4_WRITE:
        hvm_emulate_one(v, false);
        return true;

    case VMEXIT_VMMCALL:
        retire_insn(vmcb, vmcb->rip + 3);
        if (hvm_hypercall(v))
            vmcb->rip -= 3; /* a continuation: the guest issues it again */
        return true;

    case VMEXIT_IOIO: {
        uint64_t info = vmcb->exitinfo1;
        uint16_t port = info >> 16;
        unsigned int bytes = (info >> 4) & 7;
        bool in = info & 1;
        uint32_t val = (uint32_t)vmcb->rax;

        if (info & 4) /* string I/O: the emulator does segments and REP */
        {
            hvm_emulate_one(v, false);
            return true;
        }
        if (hvm_io(v, port, bytes, in, &val) != X86EMUL_OKAY)
            return true; /* the domain was crashed */
        if (in) {
            uint64_t mask = bytes == 4 ? 0xffffffffULL : bytes == 2 ? 0xffff : 0xff;
            vmcb->rax = bytes == 4 ? val : (vmcb->rax & ~mask) | (val & mask);
        }
        retire_insn(vmcb, vmcb->exitinfo2);
        return true;
    }

    case VMEXIT_MSR: {
        uint32_t msr = (uint32_t)s->gprs.rcx;
        int rc;

        if (vmcb->exitinfo1) {
            rc = hvm_msr_write(v, msr, (uint32_t)vmcb->rax | (s->gprs.rdx << 32));
        } else {
            uint64_t val = 0;
            rc = hvm_msr_read(v, msr, &val);
            if (rc == X86EMUL_OKAY) {
                vmcb->rax = (uint32_t)val;
                s->gprs.rdx = val >> 32;
            }
        }
        if (rc == X86EMUL_EXCEPTION) {
            svm_inject_exception(v, 13, true, 0, 0);
            return true;
        }
        return advance_rip(v, 2);
    }

    case VMEXIT_NPF: {
        uint64_t gpa = vmcb->exitinfo2, ec = vmcb->exitinfo1;

        /* A write through a present, read-only nested entry (a read-only
         * grant mapping): the guest gets #GP, as Xen gives it. */
        if ((ec & 3) == 3) {
            svm_inject_exception(v, 13, true, 0, 0);
            return true;
        }
        if (gpa >> 12 < d->nr_pages && gfn_to_virt(d, gpa >> 12)) {
            domain_crash(d, "nested page fault on RAM gpa %#lx (error %#lx)", (unsigned long)gpa,
                         (unsigned long)ec);
            p2m_dump_walk(d, gpa >> 12);
            return false;
        }
        /* The CPU faulted delivering an event (its IDT, GDT or stack is not
         * RAM), not executing the instruction at RIP: there is nothing to
         * emulate, and the event can never be delivered. */
        if (s->pending_event & EVENTINJ_VALID) {
            domain_crash(d, "cannot deliver vector %u: gpa %#lx has no RAM (RIP %#lx RSP %#lx)",
                         (unsigned int)(s->pending_event & 0xff), (unsigned long)gpa,
                         (unsigned long)vmcb->rip, (unsigned long)vmcb->rsp);
            return false;
        }
        hvm_emulate_one(v, false);
        return true;
    }

    case VMEXIT_EXCEPTION_BASE + 6: /* #UD: maybe the forced-emulation prefix */
        if (hvm_emulate_one(v, true) < 0)
            svm_inject_exception(v, 6, false, 0, 0);
        return true;

    case VMEXIT_EXCEPTION_BASE + 14: { /* debug_pf_check */
        uint64_t gpa;
        uint32_t pfec, ec = (uint32_t)vmcb->exitinfo1;

        if (!(ec & 1) && !hvm_translate(v, vmcb->exitinfo2, ec & 2, &gpa, &pfec)) {
            printk(XENLOG_ERR "d%u v%u: spurious #PF at RIP %#lx: address %#lx (error %#x) is "
                              "present in its tables (gpa %#lx)\n",
                   d->domain_id, v->vcpu_id, (unsigned long)vmcb->rip,
                   (unsigned long)vmcb->exitinfo2, ec, (unsigned long)gpa);
            svm_dump(v);
            hvm_dump_translate(v, "CR2", vmcb->exitinfo2);
        }
        svm_inject_exception(v, 14, true, ec, vmcb->exitinfo2);
        return true;
    }

    case VMEXIT_EXCEPTION_BASE + 18:
        domain_crash(d, "machine check in the guest");
        return false;

    case VMEXIT_INVD:
        return advance_rip(v, 2);

    case VMEXIT_INVLPGA: /* would flush another guest's ASID */
    case VMEXIT_VMRUN:
    case VMEXIT_VMLOAD:
    case VMEXIT_VMSAVE:
    case VMEXIT_STGI:
    case VMEXIT_CLGI:
    case VMEXIT_SKINIT:
    case VMEXIT_MONITOR:
    case VMEXIT_MWAIT:
    case VMEXIT_XSETBV:
        svm_inject_exception(v, 6, false, 0, 0); /* not offered to guests */
        return true;

    case VMEXIT_SHUTDOWN:
        domain_crash(d, "triple fault at RIP %#lx", (unsigned long)vmcb->rip);
        return false;

    case VMEXIT_TASK_SWITCH:
        domain_crash(d, "hardware task switch (not supported)");
        return false;

    case VMEXIT_INVALID:
        domain_crash(d, "invalid guest state (VMRUN refused the VMCB): CR0 %#lx CR4 %#lx EFER %#lx",
                     (unsigned long)vmcb->cr0, (unsigned long)vmcb->cr4, (unsigned long)vmcb->efer);
        return false;

    default:
        domain_crash(d, "unexpected #VMEXIT code %#x at RIP %#lx", code, (unsigned long)vmcb->rip);
        return false;
    }
}

/* Handle one #VMEXIT, accounting the hypervisor time it takes. */
static bool svm_handle_exit_timed(struct vcpu *v)
{
    struct svm_vcpu *sv = VCPU_SVM(v);
    struct vmcb *vmcb = sv->vmcb;
    struct cpu_info *ci = this_cpu();
    struct exit_time_sample s = {
        .code = (uint32_t)vmcb->exitcode,
        .detail = (uint32_t)vmcb->exitcode == VMEXIT_VMMCALL ? vmcb->rax : vmcb->exitinfo1,
        .arg = sv->gprs.rdi, /* a 64-bit guest's first hypercall argument */
        .domid = (uint16_t)v->domain->domain_id,
        .vcpu = (uint16_t)v->vcpu_id,
    };
    uint64_t irqs = ci->irq_count, irq_cycles = ci->irq_cycles, spin = ci->spin_cycles;
    uint64_t t0;
    bool stay;

    ci->spin_max = 0;
    ci->spin_max_lock = ci->spin_max_from = NULL;
    t0 = rdtsc();
    stay = svm_handle_exit(v);

    s.cycles = rdtsc() - t0;
    s.irqs = (uint32_t)(ci->irq_count - irqs);
    s.irq_cycles = ci->irq_cycles - irq_cycles;
    s.spin_cycles = ci->spin_cycles - spin;
    s.wait_lock = ci->spin_max_lock;
    s.wait_from = ci->spin_max_from;
    exit_time_record(&s);
    exit_time_check(v->domain, &s);
    return stay;
}

/* Make a pending interrupt deliverable: inject it now if the guest can
 * take it, else ask for an exit when its interrupt window opens. */
static void svm_prepare_events(struct vcpu *v)
{
    struct svm_vcpu *s = VCPU_SVM(v);
    struct vmcb *vmcb = s->vmcb;
    int vec;

    if (s->pending_event & EVENTINJ_VALID)
        return;
    vec = hvm_pending_interrupt(v);
    if (vec < 0)
        return;
    if (!svm_interrupt_blocked(v)) {
        s->pending_event = EVENTINJ_VALID | EVENTINJ_TYPE_INTR | (uint8_t)vec;
        hvm_interrupt_delivered(v, vec);
    } else if (!(vmcb->intercepts1 & INTERCEPT_VINTR)) {
        vmcb->int_ctl |= INT_CTL_V_IRQ | INT_CTL_V_INTR_PRIO(0xf) | INT_CTL_V_IGN_TPR;
        vmcb->intercepts1 |= INTERCEPT_VINTR;
    }
}

static void fpu_switch_in(struct vcpu *v)
{
    if (!v->fpu_initialised) {
        memset(v->fpu_area, 0, sizeof(v->fpu_area));
        ((uint16_t *)v->fpu_area)[0] = 0x37f;  /* FCW */
        ((uint32_t *)v->fpu_area)[6] = 0x1f80; /* MXCSR */
        v->fpu_initialised = true;
    }
    asm volatile("fxrstor64 %0" : : "m"(*(char(*)[512])v->fpu_area));
}

static void fpu_switch_out(struct vcpu *v)
{
    asm volatile("fxsave64 %0" : "=m"(*(char(*)[512])v->fpu_area));
}

/* Right before VMRUN: the vCPU's ASID on this pCPU, and the flush its
 * entry needs (asid.c). need_flush comes from other pCPUs too (p2m
 * changes), which then kick the vCPU, so it is read at every entry. */
static void svm_asid_enter(struct svm_vcpu *s, struct svm_cpu *sc)
{
    uint64_t taken = sc->asid.taken;

    if (__atomic_exchange_n(&s->need_flush, false, __ATOMIC_ACQ_REL))
        hvm_asid_flush_vcpu(&s->asid);
    s->vmcb->tlb_control = hvm_asid_vmenter(&sc->asid, smp_processor_id(), &s->asid);
    s->vmcb->asid = s->asid.asid;
    s->asid_stats.taken += sc->asid.taken - taken;
    s->asid_stats.flushes += s->vmcb->tlb_control == TLB_CTRL_FLUSH_ALL;
}

/* A VMCB that holds the host's own RIP and CR3 was overwritten with host
 * state (its page was also some CPU's host save area, or the CPU loaded the
 * host's state as the guest's). A guest could pick such a state itself, so
 * only that guest goes; the report names it loudly. */
static bool host_state_in_vmcb(const struct vmcb *vmcb)
{
    extern char __image_start[], __image_end[];

    return vmcb->rip >= (unsigned long)__image_start && vmcb->rip < (unsigned long)__image_end &&
           vmcb->cr3 == read_cr3();
}

/* The control fields the vCPU was set up with (svm_vcpu_initialise), as
 * they must be at every entry, and the permission bytes that keep the
 * guest's hands off EFER and the SVM MSRs (VM_CR .. VM_HSAVE_PA): a guest
 * that could write VM_HSAVE_PA would move the CPU's host save area. Only
 * the VINTR intercept changes while a vCPU lives. EFER is the low two bits
 * of its byte (STAR, LSTAR and CSTAR share it and pass through); VM_CR,
 * IGNNE, SMM_CTL and VM_HSAVE_PA fill theirs. */
static bool vmcb_control_intact(struct vcpu *v)
{
    const struct vmcb *vmcb = VCPU_SVM(v)->vmcb;
    const typeof(VCPU_SVM(v)->want_intercepts) *want = &VCPU_SVM(v)->want_intercepts;
    const char *what = NULL;

    if (vmcb->cr_intercepts != want->cr || vmcb->dr_intercepts ||
        vmcb->exc_intercepts != want->exc || (vmcb->intercepts1 & ~INTERCEPT_VINTR) != want->i1 ||
        vmcb->intercepts2 != want->i2)
        what = "intercepts";
    else if (vmcb->iopm_base_pa != iopm_pa || vmcb->msrpm_base_pa != msrpm_pa)
        what = "permission map addresses";
    else if (vmcb->np_enable != 1 || vmcb->n_cr3 != v->domain->npt_root)
        what = "nested paging";
    else if ((msrpm[0x800 + 0x80 / 4] & 3) != 3 || msrpm[0x1000 + 0x114 / 4] != 0xff)
        what = "MSR permission map (EFER or the SVM MSRs)";
    if (!what)
        return true;
    domain_crash(v->domain,
                 "vCPU%u: its VMCB's %s changed (intercepts %#x %#x cr %#x exc %#x, "
                 "msrpm %#lx iopm %#lx, nested %lu %#lx)",
                 v->vcpu_id, what, vmcb->intercepts1, vmcb->intercepts2, vmcb->cr_intercepts,
                 vmcb->exc_intercepts, (unsigned long)vmcb->msrpm_base_pa,
                 (unsigned long)vmcb->iopm_base_pa, (unsigned long)vmcb->np_enable,
                 (unsigned long)vmcb->n_cr3);
    return false;
}

/* VMRUN stores the host's state at VM_HSAVE_PA and takes the guest's from
 * the VMCB: were they one page, the guest would run the host's state (and
 * the host resume with the guest's). Seen once in a fuzzer boot and not yet
 * explained, so it is checked before every entry: the MSR is put back if
 * something changed it, and a vCPU whose VMCB is the host save area does not
 * run (its domain crashes with the figures). */
/* Who had the frames a VMCB and the host save areas live in: a VMCB that
 * is also a host save area was freed by one owner while it was in use. */
static void print_save_area(const char *what, const struct vmcb *a)
{
    printk("    %s: RIP %#lx RSP %#lx CR3 %#lx EFER %#lx CS %#x GDTR %#lx IDTR %#lx\n", what,
           (unsigned long)a->rip, (unsigned long)a->rsp, (unsigned long)a->cr3,
           (unsigned long)a->efer, a->cs.sel, (unsigned long)a->gdtr.base,
           (unsigned long)a->idtr.base);
}

static void print_host_save_frames(const struct svm_vcpu *s)
{
    page_print("its VMCB", s->vmcb_pa >> PAGE_SHIFT);
    print_save_area("its VMCB's state", s->vmcb);
    printk("    this CPU%u's VM_HSAVE_PA now %#lx\n", smp_processor_id(),
           (unsigned long)rdmsr(MSR_VM_HSAVE_PA));
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (svm_cpus[c].hsave) {
            char what[32];

            snprintf(what, sizeof(what), "CPU%u's host save area", c);
            page_print(what, __pa(svm_cpus[c].hsave) >> PAGE_SHIFT);
            print_save_area("  its state", svm_cpus[c].hsave);
        }
}

static bool host_save_intact(struct vcpu *v, struct svm_cpu *sc)
{
    uint64_t hsave = rdmsr(MSR_VM_HSAVE_PA), want = __pa(sc->hsave);

    if (hsave != want) {
        printk(XENLOG_ERR "CPU%u: VM_HSAVE_PA was %#lx, not %#lx (d%u v%u next): restored\n",
               smp_processor_id(), (unsigned long)hsave, (unsigned long)want, v->domain->domain_id,
               v->vcpu_id);
        wrmsr(MSR_VM_HSAVE_PA, want);
    }
    if (VCPU_SVM(v)->vmcb_pa == want || VCPU_SVM(v)->vmcb_pa == hsave) {
        domain_crash(v->domain, "vCPU%u: its VMCB %#lx is CPU%u's host save area (%#lx)",
                     v->vcpu_id, (unsigned long)VCPU_SVM(v)->vmcb_pa, smp_processor_id(),
                     (unsigned long)hsave);
        print_host_save_frames(VCPU_SVM(v));
        return false;
    }
    return true;
}

static void svm_vcpu_run(struct vcpu *v)
{
    struct svm_vcpu *s = VCPU_SVM(v);
    struct svm_cpu *sc = &svm_cpus[smp_processor_id()];
    struct cpu_info *ci = this_cpu();
    unsigned int other = 0;
    uint64_t injected;

    if (!__atomic_compare_exchange_n(&s->run_cpu, &other, smp_processor_id() + 1, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        panic("d%u v%u: CPU%u enters it while CPU%u runs it", v->domain->domain_id, v->vcpu_id,
              smp_processor_id(), other - 1);
    fpu_switch_in(v);
    dr_switch_in(s);
    /* Branch predictions another domain trained must not steer this one. */
    if (sc->last_domain != v->domain) {
        spec_ctrl_ibpb();
        sc->last_domain = v->domain;
    }
    s->asid_stats.runs++;

    for (;;) {
        /* Interrupts stay off from these checks to VMRUN (the entry code
         * sets IF only once GIF is clear), so an interrupt that arrives
         * meanwhile makes the guest exit at once instead of waiting. */
        local_irq_disable();
        if (v->blocked && !v->kick && !ci->softirq_pending)
            sched_wait_in_place(v);
        if (v->kick || ci->softirq_pending || v->blocked || v->pause ||
            v->domain->state != DOMSTATE_RUNNING) {
            local_irq_enable();
            break;
        }
        svm_prepare_events(v);
        s->vmcb->eventinj = s->pending_event;
        s->pending_event = 0;
        svm_asid_enter(s, sc);
        if (!host_save_intact(v, sc) || !vmcb_control_intact(v)) {
            local_irq_enable();
            break;
        }
        /* The host's state in the VMCB before the entry: written while
         * the vCPU was out of the guest, by this pCPU or another one. */
        if (host_state_in_vmcb(s->vmcb)) {
            local_irq_enable();
            domain_crash(v->domain,
                         "vCPU%u: the host's RIP %#lx and CR3 are in its VMCB before its entry "
                         "on CPU%u (%s since its last exit)",
                         v->vcpu_id, (unsigned long)s->vmcb->rip, smp_processor_id(),
                         s->handled ? "handled" : "not handled");
            print_host_save_frames(s);
            break;
        }
        injected = s->vmcb->eventinj; /* the CPU clears it at the exit */
        svm_vmrun(&s->gprs, s->vmcb_pa, sc->host_save_pa);
        record_exit(s, injected);
        if (host_state_in_vmcb(s->vmcb)) {
            domain_crash(v->domain,
                         "vCPU%u exited with the host's RIP and CR3 in its VMCB (exit %#lx)",
                         v->vcpu_id, (unsigned long)s->vmcb->exitcode);
            print_host_save_frames(s);
            break;
        }
        s->handled = false;
        if (!svm_handle_exit_timed(v))
            break;
        s->handled = true;
    }
    v->kick = false;
    dr_switch_out(s);
    fpu_switch_out(v);
    __atomic_store_n(&s->run_cpu, 0, __ATOMIC_RELEASE);
}

/* Flush every vCPU of d before it next enters the guest (nested tables
 * changed); running ones are kicked out so that they re-enter. */
void hvm_flush_guest_tlbs(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];

        if (!v || !v->arch_hvm)
            continue;
        VCPU_SVM(v)->need_flush = true;
        if (v->running)
            vcpu_kick(v);
    }
}

/* Load a complete start state into a vCPU that is not running
 * (VCPUOP_initialise). Combinations VMRUN would refuse are -EINVAL. */
int arch_vcpu_set_hvm_context(struct vcpu *v, const struct x86_regs *r, uint64_t cr3)
{
    struct svm_vcpu *s = VCPU_SVM(v);
    struct vmcb *vmcb = s->vmcb;
    uint64_t efer = r->efer & ~EFER_LMA;

    if ((r->cr0 & X86_CR0_PG) && !(r->cr0 & X86_CR0_PE))
        return -EINVAL;
    if ((r->cr0 & X86_CR0_NW) && !(r->cr0 & X86_CR0_CD))
        return -EINVAL;
    if ((efer & EFER_LME) && (r->cr0 & X86_CR0_PG)) {
        if (!(r->cr4 & X86_CR4_PAE))
            return -EINVAL;
        efer |= EFER_LMA;
    }
    if (efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
        return -EINVAL;
    svm_set_regs(v, r);
    /* Nothing of the previous context's event delivery survives: an event
     * cut short before the vCPU went down would hit the new context. */
    s->pending_event = 0;
    s->stuck_count = 0;
    vmcb->eventinj = 0;
    vmcb->exitintinfo = 0;
    vmcb->int_state = 0;
    vmcb->int_ctl &= ~(INT_CTL_V_IRQ | INT_CTL_V_INTR_PRIO(0xf) | INT_CTL_V_IGN_TPR);
    vmcb->intercepts1 &= ~INTERCEPT_VINTR;
    from_x86_seg(&vmcb->cs, &r->seg[x86_seg_cs]);
    from_x86_seg(&vmcb->tr, &r->seg[x86_seg_tr]);
    vmcb->cr0 = r->cr0 | X86_CR0_ET;
    vmcb->cr3 = cr3;
    vmcb->cr4 = r->cr4;
    vmcb->efer = efer | EFER_SVME;
    vmcb->cpl = r->cpl;
    s->need_flush = true;
    return 0;
}

static const struct hvm_function_table svm_function_table = {
    .name = "SVM",
    .cpu_up = svm_cpu_up,
    .vcpu_initialise = svm_vcpu_initialise,
    .vcpu_destroy = svm_vcpu_destroy,
    .vcpu_set_entry = svm_vcpu_set_entry,
    .vcpu_run = svm_vcpu_run,
    .get_regs = svm_get_regs,
    .set_regs = svm_set_regs,
    .inject_exception = svm_inject_exception,
    .inject_interrupt = svm_inject_interrupt,
    .interrupt_blocked = svm_interrupt_blocked,
    .get_cr3 = svm_get_cr3,
    .tsc_offset = svm_tsc_offset,
    .set_efer = svm_set_efer,
    .get_reg = svm_get_reg,
    .set_reg = svm_set_reg,
    .dump = svm_dump,
    .set_cr = svm_set_cr,
    .msr_read = svm_msr_read,
    .msr_write = svm_msr_write,
};

/*
 * QEMU's TCG (at least 7.2 up to its current sources) keeps the SVM state
 * of a CPU (guest mode's nested paging, GIF, the virtual interrupt mask) in
 * one flags word, and every CPU's x87 state load (FXRSTOR, XRSTOR, FRSTOR,
 * FLDENV with no pending x87 exception) clears a bit of that word in the
 * first CPU's copy with an unlocked read-modify-write from its own thread.
 * When that meets a VMRUN or #VMEXIT on pCPU 0, one side's update is lost:
 * measured here as a guest run without nested paging (its CR3 walked as a
 * host address: a #PF, then a triple fault) and as a host that kept nested
 * paging after the exit (its first fetch faulted, and the second #VMEXIT
 * wrote the host's own state over the guest's). Guests therefore stay off
 * pCPU 0 there; on hardware nothing changes.
 */
bool arch_cpu0_unfit_for_guests(const char **why)
{
    uint32_t a, b, c, d;

    cpuid(0x40000000, &a, &b, &c, &d);
    /* "TCGTCGTCGTCG": QEMU's software emulator */
    if (b == 0x54474354 && c == 0x43544743 && d == 0x47435447) {
        *why = "QEMU's TCG loses pCPU 0's SVM flags to other CPUs' x87 loads";
        return true;
    }
    return false;
}

const struct hvm_function_table *start_svm(void)
{
    if (!(cpuid_ecx(0x80000001) & (1u << 2)))
        return NULL;
    return &svm_function_table;
}

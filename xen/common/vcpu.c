/* vcpu_op: bringing a domain's other vCPUs up and down, their start state
 * (VCPUOP_initialise with an HVM context), runstate information, and the
 * per-vCPU periodic and single-shot timers (both send VIRQ_TIMER).
 *
 * As in Xen: a vCPU id that names no vCPU of the domain gives -ENOENT
 * before the sub-op is looked at; vCPU 0 is initialised by the domain
 * build, the others by VCPUOP_initialise (a second one gives -EEXIST) and
 * VCPUOP_up of a vCPU never initialised gives -EINVAL. */
#include <xen/event.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <asm/hvm/hvm.h>
#include <asm/config.h>
#include <asm/processor.h>
#include <public/vcpu.h>

#ifndef ETIME
#define ETIME 62
#endif

static DEFINE_SPINLOCK(vcpu_op_lock);

_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context layout");
_Static_assert(sizeof(struct compat_vcpu_runstate_info) == 44, "compat runstate layout");
_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "runstate layout");

/* Whether v has a start state (vCPU 0 from the build, the others from
 * VCPUOP_initialise); the build clears it for each incarnation. */
static bool vcpu_initialised(const struct vcpu *v)
{
    return v->vcpu_id == 0 || v->initialised;
}

static void vcpu_set_initialised(struct vcpu *v)
{
    v->initialised = true;
}

/* Segment attributes in the VMCB form: type 0-3, S 4, DPL 5-6, P 7, AVL 8,
 * L 9, D/B 10, G 11. */
#define AR_TYPE(a) ((a)&0xf)
#define AR_S       (1u << 4)
#define AR_P       (1u << 7)
#define AR_L       (1u << 9)
#define AR_DB      (1u << 10)

static int check_code_seg(uint16_t ar)
{
    if (!(ar & AR_P) || !(ar & AR_S) || !(AR_TYPE(ar) & 8))
        return -EINVAL;
    return 0;
}

/* Data segments may be unusable (attributes 0); else present, writable data
 * (SS) or readable data/code (the others). */
static int check_data_seg(uint16_t ar, bool stack)
{
    if (!ar)
        return stack ? -EINVAL : 0;
    if (!(ar & AR_P) || !(ar & AR_S))
        return -EINVAL;
    if (stack && (AR_TYPE(ar) & 0xa) != 2)
        return -EINVAL;
    if (!stack && (AR_TYPE(ar) & 0xa) == 8)
        return -EINVAL; /* execute-only code */
    return 0;
}

static void set_seg(struct x86_segment *s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t ar)
{
    s->sel = sel;
    s->base = base;
    s->limit = limit;
    s->attr = ar;
}

/* The guest's context -> registers, checked as Xen checks them. */
static int hvm_context_to_regs(const struct vcpu_hvm_context *c, struct x86_regs *r, uint64_t *cr3)
{
    memset(r, 0, sizeof(*r));
    if (c->mode == VCPU_HVM_MODE_32B) {
        const struct vcpu_hvm_x86_32 *x = &c->cpu_regs.x86_32;

        if (check_code_seg(x->cs_ar) || (x->cs_ar & AR_L) || check_data_seg(x->ss_ar, true) ||
            check_data_seg(x->ds_ar, false) || check_data_seg(x->es_ar, false))
            return -EINVAL;
        if (x->tr_ar && (!(x->tr_ar & AR_P) || (x->tr_ar & AR_S) ||
                         (AR_TYPE(x->tr_ar) != 3 && AR_TYPE(x->tr_ar) != 0xb)))
            return -EINVAL;
        if ((x->cr0 & X86_CR0_PG) && !(x->cr0 & X86_CR0_PE))
            return -EINVAL;
        if (x->efer & EFER_LMA)
            return -EINVAL; /* no long mode in a 32-bit context */
        r->gpr[X86_RAX] = x->eax, r->gpr[X86_RCX] = x->ecx, r->gpr[X86_RDX] = x->edx;
        r->gpr[X86_RBX] = x->ebx, r->gpr[X86_RSP] = x->esp, r->gpr[X86_RBP] = x->ebp;
        r->gpr[X86_RSI] = x->esi, r->gpr[X86_RDI] = x->edi;
        r->rip = x->eip;
        r->rflags = x->eflags | 2;
        r->cr0 = x->cr0;
        r->cr4 = x->cr4;
        r->efer = x->efer;
        *cr3 = x->cr3;
        set_seg(&r->seg[x86_seg_cs], 0x08, x->cs_base, x->cs_limit, x->cs_ar);
        set_seg(&r->seg[x86_seg_ds], 0x10, x->ds_base, x->ds_limit, x->ds_ar);
        set_seg(&r->seg[x86_seg_es], 0x10, x->es_base, x->es_limit, x->es_ar);
        set_seg(&r->seg[x86_seg_ss], 0x10, x->ss_base, x->ss_limit, x->ss_ar);
        set_seg(&r->seg[x86_seg_fs], 0x10, x->ds_base, x->ds_limit, x->ds_ar);
        set_seg(&r->seg[x86_seg_gs], 0x10, x->ds_base, x->ds_limit, x->ds_ar);
        set_seg(&r->seg[x86_seg_tr], 0x18, x->tr_base, x->tr_limit, x->tr_ar ? x->tr_ar : 0x8b);
        return 0;
    }
    if (c->mode == VCPU_HVM_MODE_64B) {
        const struct vcpu_hvm_x86_64 *x = &c->cpu_regs.x86_64;

        /* Long mode needs paging, PAE and LME; the rest is flat. */
        if (!(x->cr0 & X86_CR0_PG) || !(x->cr0 & X86_CR0_PE) || !(x->cr4 & X86_CR4_PAE) ||
            !(x->efer & EFER_LME))
            return -EINVAL;
        if (x->rip >> 47 && x->rip >> 47 != 0x1ffff)
            return -EINVAL; /* not canonical */
        r->gpr[X86_RAX] = x->rax, r->gpr[X86_RCX] = x->rcx, r->gpr[X86_RDX] = x->rdx;
        r->gpr[X86_RBX] = x->rbx, r->gpr[X86_RSP] = x->rsp, r->gpr[X86_RBP] = x->rbp;
        r->gpr[X86_RSI] = x->rsi, r->gpr[X86_RDI] = x->rdi;
        r->rip = x->rip;
        r->rflags = x->rflags | 2;
        r->cr0 = x->cr0;
        r->cr4 = x->cr4;
        r->efer = x->efer | EFER_LMA;
        *cr3 = x->cr3;
        set_seg(&r->seg[x86_seg_cs], 0x08, 0, 0xffffffff, 0xa9b);
        for (unsigned int s = x86_seg_es; s < x86_seg_nr; s++)
            if (s != x86_seg_cs && s != x86_seg_tr)
                set_seg(&r->seg[s], 0x10, 0, 0xffffffff, 0xc93);
        set_seg(&r->seg[x86_seg_tr], 0x18, 0, 0x67, 0x8b);
        return 0;
    }
    return -EINVAL;
}

static long vcpu_initialise(struct vcpu *caller, struct vcpu *v, unsigned long arg)
{
    struct vcpu_hvm_context ctx;
    struct x86_regs r;
    uint64_t cr3 = 0;
    unsigned long flags;
    long rc;

    if (copy_from_guest(caller, &ctx, arg, sizeof(ctx)))
        return -EFAULT;
    rc = hvm_context_to_regs(&ctx, &r, &cr3);
    if (rc)
        return rc;
    flags = spin_lock_irqsave(&vcpu_op_lock);
    if (vcpu_initialised(v))
        rc = -EEXIST;
    else if (v->up || v->running)
        rc = -EBUSY;
    else if (!(rc = arch_vcpu_set_hvm_context(v, &r, cr3)))
        vcpu_set_initialised(v);
    spin_unlock_irqrestore(&vcpu_op_lock, flags);
    return rc;
}

/* INIT, as on hardware and Xen: the vCPU stops (as VCPUOP_down) and
 * waits for a Start-up IPI. */
void vcpu_init_ipi(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&vcpu_op_lock);
    bool was_up = v->up;

    v->wait_for_sipi = true;
    v->up = false;
    spin_unlock_irqrestore(&vcpu_op_lock, flags);
    if (was_up)
        vcpu_kick(v);
}

/* Start-up: a vCPU waiting since INIT starts in real mode at vector:0000
 * (CS = vector << 8); a Start-up IPI at any other time is ignored. */
void vcpu_sipi(struct vcpu *v, unsigned int vector)
{
    struct x86_regs r;
    unsigned long flags = spin_lock_irqsave(&vcpu_op_lock);
    bool start = v->wait_for_sipi && !v->up && !v->running;

    if (start) {
        memset(&r, 0, sizeof(r));
        r.rflags = 2;
        r.cr0 = X86_CR0_ET;
        set_seg(&r.seg[x86_seg_cs], vector << 8, vector << 12, 0xffff, 0x9b);
        for (unsigned int s = x86_seg_es; s < x86_seg_nr; s++)
            if (s != x86_seg_cs && s != x86_seg_tr)
                set_seg(&r.seg[s], 0, 0, 0xffff, 0x93);
        set_seg(&r.seg[x86_seg_tr], 0, 0, 0xffff, 0x8b);
        start = !arch_vcpu_set_hvm_context(v, &r, 0);
    }
    if (start) {
        v->wait_for_sipi = false;
        vcpu_set_initialised(v);
        v->up = true;
    }
    spin_unlock_irqrestore(&vcpu_op_lock, flags);
    if (start)
        vcpu_wake(v);
}

static void runstate_snapshot(const struct vcpu *v, struct vcpu_runstate_info *ri)
{
    s_time_t now = NOW();

    memset(ri, 0, sizeof(*ri));
    ri->state = v->runstate;
    ri->state_entry_time = v->runstate_entry;
    for (unsigned int i = 0; i < 4; i++)
        ri->time[i] = v->runstate_time[i];
    if (now > v->runstate_entry && v->runstate < 4)
        ri->time[v->runstate] += now - v->runstate_entry;
}

static long get_runstate_info(struct vcpu *caller, struct vcpu *v, unsigned long arg, bool compat)
{
    struct vcpu_runstate_info ri;

    runstate_snapshot(v, &ri);
    if (compat) {
        struct compat_vcpu_runstate_info cri;

        cri.state = ri.state;
        cri.state_entry_time = ri.state_entry_time;
        memcpy(cri.time, ri.time, sizeof(cri.time));
        return copy_to_guest(caller, arg, &cri, sizeof(cri)) ? -EFAULT : 0;
    }
    return copy_to_guest(caller, arg, &ri, sizeof(ri)) ? -EFAULT : 0;
}

void vcpu_runstate_area_update(struct vcpu *v)
{
    struct vcpu_runstate_info ri;

    if (!v->runstate_guest)
        return;
    runstate_snapshot(v, &ri);
    if (v->runstate_compat) {
        struct compat_vcpu_runstate_info cri;

        cri.state = ri.state;
        cri.state_entry_time = ri.state_entry_time;
        memcpy(cri.time, ri.time, sizeof(cri.time));
        copy_to_guest(v, v->runstate_guest, &cri, sizeof(cri));
    } else
        copy_to_guest(v, v->runstate_guest, &ri, sizeof(ri));
}

/* As Xen: the address is the guest's virtual address, used through the
 * vCPU's own page tables whenever the area is refreshed (a bad one is
 * skipped then, not refused now); 0 unregisters. */
static long register_runstate_area(struct vcpu *caller, struct vcpu *v, unsigned long arg,
                                   bool compat)
{
    uint64_t addr;

    if (copy_from_guest(caller, &addr, arg, compat ? 4 : 8))
        return -EFAULT;
    if (compat)
        addr = (uint32_t)addr;
    v->runstate_compat = compat;
    v->runstate_guest = addr;
    if (v == caller)
        vcpu_runstate_area_update(v);
    return 0;
}

static bool domain_live(const struct domain *d)
{
    return d->state == DOMSTATE_RUNNING;
}

void vcpu_singleshot_expired(void *data)
{
    struct vcpu *v = data;

    if (!domain_live(v->domain))
        return;
    send_timer_virq(v);
    vcpu_wake(v);
}

/* Periodic: re-arm from the previous deadline so the period does not drift,
 * but never into the past (a vCPU that was away gets one tick, not many). */
/* v->periodic_lock serialises a periodic timer's expiry with its stop, so
 * that no event arrives after VCPUOP_stop_periodic_timer has returned. */
void vcpu_periodic_expired(void *data)
{
    struct vcpu *v = data;
    unsigned long flags = spin_lock_irqsave(&v->periodic_lock);
    s_time_t period = v->periodic_period, next;

    if (!domain_live(v->domain) || !period) {
        spin_unlock_irqrestore(&v->periodic_lock, flags);
        return;
    }
    next = v->periodic_timer.expires + period;
    if (next <= NOW())
        next = NOW() + period;
    set_timer(&v->periodic_timer, next);
    send_timer_virq(v);
    spin_unlock_irqrestore(&v->periodic_lock, flags);
    vcpu_wake(v);
}

#define PERIOD_MIN MILLISECS(1)
#define PERIOD_MAX SECONDS(3600)

static long set_periodic_timer(struct vcpu *caller, struct vcpu *v, unsigned long arg)
{
    struct vcpu_set_periodic_timer p;
    unsigned long flags;

    if (copy_from_guest(caller, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.period_ns < PERIOD_MIN || p.period_ns > PERIOD_MAX)
        return -EINVAL;
    flags = spin_lock_irqsave(&v->periodic_lock);
    v->periodic_period = p.period_ns;
    migrate_timer(&v->periodic_timer, v->processor);
    set_timer(&v->periodic_timer, NOW() + p.period_ns);
    spin_unlock_irqrestore(&v->periodic_lock, flags);
    return 0;
}

static long set_singleshot_timer(struct vcpu *caller, struct vcpu *v, unsigned long arg)
{
    struct vcpu_set_singleshot_timer s;

    if (v != caller)
        return -EINVAL;
    if (copy_from_guest(caller, &s, arg, sizeof(s)))
        return -EFAULT;
    if ((s.flags & VCPU_SSHOTTMR_future) && (s_time_t)s.timeout_abs_ns < NOW())
        return -ETIME;
    migrate_timer(&v->singleshot_timer, v->processor);
    set_timer(&v->singleshot_timer, (s_time_t)s.timeout_abs_ns);
    return 0;
}

void *vcpu_info_ptr(struct vcpu *v)
{
    struct domain *d = v->domain;
    uint8_t *page;

    /* Acquire: the place is written before the flag (evtchn_move_vcpu_info). */
    if (__atomic_load_n(&v->vcpu_info_registered, __ATOMIC_ACQUIRE)) {
        page = gfn_to_virt(d, v->vcpu_info_gfn);
        return page ? page + v->vcpu_info_offset : NULL;
    }
    if (!d->shared_info || v->vcpu_id >= XEN_LEGACY_MAX_VCPUS)
        return NULL;
    return (uint8_t *)d->shared_info + 64 * v->vcpu_id;
}

/* Xen's rules: the area lies within one page and is aligned as the
 * guest's xen_ulong_t (-ENXIO); it is registered once per vCPU (-EINVAL),
 * by the vCPU itself or for a vCPU that is down (-EINVAL); the frame must
 * be the domain's RAM (-EINVAL). */
static long register_vcpu_info(struct vcpu *caller, struct vcpu *v, unsigned long arg, bool compat)
{
    struct vcpu_register_vcpu_info info;
    unsigned int align = compat ? 4 : 8;
    unsigned long flags;
    long rc = 0;

    if (copy_from_guest(caller, &info, arg, sizeof(info)))
        return -EFAULT;
    if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (info.offset & (align - 1)))
        return -ENXIO;
    if (info.mfn >= (1ull << (64 - PAGE_SHIFT)))
        return -EINVAL; /* the address would not fit */
    flags = spin_lock_irqsave(&vcpu_op_lock);
    if (v->vcpu_info_registered)
        rc = -EINVAL;
    else if (v != caller && v->up)
        rc = -EINVAL;
    else if (!gfn_to_virt(v->domain, info.mfn))
        rc = -EINVAL;
    if (!rc)
        evtchn_move_vcpu_info(v, info.mfn, info.offset);
    spin_unlock_irqrestore(&vcpu_op_lock, flags);
    return rc;
}

long do_vcpu_op(struct vcpu *caller, const unsigned long *args, bool compat)
{
    unsigned long cmd = args[0], vcpuid = args[1], arg = args[2];
    struct domain *d = caller->domain;
    struct vcpu *v;

    /* Xen's vcpuid is an unsigned int: ids wider than that name no vCPU. */
    if (vcpuid >= d->nr_vcpus || !(v = d->vcpus[vcpuid]))
        return -ENOENT;

    switch (cmd) {
    case VCPUOP_initialise:
        return vcpu_initialise(caller, v, arg);
    case VCPUOP_up:
        if (!vcpu_initialised(v))
            return -EINVAL;
        if (!v->up) {
            v->up = true;
            vcpu_wake(v);
        }
        return 0;
    case VCPUOP_down:
        if (v->up) {
            v->up = false;
            vcpu_kick(v);
        }
        return 0;
    case VCPUOP_is_up:
        return v->up;
    case VCPUOP_get_runstate_info:
        return get_runstate_info(caller, v, arg, compat);
    case VCPUOP_set_periodic_timer:
        return set_periodic_timer(caller, v, arg);
    case VCPUOP_stop_periodic_timer: {
        unsigned long flags = spin_lock_irqsave(&v->periodic_lock);

        v->periodic_period = 0;
        stop_timer(&v->periodic_timer);
        spin_unlock_irqrestore(&v->periodic_lock, flags);
        return 0;
    }
    case VCPUOP_set_singleshot_timer:
        return set_singleshot_timer(caller, v, arg);
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(caller, v, arg, compat);
    case VCPUOP_register_runstate_memory_area:
        return register_runstate_area(caller, v, arg, compat);
    case VCPUOP_stop_singleshot_timer:
        if (v != caller)
            return -EINVAL;
        stop_timer(&v->singleshot_timer);
        return 0;
    }
    return -ENOSYS;
}

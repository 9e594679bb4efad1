/* Hypercall dispatch, and the small hypercalls: xen_version, console_io,
 * sched_op, set_timer_op, hvm_op parameters and vm_assist. Larger ones live
 * in their own files (event_channel.c, grant_table.c, memory.c, vcpu.c,
 * sysctl.c, domctl.c), always linked; a hypercall with no handler in the
 * table answers -ENOSYS. */
#include <xen/console.h>
#include <xen/event.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <xen/version.h>
#include <xen/bootinfo.h>
#include <asm/hvm/hvm.h>
#include <asm/percpu.h>
#include <public/hvm/params.h>
#include <public/sched.h>
#include <public/version.h>

struct domain *hypercall_target(struct vcpu *v, unsigned long domid, long *err)
{
    struct domain *d;

    if (domid == DOMID_SELF || domid == v->domain->domain_id)
        return v->domain;
    if (!v->domain->privileged) {
        *err = -EPERM;
        return NULL;
    }
    d = domid < DOMID_FIRST_RESERVED ? domain_by_id((domid_t)domid) : NULL;
    if (!d || d->state == DOMSTATE_DEAD) {
        *err = -ESRCH;
        return NULL;
    }
    return d;
}

/* --- xen_version --- */

static long copy_string_out(struct vcpu *v, unsigned long gva, const char *s, size_t field)
{
    char buf[XEN_CAPABILITIES_INFO_LEN];

    if (field > sizeof(buf))
        field = sizeof(buf);
    memset(buf, 0, field);
    strlcpy(buf, s, field);
    return copy_to_guest(v, gva, buf, field) ? -EFAULT : 0;
}

long do_xen_version(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned long cmd = args[0], arg = args[1];

    switch (cmd) {
    case XENVER_version:
        return (xen_major_version() << 16) | xen_minor_version();
    case XENVER_extraversion:
        return copy_string_out(v, arg, xen_extra_version(), XEN_EXTRAVERSION_LEN);
    case XENVER_compile_info: {
        struct xen_compile_info info;

        memset(&info, 0, sizeof(info));
        strlcpy(info.compiler, xen_compiler(), sizeof(info.compiler));
        strlcpy(info.compile_by, "build", sizeof(info.compile_by));
        strlcpy(info.compile_domain, "local", sizeof(info.compile_domain));
        strlcpy(info.compile_date, xen_build_opts(), sizeof(info.compile_date));
        return copy_to_guest(v, arg, &info, sizeof(info)) ? -EFAULT : 0;
    }
    case XENVER_capabilities:
        return copy_string_out(v, arg, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64",
                               XEN_CAPABILITIES_INFO_LEN);
    case XENVER_changeset:
        return copy_string_out(v, arg, xen_changeset(), XEN_CHANGESET_INFO_LEN);
    case XENVER_platform_parameters: {
        struct xen_platform_parameters p = {.virt_start = 0};
        return copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;

        if (copy_from_guest(v, &fi, arg, sizeof(fi)))
            return -EFAULT;
        fi.submap = fi.submap_idx == 0
                        ? (1u << XENFEAT_auto_translated_physmap) |
                              (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock)
                        : 0;
        return copy_to_guest(v, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return 4096;
    case XENVER_guest_handle: {
        uint8_t handle[16] = {0};
        handle[0] = (uint8_t)v->domain->domain_id;
        return copy_to_guest(v, arg, handle, sizeof(handle)) ? -EFAULT : 0;
    }
    case XENVER_commandline:
        /* The hypervisor's command line is for privileged eyes only. */
        if (!v->domain->privileged)
            return -EPERM;
        return copy_string_out(v, arg, boot_info.cmdline, XEN_COMMANDLINE_LEN);
    case XENVER_build_id: {
        uint32_t len;
        const uint8_t *id;
        unsigned int n = xen_build_id(&id);

        if (!v->domain->privileged)
            return -EPERM;
        if (copy_from_guest(v, &len, arg, sizeof(len)))
            return -EFAULT;
        if (!n)
            return -ENODATA;
        if (len < n)
            return -ENOBUFS;
        if (copy_to_guest(v, arg + 4, id, n))
            return -EFAULT;
        return n;
    }
    }
    return -ENOSYS;
}

/* --- console_io --- */

#define CONSOLE_IO_MAX   (64 * 1024)
#define CONSOLE_IO_CHUNK 512

/* Unprivileged domains may use console_io as in a Xen debug build; a
 * release build refuses them (-EPERM) as Xen's default policy does. */
#ifdef CONFIG_DEBUG
static bool opt_guest_console_io = true;
#else
static bool opt_guest_console_io;
#endif
boolean_param("guest_console_io", opt_guest_console_io);

long do_console_io(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned long cmd = args[0], count = args[1], gva = args[2];
    char buf[CONSOLE_IO_CHUNK];

    switch (cmd) {
    case CONSOLEIO_write:
        if (!v->domain->privileged && !opt_guest_console_io)
            return -EPERM;
        if (count > CONSOLE_IO_MAX)
            return -E2BIG;
        /* Bounded per exit, as Xen's: between chunks the call may yield and
         * go on as a console_io of the bytes left. Lines past the domain's
         * rate and share are dropped; what this exit added reaches the
         * UART for a bounded time at most (the rest from idle CPUs or later
         * writers). */
        for (unsigned long done = 0; done < count;) {
            size_t n = MIN(count - done, sizeof(buf));

            if (done && hypercall_preempt_check(v)) {
                console_guest_drain(done);
                return hypercall_create_continuation(v, __HYPERVISOR_console_io, 3, CONSOLEIO_write,
                                                     count - done, gva + done);
            }
            if (copy_from_guest(v, buf, gva + done, n)) {
                console_guest_drain(done);
                return -EFAULT;
            }
            domain_console_put(v->domain, buf, n, true);
            done += n;
        }
        console_guest_drain(count);
        return 0;
    case CONSOLEIO_read:
        /* Serial input goes to the debug keys and to PV console rings. */
        return v->domain->privileged ? 0 : -EPERM;
    }
    return -ENOSYS;
}

/* --- sched_op and timers --- */

/* SCHEDOP_block: sleep until an event is pending for this vCPU. */
static void vcpu_block_for_events(struct vcpu *v)
{
    if (vcpu_events_pending(v) || hvm_pending_interrupt(v) >= 0)
        return;
    vcpu_block(v);
}

static void watchdog_fired(void *data)
{
    struct domain *d = data;

    printk("domain d%u '%s': watchdog expired\n", d->domain_id, d->name);
    domain_shutdown(d, SHUTDOWN_watchdog);
}

void domain_watchdogs_init(struct domain *d)
{
    d->watchdog_inuse_map = 0;
    for (unsigned int i = 0; i < NR_DOMAIN_WATCHDOG_TIMERS; i++)
        init_timer(&d->watchdog_timer[i], watchdog_fired, d, 0);
}

void domain_watchdogs_kill(struct domain *d)
{
    for (unsigned int i = 0; i < NR_DOMAIN_WATCHDOG_TIMERS; i++)
        kill_timer(&d->watchdog_timer[i]);
    d->watchdog_inuse_map = 0;
}

/* As Xen: id 0 arms a free watchdog and returns its id (1 or 2), -ENOSPC
 * when both are armed; a known id with a timeout refreshes it, with timeout
 * 0 frees it. The domain's watchdog lock makes a slot's claim, arming and
 * release one step, whatever the domain's other vCPUs do at the time. */
static long domain_watchdog(struct domain *d, const struct sched_watchdog *w)
{
    unsigned long flags = spin_lock_irqsave(&d->watchdog_lock);
    unsigned int i;
    long rc = 0;

    if (w->id == 0) {
        for (i = 0; i < NR_DOMAIN_WATCHDOG_TIMERS; i++)
            if (!(d->watchdog_inuse_map & (1u << i)))
                break;
        if (i == NR_DOMAIN_WATCHDOG_TIMERS) {
            rc = -ENOSPC;
        } else {
            d->watchdog_inuse_map |= 1u << i;
            set_timer(&d->watchdog_timer[i], NOW() + SECONDS(w->timeout));
            rc = i + 1;
        }
    } else if (w->id > NR_DOMAIN_WATCHDOG_TIMERS ||
               !(d->watchdog_inuse_map & (1u << (w->id - 1)))) {
        rc = -EINVAL;
    } else if (!w->timeout) {
        stop_timer(&d->watchdog_timer[w->id - 1]);
        d->watchdog_inuse_map &= ~(1u << (w->id - 1));
    } else {
        set_timer(&d->watchdog_timer[w->id - 1], NOW() + SECONDS(w->timeout));
    }
    spin_unlock_irqrestore(&d->watchdog_lock, flags);
    return rc;
}

long do_set_timer_op(struct vcpu *v, const unsigned long *args, bool compat)
{
    uint64_t deadline = compat ? (args[0] | ((uint64_t)args[1] << 32)) : args[0];

    if (!deadline) {
        stop_timer(&v->singleshot_timer);
        return 0;
    }
    migrate_timer(&v->singleshot_timer, v->processor);
    set_timer(&v->singleshot_timer, (s_time_t)deadline);
    return 0;
}

long do_sched_op(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned long cmd = args[0], arg = args[1];
    struct domain *d = v->domain;

    switch (cmd) {
    case SCHEDOP_yield:
        vcpu_yield(v);
        return 0;
    case SCHEDOP_block:
        vcpu_block_for_events(v);
        return 0;
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;

        if (copy_from_guest(v, &s, arg, sizeof(s)))
            return -EFAULT;
        if (s.reason > SHUTDOWN_MAX)
            return -EINVAL;
        /* As in Xen, a code set with SCHEDOP_shutdown_code wins. */
        domain_shutdown(d, d->shutdown_code_set ? d->shutdown_code : s.reason);
        return 0;
    }
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s;

        if (copy_from_guest(v, &s, arg, sizeof(s)))
            return -EFAULT;
        if (s.reason > SHUTDOWN_MAX)
            return -EINVAL;
        d->shutdown_code = s.reason;
        d->shutdown_code_set = true;
        return 0;
    }
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown rs;
        struct domain *t;
        long err = 0;

        if (copy_from_guest(v, &rs, arg, sizeof(rs)))
            return -EFAULT;
        if (rs.reason > SHUTDOWN_MAX)
            return -EINVAL;
        if (!d->privileged)
            return -EPERM;
        t = hypercall_target(v, rs.domain_id, &err);
        if (!t)
            return err;
        domain_shutdown(t, rs.reason);
        return 0;
    }
    case SCHEDOP_poll:
        return sched_poll(v, arg);
    case SCHEDOP_watchdog: {
        struct sched_watchdog w;

        if (copy_from_guest(v, &w, arg, sizeof(w)))
            return -EFAULT;
        return domain_watchdog(d, &w);
    }
    }
    return -ENOSYS;
}

/* --- hvm_op --- */

static bool param_guest_writable(uint32_t index)
{
    return index == HVM_PARAM_CALLBACK_IRQ;
}

long do_hvm_op(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned long op = args[0], arg = args[1];
    struct xen_hvm_param p;
    struct domain *d;
    long err = 0;

    if (op == HVMOP_set_evtchn_upcall_vector)
        return hvm_set_evtchn_upcall_vector(v, arg);
    if (op != HVMOP_set_param && op != HVMOP_get_param)
        return hvm_op_other(v, op, arg, compat);
    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    if (p.index >= HVM_NR_PARAMS)
        return -EINVAL;
    d = hypercall_target(v, p.domid, &err);
    if (!d)
        return err;
    if (op == HVMOP_get_param) {
        /* A domain without a console ring has no such params: an error,
         * never a ring at page 0. (An absent store reads as 0 with
         * success, as on Xen: guests check the value.) */
        if ((p.index == HVM_PARAM_CONSOLE_PFN || p.index == HVM_PARAM_CONSOLE_EVTCHN) &&
            !d->cons_gfn)
            return -ENOENT;
        p.value = d->hvm_params[p.index];
        return copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
    }
    if (!v->domain->privileged && !param_guest_writable(p.index))
        return -EPERM;
    if (p.index == HVM_PARAM_CALLBACK_IRQ) {
        unsigned int type = p.value >> 56;
        if (p.value && (type != HVM_PARAM_CALLBACK_TYPE_VECTOR || (p.value & 0xff) < 0x10 ||
                        (p.value & 0x00ffffffffffff00ULL)))
            return -EINVAL; /* only vector callbacks exist here */
    }
    d->hvm_params[p.index] = p.value;
    /* As in Xen, a guest choosing its callback fixes its shared info layout. */
    if (p.index == HVM_PARAM_CALLBACK_IRQ && d == v->domain)
        shared_info_latch_layout(d, compat);
    return 0;
}

/* --- vm_assist --- */

long do_vm_assist(struct vcpu *v, const unsigned long *args, bool compat)
{
    return args[0] <= VMASST_CMD_disable ? -EINVAL : -ENOSYS;
}

/* --- continuations --- */

/* Hypervisor time one exit may spend in a hypercall before it yields at its
 * next iteration point (microseconds): well under the 1 ms that any exit
 * may take, leaving room for the iteration under way and the exit's own
 * entry and return. */
static unsigned int opt_hcall_budget_us = 500;
unsigned_param("hcall_budget_us", opt_hcall_budget_us, 1, 100000);

void hypercall_begin(struct vcpu *v)
{
    v->hcall_start = NOW();
    v->hcall_preempted = false;
}

/* Yield when the scheduler or an interrupt wants this pCPU, when the vCPU
 * must leave the guest anyway, or when the exit used up its budget. */
bool hypercall_preempt_check(struct vcpu *v)
{
    return this_cpu()->softirq_pending || v->kick || v->domain->state != DOMSTATE_RUNNING ||
           NOW() - v->hcall_start > MICROSECS(opt_hcall_budget_us);
}

long hypercall_create_continuation(struct vcpu *v, unsigned long nr, unsigned int nargs, ...)
{
    va_list ap;

    va_start(ap, nargs);
    for (unsigned int i = 0; i < nargs && i < 5; i++)
        v->hcall_args[i] = va_arg(ap, unsigned long);
    va_end(ap);
    v->hcall_nr = nr;
    v->hcall_nargs = nargs < 5 ? nargs : 5;
    v->hcall_preempted = true;
    return (long)nr;
}

/* --- dispatch --- */

static hypercall_fn_t *const table[NR_HYPERCALLS] = {
    [__HYPERVISOR_xen_version] = do_xen_version,
    [__HYPERVISOR_console_io] = do_console_io,
    [__HYPERVISOR_sched_op] = do_sched_op,
    [__HYPERVISOR_set_timer_op] = do_set_timer_op,
    [__HYPERVISOR_hvm_op] = do_hvm_op,
    [__HYPERVISOR_vcpu_op] = do_vcpu_op,
    [__HYPERVISOR_memory_op] = do_memory_op,
    [__HYPERVISOR_event_channel_op] = do_event_channel_op,
    [__HYPERVISOR_grant_table_op] = do_grant_table_op,
    [__HYPERVISOR_sysctl] = do_sysctl,
    [__HYPERVISOR_domctl] = do_domctl,
    [__HYPERVISOR_vm_assist] = do_vm_assist,
    [__HYPERVISOR_multicall] = do_multicall,
    [__HYPERVISOR_physdev_op] = do_physdev_op,
};

long do_hypercall(struct vcpu *v, unsigned long nr, unsigned long args[5], bool compat)
{
    if (nr >= NR_HYPERCALLS || !table[nr])
        return -ENOSYS;
    return table[nr](v, args, compat);
}

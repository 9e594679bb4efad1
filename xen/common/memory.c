/* memory_op and the shared info page.
 *
 * Shared info: one xenheap page per domain, mapped into the guest where it
 * asks with XENMEM_add_to_physmap (space shared_info, idx 0); it carries the
 * event channel bitmaps, one vcpu_info per vCPU (upcall flags, selector,
 * time) and the wallclock. Its layout (64- or 32-bit) is latched from the
 * mode of the guest when it maps the page.
 *
 * Every change to the guest-physical map below goes through the p2m engine
 * (xen/p2m.h), which takes the domain's p2m lock.
 *
 * Reservations: a domain starts with all its RAM populated and may give
 * frames back (decrease_reservation) and take them again
 * (populate_physmap), never growing past max_pages. Frames given back stay
 * owned by the domain, unmapped, on a spare list that populate_physmap
 * reuses (scrubbed) before it allocates; they return to the allocator when
 * the domain is destroyed. That keeps the 2 MiB blocks the domain was built
 * from whole.
 *
 * Foreign mappings (XENMEM_add_to_physmap_batch, XENMAPSPACE_gmfn_foreign):
 * a privileged domain may map any RAM frame of another domain above its own
 * RAM; the xenstore domain only the store page of a domain that has one
 * (public/xenstore_domain.h). Every such mapping is tracked. When the owner
 * of the frame is destroyed or restarted, each mapping of its frames is
 * pointed at one hypervisor scratch page before its frames go back to the
 * allocator, so the mapper never faults and never sees a reused frame; the
 * mapper removes it with XENMEM_remove_from_physmap. */
#include <xen/event.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/p2m.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <xen/time.h>
#include <asm/hvm/guest_acpi.h>
#include <asm/hvm/hvm.h>
#include <asm/config.h>
#include <asm/page.h>
#include <public/hvm/start_info.h>
#include <public/memory.h>
#include <xen/xenstore_domain.h>

#define MAX_EXTENT_ORDER 9           /* 2 MiB, as Xen allows unprivileged guests */
#define MAX_GPFN         (1UL << 36) /* 48-bit guest physical addresses */

static void shared_info_write_wallclock(struct domain *d)
{
    uint8_t *p = d->shared_info;
    bool compat = shared_info_is_compat(d);
    volatile uint32_t *ver = (uint32_t *)(p + (compat ? 2304 : 3072));
    int64_t wc_boot_sec = wallclock_boot_seconds();

    ver[0]++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ver[1] = (uint32_t)wc_boot_sec;
    ver[2] = 0;
    if (compat)
        ((struct compat_shared_info *)p)->wc_sec_hi = (uint32_t)(wc_boot_sec >> 32);
    else
        ((struct shared_info *)p)->wc_sec_hi = (uint32_t)(wc_boot_sec >> 32);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ver[0]++;
}

/* --- shared info lifetime and layout --- */

int shared_info_init(struct domain *d)
{
    arch_guest_time_init();
    d->shared_info = alloc_xenheap_pages(0);
    if (!d->shared_info)
        return -ENOMEM;
    memset(d->shared_info, 0, PAGE_SIZE);
    d->shinfo_compat = d->shinfo_latched = false;
    shared_info_write_wallclock(d);
    return 0;
}

static void free_shared_page(void *p)
{
    free_xenheap_pages(p, 0);
}

static void foreign_revoke(struct domain *d);

void shared_info_destroy(struct domain *d)
{
    foreign_revoke(d);
    evtchn_detach_shared_info(d, free_shared_page);
}

bool shared_info_is_compat(const struct domain *d)
{
    return d->shinfo_compat;
}

static void set_layout(struct domain *d, bool compat)
{
    if (d->shinfo_compat == compat)
        return;
    d->shinfo_compat = compat;
    if (d->shared_info)
        shared_info_write_wallclock(d);
}

void shared_info_latch_layout(struct domain *d, bool compat)
{
    if (!d->shinfo_latched)
        set_layout(d, compat);
}

/* --- the guest physical map: changed by the p2m engine (xen/p2m.h) --- */

static int map_shared_info(struct domain *d, unsigned long gpfn, bool compat)
{
    int rc;

    if (!d->shared_info)
        return -EINVAL;
    if (gpfn == d->shared_info_gfn)
        return 0;
    if ((rc = p2m_map_shared_info(d, gpfn)))
        return rc;
    set_layout(d, compat);
    d->shinfo_latched = true;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            shared_info_update_time(d->vcpus[i]);
    return 0;
}

/* --- foreign mappings --- */

static struct domain *memop_domain(struct vcpu *v, domid_t domid, long *err);

#define FOREIGN_MAX 512

struct foreign_map {
    bool used;
    bool revoked; /* the owner is gone: the scratch page stands in */
    domid_t mapper, owner;
    unsigned long gfn; /* in the mapper's space */
};

static struct foreign_map foreign_maps[FOREIGN_MAX];
static DEFINE_SPINLOCK(foreign_lock);
static void *foreign_scratch;

/* The scratch page lives as long as the hypervisor: taken at boot, before
 * the free-frame snapshot of common/memcheck.c, not by the first foreign
 * mapping (which would look like a page a domain failed to give back). */
void foreign_map_init(void)
{
    unsigned long flags = spin_lock_irqsave(&foreign_lock);

    if (!foreign_scratch && (foreign_scratch = alloc_xenheap_pages(0)))
        memset(foreign_scratch, 0, PAGE_SIZE);
    spin_unlock_irqrestore(&foreign_lock, flags);
}

static struct foreign_map *foreign_find(const struct domain *ld, unsigned long gfn)
{
    for (unsigned int i = 0; i < FOREIGN_MAX; i++)
        if (foreign_maps[i].used && foreign_maps[i].mapper == ld->domain_id &&
            foreign_maps[i].gfn == gfn)
            return &foreign_maps[i];
    return NULL;
}

/* May ld map frame idx of fd? 0, -EPERM or -EINVAL. */
static int foreign_allowed(const struct domain *ld, const struct domain *fd, unsigned long idx)
{
    if (fd == ld)
        return -EINVAL;
    if (ld->privileged)
        return 0;
    if (ld->is_xenstore && fd->hvm_params[HVM_PARAM_STORE_PFN] &&
        idx == fd->hvm_params[HVM_PARAM_STORE_PFN])
        return 0;
    return -EPERM;
}

static int map_foreign(struct domain *ld, struct domain *fd, unsigned long idx, unsigned long gpfn)
{
    struct foreign_map *f;
    unsigned long flags;
    int rc = foreign_allowed(ld, fd, idx);

    if (rc)
        return rc;
    if (!p2m_ram_mfn(fd, idx))
        return -EINVAL;
    /* Above the mapper's RAM only, and not over its shared info. */
    if (gpfn < ld->nr_pages || gpfn >= MAX_GPFN || gpfn == ld->shared_info_gfn)
        return -EINVAL;
    flags = spin_lock_irqsave(&foreign_lock);
    if (!foreign_scratch && (foreign_scratch = alloc_xenheap_pages(0)))
        memset(foreign_scratch, 0, PAGE_SIZE);
    f = foreign_find(ld, gpfn);
    for (unsigned int i = 0; !f && i < FOREIGN_MAX; i++)
        if (!foreign_maps[i].used)
            f = &foreign_maps[i];
    if (!f || !foreign_scratch)
        rc = -ENOMEM;
    else if ((rc = p2m_map_frame(ld, gpfn, p2m_ram_mfn(fd, idx), false)))
        f->used = false;
    else
        *f = (struct foreign_map){
            .used = true, .mapper = ld->domain_id, .owner = fd->domain_id, .gfn = gpfn};
    spin_unlock_irqrestore(&foreign_lock, flags);
    return rc;
}

/* d is going: its own mappings go with its tables, and everyone else's
 * mappings of its frames now show the scratch page. */
static void foreign_revoke(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&foreign_lock);

    for (unsigned int i = 0; i < FOREIGN_MAX; i++) {
        struct foreign_map *f = &foreign_maps[i];
        struct domain *m;

        if (!f->used)
            continue;
        if (f->mapper == d->domain_id) {
            f->used = false;
            continue;
        }
        if (f->owner != d->domain_id || f->revoked)
            continue;
        f->revoked = true;
        m = domain_by_id(f->mapper);
        if (m && m->p2m && m->npt_root) {
            if (p2m_map_frame(m, f->gfn, __pa(foreign_scratch) >> PAGE_SHIFT, false)) {
                p2m_restore(m, f->gfn);
                f->used = false;
            }
            hvm_flush_guest_tlbs(m);
        }
    }
    spin_unlock_irqrestore(&foreign_lock, flags);
}

static long memop_add_to_physmap_batch(struct vcpu *v, unsigned long start, unsigned long arg,
                                       bool compat)
{
    struct xen_add_to_physmap_batch b;
    unsigned int psize = compat ? 4 : 8;
    struct domain *d, *fd;
    long err = 0;

    if (compat) {
        struct compat_add_to_physmap_batch c;

        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        b = (struct xen_add_to_physmap_batch){c.domid, c.space, c.size, c.foreign_domid,
                                              c.idxs,  c.gpfns, c.errs};
    } else if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    if (b.space != XENMAPSPACE_gmfn_foreign)
        return -EOPNOTSUPP; /* the other spaces go through add_to_physmap */
    d = memop_domain(v, b.domid, &err);
    if (!d)
        return err;
    if (d != v->domain)
        return -EPERM; /* foreign frames go into the caller's own space */
    fd = b.foreign_domid < DOMID_FIRST_RESERVED ? domain_by_id(b.foreign_domid) : NULL;
    if (!fd || fd->state == DOMSTATE_DEAD || fd->state == DOMSTATE_DYING)
        return -ESRCH;
    /* As Xen: a continuation's start (cmd bits 6 and up) past the batch. */
    if (b.size < start || (b.size == start && start))
        return -EILSEQ;
    for (unsigned int i = start; i < b.size; i++) {
        uint64_t idx = 0, gpfn = 0;
        int32_t rc;

        if (i > start && hypercall_preempt_check(v)) {
            hvm_flush_guest_tlbs(d);
            return hypercall_create_continuation(v, __HYPERVISOR_memory_op, 1,
                                                 XENMEM_add_to_physmap_batch |
                                                     ((unsigned long)i << MEMOP_EXTENT_SHIFT));
        }

        if (copy_from_guest(v, &idx, b.idxs + i * psize, psize) ||
            copy_from_guest(v, &gpfn, b.gpfns + i * psize, psize))
            return -EFAULT;
        rc = map_foreign(d, fd, idx, gpfn);
        if (copy_to_guest(v, b.errs + i * sizeof(rc), &rc, sizeof(rc)))
            return -EFAULT;
    }
    hvm_flush_guest_tlbs(d);
    return 0;
}

static long memop_remove_from_physmap(struct vcpu *v, unsigned long arg, bool compat)
{
    struct xen_remove_from_physmap r;
    struct foreign_map *f;
    struct domain *d;
    unsigned long flags;
    long err = 0, rc = -ENOENT;

    if (compat) {
        struct compat_remove_from_physmap c;

        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        r = (struct xen_remove_from_physmap){.domid = c.domid, .gpfn = c.gpfn};
    } else if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    d = memop_domain(v, r.domid, &err);
    if (!d)
        return err;
    flags = spin_lock_irqsave(&foreign_lock);
    f = foreign_find(d, r.gpfn);
    if (f) {
        f->used = false;
        rc = p2m_restore(d, r.gpfn);
    }
    spin_unlock_irqrestore(&foreign_lock, flags);
    if (!f && p2m_ram_mfn(d, r.gpfn))
        rc = p2m_ram_release(d, r.gpfn, 0);
    if (!rc)
        hvm_flush_guest_tlbs(d);
    return rc;
}

/* --- memory_op --- */

/* The domain a memory_op names: -ESRCH if none, -EPERM if not the caller's
 * own and the caller is not privileged. */
static struct domain *memop_domain(struct vcpu *v, domid_t domid, long *err)
{
    struct domain *d;

    if (domid == DOMID_SELF || domid == v->domain->domain_id)
        return v->domain;
    d = domid < DOMID_FIRST_RESERVED ? domain_by_id(domid) : NULL;
    if (!d || d->state == DOMSTATE_DEAD || !d->p2m) {
        *err = -ESRCH;
        return NULL;
    }
    if (!v->domain->privileged) {
        *err = -EPERM;
        return NULL;
    }
    return d;
}

static long memop_reservation(struct vcpu *v, unsigned int op, unsigned long start,
                              unsigned long arg, bool compat)
{
    struct xen_memory_reservation r;
    unsigned int psize = compat ? 4 : 8;
    unsigned long done = start;
    struct domain *d;
    long err = 0;
    bool changed = false;

    if (compat) {
        struct compat_memory_reservation c;

        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return start;
        r = (struct xen_memory_reservation){c.extent_start, c.nr_extents, c.extent_order,
                                            c.mem_flags, c.domid};
    } else if (copy_from_guest(v, &r, arg, sizeof(r)))
        return start;
    /* As in Xen: a bad argument structure does nothing and reports the
     * extents done so far; only a refused domain is an error. A count whose
     * continuation could not be encoded in 32 bits of cmd, or a start
     * extent (a continuation's) at or past the count, is such an argument. */
    if (r.nr_extents > (0xffffffffUL >> MEMOP_EXTENT_SHIFT) || start >= r.nr_extents ||
        r.extent_order > MAX_EXTENT_ORDER)
        return start;
    d = memop_domain(v, r.domid, &err);
    if (!d)
        return err == -ESRCH ? (long)start : err;
    if (op == XENMEM_increase_reservation)
        return start; /* translated guests populate by gfn instead */

    for (; done < r.nr_extents; done++) {
        uint64_t gpfn = 0;
        unsigned long n = 1UL << r.extent_order;
        int rc = 0;

        if (done > start && hypercall_preempt_check(v)) {
            if (changed)
                hvm_flush_guest_tlbs(d);
            return hypercall_create_continuation(v, __HYPERVISOR_memory_op, 1,
                                                 op | (done << MEMOP_EXTENT_SHIFT));
        }
        if (copy_from_guest(v, &gpfn, r.extent_start + done * psize, psize))
            break;
        if ((gpfn & (n - 1)) || gpfn >= d->nr_pages || d->nr_pages - gpfn < n)
            break;
        /* Each extent whole or not at all, under the p2m lock. */
        if (op == XENMEM_populate_physmap)
            rc = p2m_ram_populate(d, gpfn, r.extent_order);
        else
            rc = p2m_ram_release(d, gpfn, r.extent_order);
        if (rc)
            break;
        changed = true;
    }
    if (changed)
        hvm_flush_guest_tlbs(d);
    return done;
}

static long memop_add_to_physmap(struct vcpu *v, unsigned long start, unsigned long arg,
                                 bool compat)
{
    struct xen_add_to_physmap x;
    struct domain *d;
    long err = 0, rc = 0;

    if (compat) {
        struct compat_add_to_physmap c;

        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        x = (struct xen_add_to_physmap){c.domid, c.size, c.space, c.idx, c.gpfn};
    } else if (copy_from_guest(v, &x, arg, sizeof(x)))
        return -EFAULT;
    if (x.space == XENMAPSPACE_gmfn_foreign)
        return -EINVAL;
    if (start && x.space != XENMAPSPACE_gmfn_range)
        return -EINVAL; /* only a range has a continuation */
    d = memop_domain(v, x.domid, &err);
    if (!d)
        return err;
    if (x.gpfn >= MAX_GPFN)
        return -EINVAL;
    switch (x.space) {
    case XENMAPSPACE_shared_info:
        if (x.idx != 0)
            return -EINVAL;
        rc = map_shared_info(d, x.gpfn, d == v->domain ? compat : shared_info_is_compat(d));
        break;
    case XENMAPSPACE_grant_table:
        rc = gnttab_map_frame(d, x.idx, x.gpfn);
        break;
    case XENMAPSPACE_gmfn:
        rc = p2m_ram_move(d, x.idx, x.gpfn);
        break;
    case XENMAPSPACE_gmfn_range:
        if (x.idx + x.size < x.idx || x.gpfn + x.size > MAX_GPFN)
            return -EINVAL;
        if (x.size < start)
            return -EILSEQ; /* as Xen: a continuation's start past the range */
        for (unsigned int i = start; !rc && i < x.size; i++) {
            if (i > start && hypercall_preempt_check(v)) {
                hvm_flush_guest_tlbs(d);
                return hypercall_create_continuation(v, __HYPERVISOR_memory_op, 1,
                                                     XENMEM_add_to_physmap |
                                                         ((unsigned long)i << MEMOP_EXTENT_SHIFT));
            }
            rc = p2m_ram_move(d, x.idx + i, x.gpfn + i);
        }
        break;
    default:
        return -EINVAL;
    }
    hvm_flush_guest_tlbs(d);
    return rc;
}

static long memop_memory_map(struct vcpu *v, unsigned long arg, bool compat)
{
    struct domain *d = v->domain;
    struct hvm_memmap_table_entry hm[DOMAIN_MEMMAP_MAX];
    struct e820entry map[DOMAIN_MEMMAP_MAX];
    unsigned int total = domain_memory_map(d, hm);
    struct xen_memory_map mm;
    unsigned int n;

    for (unsigned int i = 0; i < total; i++)
        map[i] = (struct e820entry){hm[i].addr, hm[i].size, hm[i].type};
    if (compat) {
        struct compat_memory_map c;

        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        mm.nr_entries = c.nr_entries, mm.buffer = c.buffer;
    } else if (copy_from_guest(v, &mm, arg, sizeof(mm)))
        return -EFAULT;
    n = MIN(mm.nr_entries, total);
    if (n && copy_to_guest(v, mm.buffer, map, n * sizeof(map[0])))
        return -EFAULT;
    /* nr_entries is the first field in both layouts. */
    return copy_to_guest(v, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static long memop_reservation_size(struct vcpu *v, unsigned int op, unsigned long arg)
{
    domid_t domid;
    struct domain *d;
    long err = 0;

    if (copy_from_guest(v, &domid, arg, sizeof(domid)))
        return -EFAULT;
    d = memop_domain(v, domid, &err);
    if (!d)
        return err;
    return op == XENMEM_current_reservation ? (long)d->tot_pages : (long)d->max_pages;
}

long do_memory_op(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned int op = args[0] & MEMOP_CMD_MASK;
    unsigned long start = args[0] >> MEMOP_EXTENT_SHIFT, arg = args[1];

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return memop_reservation(v, op, start, arg, compat);
    }
    switch (op) {
    case XENMEM_add_to_physmap:
    case XENMEM_add_to_physmap_batch:
        /* As Xen: a start that does not fit the 16-bit size field. */
        if (start > 0xffff)
            return -EDOM;
        return op == XENMEM_add_to_physmap ? memop_add_to_physmap(v, start, arg, compat)
                                           : memop_add_to_physmap_batch(v, start, arg, compat);
    }
    if (start)
        return -EINVAL; /* no other op here has a continuation in cmd */
    switch (op) {
    case XENMEM_maximum_ram_page:
        return compat && max_page > 0x7fffffffUL ? 0x7fffffff : (long)max_page;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        return memop_reservation_size(v, op, arg);
    case XENMEM_remove_from_physmap:
        return memop_remove_from_physmap(v, arg, compat);
    case XENMEM_memory_map:
        return memop_memory_map(v, arg, compat);
    case XENMEM_machine_memory_map:
    case XENMEM_set_memory_map:
        return v->domain->privileged ? -ENOSYS : -EPERM;
    }
    return -ENOSYS;
}

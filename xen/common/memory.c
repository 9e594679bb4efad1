/* memory_op and the shared info page.
 *
 * Shared info: one xenheap page per domain, mapped into the guest where it
 * asks with XENMEM_add_to_physmap (space shared_info, idx 0); it carries the
 * event channel bitmaps, one vcpu_info per vCPU (upcall flags, selector,
 * time) and the wallclock. Its layout (64- or 32-bit) is latched from the
 * mode of the guest when it maps the page.
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
#include <xen/string.h>
#include <xen/subsys.h>
#include <asm/hvm/guest_acpi.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/svm.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <public/hvm/start_info.h>
#include <public/memory.h>
#include <xen/xenstore_domain.h>

int npt_map(struct domain *d, unsigned long gfn, mfn_t mfn, bool large);
int npt_unmap(struct domain *d, unsigned long gfn);
int npt_split(struct domain *d, unsigned long gfn);

#define MAX_EXTENT_ORDER 9           /* 2 MiB, as Xen allows unprivileged guests */
#define MAX_GPFN         (1UL << 36) /* 48-bit guest physical addresses */

struct mem_state {
    bool compat_shinfo; /* 32-bit shared info layout */
    bool latched;       /* layout fixed by a shared info mapping */
    unsigned long nr_spare, max_spare;
    uint32_t *spare; /* owned frames not mapped anywhere */
};

static struct mem_state *mem_states[MAX_DOMAINS + 1];
static int64_t wc_boot_sec = -1; /* wallclock seconds at system time 0 */

static struct mem_state *mem_of(const struct domain *d)
{
    return d->domain_id <= MAX_DOMAINS ? mem_states[d->domain_id] : NULL;
}

/* --- wallclock from the CMOS RTC --- */

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool is_bcd)
{
    return is_bcd ? (v >> 4) * 10 + (v & 15) : v;
}

static int64_t days_from_civil(int y, unsigned int m, unsigned int d)
{
    /* Days since 1970-01-01 of a proleptic Gregorian date. */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned int yoe = (unsigned int)(y - era * 400);
    unsigned int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return (int64_t)era * 146097 + doe - 719468;
}

static void wallclock_init(void)
{
    uint8_t sec, min, hour, day, mon, year, b;
    bool is_bcd;
    int64_t epoch;

    for (unsigned int i = 0; i < 100000 && (cmos_read(0x0a) & 0x80); i++)
        cpu_relax(); /* update in progress */
    sec = cmos_read(0x00), min = cmos_read(0x02), hour = cmos_read(0x04);
    day = cmos_read(0x07), mon = cmos_read(0x08), year = cmos_read(0x09);
    b = cmos_read(0x0b);
    is_bcd = !(b & 0x04);
    unsigned int h = bcd(hour & 0x7f, is_bcd);
    if (!(b & 0x02) && (hour & 0x80))
        h = (h % 12) + 12; /* 12-hour clock, PM */
    unsigned int mo = bcd(mon, is_bcd), dd = bcd(day, is_bcd);
    if (mo < 1 || mo > 12 || dd < 1 || dd > 31) {
        wc_boot_sec = 0;
        return;
    }
    epoch = days_from_civil(2000 + (int)bcd(year, is_bcd), mo, dd) * 86400 + h * 3600 +
            bcd(min, is_bcd) * 60 + bcd(sec, is_bcd);
    wc_boot_sec = epoch - NOW() / 1000000000LL;
}

/* For the HVM RTC (arch/x86/hvm/vrtc.c). */
int64_t wallclock_boot_seconds(void);
int64_t wallclock_boot_seconds(void)
{
    return wc_boot_sec;
}

static void shared_info_write_wallclock(struct domain *d)
{
    uint8_t *p = d->shared_info;
    bool compat = shared_info_is_compat(d);
    volatile uint32_t *ver = (uint32_t *)(p + (compat ? 2304 : 3072));

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

/* --- per-vCPU time --- */

static uint32_t tsc_mul;
static int8_t tsc_shift;
/* Every vcpu_time_info is stamped with this one (host TSC, system time)
 * pair: each vCPU's guest then computes system time as the same function
 * of the TSC, so it is monotonic across vCPUs, and no restamp makes it
 * step back (the guest's scale is not exactly NOW()'s). */
static uint64_t ref_tsc;
static s_time_t ref_ns;

/* The guests' scale is NOW()'s own (so their time does not drift from the
 * hypervisor's timers); with no calibration yet, one from tsc_khz(). */
static void time_scale_init(void)
{
    uint64_t khz = tsc_khz() ? tsc_khz() : 1000000;
    uint64_t mul = time_ns_mult();
    int shift = 0;

    if (!mul) {
        mul = (1000000ULL << 32) / khz;
        while (mul < (1ULL << 31) && shift > -31) {
            shift--;
            mul <<= 1;
        }
    }
    /* (delta << shift) * mul >> 32 with a 32-bit mul */
    while (mul >> 32) {
        shift++;
        mul >>= 1;
    }
    tsc_mul = (uint32_t)mul;
    tsc_shift = (int8_t)shift;
    /* TSC first: guest time is then at or ahead of NOW(), so a guest never
     * sees its timer fire before the deadline it set. */
    ref_tsc = rdtsc();
    ref_ns = NOW();
}

void shared_info_update_time(struct vcpu *v)
{
    volatile struct vcpu_time_info *t;
    const struct svm_vcpu *s = v->arch_hvm;
    uint8_t *vi = vcpu_info_ptr(v);

    if (!vi || !s || !s->vmcb)
        return;
    /* The same offset in both layouts. */
    t = (volatile struct vcpu_time_info *)(vi + offsetof(struct vcpu_info, time));
    t->version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->tsc_timestamp = ref_tsc + s->vmcb->tsc_offset;
    t->system_time = (uint64_t)ref_ns;
    t->tsc_to_system_mul = tsc_mul;
    t->tsc_shift = tsc_shift;
    t->flags = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->version++;
}

/* --- shared info lifetime and layout --- */

int shared_info_init(struct domain *d)
{
    struct mem_state *m;

    if (d->domain_id > MAX_DOMAINS)
        return -EINVAL;
    if (wc_boot_sec < 0) {
        wallclock_init();
        time_scale_init();
    }
    d->shared_info = alloc_xenheap_pages(0);
    m = xzalloc(struct mem_state);
    if (!d->shared_info || !m) {
        xfree(m);
        return -ENOMEM;
    }
    memset(d->shared_info, 0, PAGE_SIZE);
    /* Every frame the domain owns may come back as a spare one. */
    d->max_pages = d->tot_pages;
    m->max_spare = d->max_pages + 1;
    m->spare = xzalloc_bytes(m->max_spare * sizeof(uint32_t));
    if (!m->spare) {
        xfree(m);
        return -ENOMEM;
    }
    mem_states[d->domain_id] = m;
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
    struct mem_state *m = mem_of(d);

    foreign_revoke(d);
    evtchn_detach_shared_info(d, free_shared_page);
    if (m) {
        xfree(m->spare);
        xfree(m);
        mem_states[d->domain_id] = NULL;
    }
}

bool shared_info_is_compat(const struct domain *d)
{
    const struct mem_state *m = mem_of(d);

    return m && m->compat_shinfo;
}

static void set_layout(struct domain *d, bool compat)
{
    struct mem_state *m = mem_of(d);

    if (!m || m->compat_shinfo == compat)
        return;
    m->compat_shinfo = compat;
    if (d->shared_info)
        shared_info_write_wallclock(d);
}

void shared_info_latch_layout(struct domain *d, bool compat)
{
    struct mem_state *m = mem_of(d);

    if (m && !m->latched)
        set_layout(d, compat);
}

/* --- the guest physical map --- */

/* After changing nested page tables, every vCPU of d drops its cached
 * translations before it next runs (kicked out of the guest if running). */
static void p2m_flush_guest(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        struct svm_vcpu *s = v ? v->arch_hvm : NULL;

        if (!s)
            continue;
        s->need_flush = true;
        vcpu_kick(v);
    }
}

/* Make sure gfn is mapped by a 4 KiB nested entry, splitting a 2 MiB one
 * (RAM blocks are mapped large when built) without unmapping its pages. */
static int p2m_split(struct domain *d, unsigned long gfn)
{
    return npt_split(d, gfn);
}

/* Take the RAM frame at gfn out of the guest's map onto the spare list. */
static int p2m_remove_ram(struct domain *d, unsigned long gfn)
{
    struct mem_state *m = mem_of(d);
    int rc;

    if (!m || gfn >= d->nr_pages || !d->p2m[gfn] || m->nr_spare >= m->max_spare)
        return -EINVAL;
    rc = p2m_split(d, gfn);
    if (rc) {
        domain_crash(d, "out of memory splitting a nested page table");
        return rc;
    }
    npt_unmap(d, gfn);
    m->spare[m->nr_spare++] = d->p2m[gfn];
    d->p2m[gfn] = 0;
    d->tot_pages--;
    return 0;
}

/* Give gfn (an empty slot of RAM) a frame: a spare one or a new one. */
static int p2m_add_ram(struct domain *d, unsigned long gfn)
{
    struct mem_state *m = mem_of(d);
    mfn_t mfn;

    if (!m || gfn >= d->nr_pages || d->p2m[gfn] || gfn == d->shared_info_gfn)
        return -EINVAL;
    if (d->tot_pages >= d->max_pages)
        return -ENOMEM;
    if (m->nr_spare)
        mfn = m->spare[--m->nr_spare];
    else {
        struct page_info *pg = alloc_heap_pages(0);

        if (!pg)
            return -ENOMEM;
        pg->owner = d->domain_id;
        pg->flags |= PGF_DOMAIN;
        pg->order = 0;
        pg->next = d->page_list;
        d->page_list = pg;
        mfn = page_to_mfn(pg);
    }
    memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
    if (p2m_split(d, gfn) || npt_map(d, gfn, mfn, false)) {
        m->spare[m->nr_spare++] = (uint32_t)mfn;
        domain_crash(d, "out of memory for nested page tables");
        return -ENOMEM;
    }
    d->p2m[gfn] = (uint32_t)mfn;
    d->tot_pages++;
    return 0;
}

static int map_shared_info(struct domain *d, unsigned long gpfn, bool compat)
{
    struct mem_state *m = mem_of(d);
    int rc;

    if (!d->shared_info || !m)
        return -EINVAL;
    if (gpfn == d->shared_info_gfn)
        return 0;
    if (gpfn < d->nr_pages && d->p2m[gpfn] && (rc = p2m_remove_ram(d, gpfn)))
        return rc;
    if ((rc = p2m_split(d, gpfn)))
        return rc;
    if (d->shared_info_gfn != ~0UL)
        npt_unmap(d, d->shared_info_gfn);
    if (npt_map(d, gpfn, __pa(d->shared_info) >> PAGE_SHIFT, false)) {
        d->shared_info_gfn = ~0UL;
        return -ENOMEM;
    }
    d->shared_info_gfn = gpfn;
    set_layout(d, compat);
    m->latched = true;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            shared_info_update_time(d->vcpus[i]);
    return 0;
}

/* XENMAPSPACE_gmfn: move the RAM frame at gfn idx to gpfn (whose own frame,
 * if any, becomes spare). */
static int move_gmfn(struct domain *d, unsigned long idx, unsigned long gpfn)
{
    mfn_t mfn;
    int rc;

    if (idx >= d->nr_pages || !d->p2m[idx] || gpfn >= d->nr_pages || gpfn == d->shared_info_gfn)
        return -EINVAL;
    if (idx == gpfn)
        return 0;
    mfn = d->p2m[idx];
    if (d->p2m[gpfn] && (rc = p2m_remove_ram(d, gpfn)))
        return rc;
    if ((rc = p2m_split(d, idx)) || (rc = p2m_split(d, gpfn)))
        return rc;
    npt_unmap(d, idx);
    d->p2m[idx] = 0;
    if (npt_map(d, gpfn, mfn, false)) {
        domain_crash(d, "out of memory for nested page tables");
        return -ENOMEM;
    }
    d->p2m[gpfn] = (uint32_t)mfn;
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
    if (!fd->p2m || idx >= fd->nr_pages || !fd->p2m[idx])
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
    else if ((rc = p2m_split(ld, gpfn)) || npt_map(ld, gpfn, fd->p2m[idx], false)) {
        rc = -ENOMEM;
        f->used = false;
    } else
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
            if (npt_map(m, f->gfn, __pa(foreign_scratch) >> PAGE_SHIFT, false)) {
                npt_unmap(m, f->gfn);
                f->used = false;
            }
            p2m_flush_guest(m);
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
            p2m_flush_guest(d);
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
    p2m_flush_guest(d);
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
        npt_unmap(d, r.gpfn);
        rc = 0;
    }
    spin_unlock_irqrestore(&foreign_lock, flags);
    if (!f && r.gpfn < d->nr_pages && d->p2m[r.gpfn])
        rc = p2m_remove_ram(d, r.gpfn);
    if (!rc)
        p2m_flush_guest(d);
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
                p2m_flush_guest(d);
            return hypercall_create_continuation(v, __HYPERVISOR_memory_op, 1,
                                                 op | (done << MEMOP_EXTENT_SHIFT));
        }
        if (copy_from_guest(v, &gpfn, r.extent_start + done * psize, psize))
            break;
        if ((gpfn & (n - 1)) || gpfn >= d->nr_pages || d->nr_pages - gpfn < n)
            break;
        if (op == XENMEM_populate_physmap) {
            if (d->tot_pages + n > d->max_pages)
                break;
            for (unsigned long i = 0; i < n; i++)
                if (d->p2m[gpfn + i] || gpfn + i == d->shared_info_gfn)
                    rc = -EEXIST;
            for (unsigned long i = 0; !rc && i < n; i++)
                rc = p2m_add_ram(d, gpfn + i);
        } else {
            for (unsigned long i = 0; i < n; i++)
                if (!d->p2m[gpfn + i])
                    rc = -ENOENT;
            for (unsigned long i = 0; !rc && i < n; i++)
                rc = p2m_remove_ram(d, gpfn + i);
        }
        if (rc)
            break;
        changed = true;
    }
    if (changed)
        p2m_flush_guest(d);
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
        rc = move_gmfn(d, x.idx, x.gpfn);
        break;
    case XENMAPSPACE_gmfn_range:
        if (x.idx + x.size < x.idx || x.gpfn + x.size > MAX_GPFN)
            return -EINVAL;
        if (x.size < start)
            return -EILSEQ; /* as Xen: a continuation's start past the range */
        for (unsigned int i = start; !rc && i < x.size; i++) {
            if (i > start && hypercall_preempt_check(v)) {
                p2m_flush_guest(d);
                return hypercall_create_continuation(v, __HYPERVISOR_memory_op, 1,
                                                     XENMEM_add_to_physmap |
                                                         ((unsigned long)i << MEMOP_EXTENT_SHIFT));
            }
            rc = move_gmfn(d, x.idx + i, x.gpfn + i);
        }
        break;
    default:
        return -EINVAL;
    }
    p2m_flush_guest(d);
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

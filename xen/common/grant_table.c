/* Grant tables, versions 1 and 2: a domain shares its own frames with another by
 * writing grant entries (flags, grantee domid, frame) in a table whose frames
 * the hypervisor holds and the guest maps with XENMEM_add_to_physmap
 * (space grant_table). The grantee maps a granted frame into its own
 * guest-physical space (GNTTABOP_map_grant_ref with GNTMAP_host_map) and
 * unmaps it by the handle it got; GNTTABOP_copy copies between granted and
 * own frames without mapping anything.
 *
 * Safety: every nested page table entry that points at another domain's
 * frame belongs to a maptrack entry of the mapper, and the granter's entry
 * stays pinned (GTF_reading/GTF_writing) while it exists. When a granter is
 * destroyed or restarted, every mapping of its frames is revoked first, so
 * no domain keeps a frame the allocator has taken back. The hypervisor
 * never writes through a grant mapping: the mapper's gfn -> mfn table keeps
 * its own RAM, so a read-only grant stays read-only.
 *
 * Version 2 (GNTTABOP_set_version, only while nothing is mapped) has
 * 16-byte entries and keeps the busy bits in status frames, which the guest
 * maps with add_to_physmap (XENMAPIDX_grant_table_status) and finds with
 * GNTTABOP_get_status_frames; sub-page entries can be copied within their
 * range, not mapped; transitive entries are refused. The first 8 entries
 * (the toolstack's) survive a version change, the others are cleared.
 *
 * Locking: each domain's d->grant_lock guards its table (entries' busy
 * bits, pins, maptrack, frames). An operation between domains (map, unmap,
 * copy, destroy) holds every domain it touches, lower domain id first
 * (docs/locking.md). */
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/p2m.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <asm/hvm/hvm.h>
#include <asm/page.h>
#include <public/grant_table.h>

#define GNTTAB_MAX_FRAMES            GNTTAB_FRAMES_LIMIT
#define GNTTAB_INIT_FRAMES           1
#define ENTRIES_V1                   (4096 / sizeof(struct grant_entry_v1))
#define ENTRIES_V2                   (4096 / sizeof(union grant_entry_v2))
#define STATUS_PER_FRAME             (4096 / sizeof(grant_status_t))
#define MAX_STATUS_FRAMES            (GNTTAB_MAX_FRAMES * ENTRIES_V2 / STATUS_PER_FRAME)
#define RESERVED_ENTRIES             8
#define MAPTRACK_MAX                 256
#define GNTTAB_BATCH_MAX             1024        /* elements per map/unmap/copy call */
#define GNTTABOP_CONT_ARG_MASK       0xfffff000u /* Xen's GNTTABOP_ARG_MASK, in 32 bits */
#define GFN_LIMIT                    (1UL << 36) /* 48-bit guest-physical space */
#define NO_GFN                       (~0UL)
#define XENMAPIDX_grant_table_status (1UL << 31)

_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant entry layout");
_Static_assert(sizeof(union grant_entry_v2) == 16, "v2 grant entry layout");
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16, "get_status_frames layout");
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map_grant_ref layout");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap_grant_ref layout");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table layout");
_Static_assert(sizeof(struct compat_gnttab_setup_table) == 16, "compat setup_table layout");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "query_size layout");
_Static_assert(sizeof(struct gnttab_copy) == 40, "copy layout");
_Static_assert(sizeof(struct compat_gnttab_copy) == 24, "compat copy layout");

/* A mapping this domain made of another's (or its own) grant. */
struct grant_map {
    bool used;
    bool readonly;
    domid_t dom;       /* the granting domain */
    grant_ref_t ref;   /* its entry */
    unsigned long gfn; /* where it sits in the mapper's space */
    mfn_t mfn;
};

struct grant_table {
    unsigned int version; /* 1 or 2 */
    unsigned int max_frames;
    unsigned int nr_frames;
    uint8_t *frames[GNTTAB_MAX_FRAMES];
    unsigned long frame_gfn[GNTTAB_MAX_FRAMES]; /* NO_GFN while not mapped */
    unsigned int nr_status;                     /* version 2 */
    unsigned int nr_status_kept;                /* allocated: >= nr_status */
    grant_status_t *status[MAX_STATUS_FRAMES];
    unsigned long status_gfn[MAX_STATUS_FRAMES];
    uint16_t *pin_ro, *pin_rw; /* per entry, max_frames * ENTRIES_V1 */
    struct grant_map maptrack[MAPTRACK_MAX];
};

/* --- locking: one lock per domain, several in domain id order --- */

struct grant_locks {
    struct domain *d[3];
    unsigned int n;
    unsigned long flags;
};

static void locks_add(struct grant_locks *l, struct domain *d)
{
    unsigned int i;

    if (!d)
        return;
    for (i = 0; i < l->n; i++)
        if (l->d[i] == d)
            return;
    /* keep sorted by domain id */
    for (i = l->n; i > 0 && l->d[i - 1]->domain_id > d->domain_id; i--)
        l->d[i] = l->d[i - 1];
    l->d[i] = d;
    l->n++;
}

static void locks_take(struct grant_locks *l)
{
    l->flags = spin_lock_irqsave(&l->d[0]->grant_lock);
    for (unsigned int i = 1; i < l->n; i++)
        spin_lock(&l->d[i]->grant_lock);
}

static void locks_drop(struct grant_locks *l)
{
    for (unsigned int i = l->n; i-- > 1;)
        spin_unlock(&l->d[i]->grant_lock);
    spin_unlock_irqrestore(&l->d[0]->grant_lock, l->flags);
}

/* --- the grantee's map: changed by the p2m engine (xen/p2m.h) --- */

/* Stale translations of a changed nested entry must go before the guest
 * relies on the change: the vendor code's hvm_flush_guest_tlbs (xen/subsys.h). */

/* What gfn holds when no grant is mapped there: one of the domain's grant
 * frames (known here, under its grant lock), else whatever the p2m has
 * there (RAM, shared info or nothing). */
static void restore_gfn(struct domain *d, unsigned long gfn)
{
    struct grant_table *gt = d->grant;

    for (unsigned int i = 0; gt && i < gt->nr_frames; i++)
        if (gt->frame_gfn[i] == gfn) {
            p2m_map_frame(d, gfn, __pa(gt->frames[i]) >> 12, false);
            return;
        }
    p2m_restore(d, gfn);
}

/* --- tables --- */

static unsigned int entries_per_frame(const struct grant_table *gt)
{
    return gt->version == 2 ? ENTRIES_V2 : ENTRIES_V1;
}

static unsigned int nr_entries(const struct grant_table *gt)
{
    return gt->nr_frames * entries_per_frame(gt);
}

/* Version 2: enough status frames for every entry. */
static int status_populate(struct grant_table *gt)
{
    unsigned int need = (gt->nr_frames * ENTRIES_V2 + STATUS_PER_FRAME - 1) / STATUS_PER_FRAME;

    while (gt->nr_status < need) {
        void *f =
            gt->nr_status < gt->nr_status_kept ? gt->status[gt->nr_status] : alloc_xenheap_pages(0);

        if (!f)
            return -ENOMEM;
        memset(f, 0, 4096);
        if (gt->nr_status == gt->nr_status_kept)
            gt->nr_status_kept++;
        gt->status[gt->nr_status] = f;
        gt->status_gfn[gt->nr_status] = NO_GFN;
        gt->nr_status++;
    }
    return 0;
}

/* Back to version 1: the status frames leave the guest's map. They are
 * kept (for a later version 2, and freed at teardown): a vCPU running on
 * another pCPU may still write through a translation made before its next
 * exit, and a frame freed now could by then be someone else's. */
static void status_free(struct domain *d, struct grant_table *gt)
{
    bool mapped = false;

    for (unsigned int i = 0; i < gt->nr_status; i++) {
        if (gt->status_gfn[i] != NO_GFN) {
            restore_gfn(d, gt->status_gfn[i]);
            gt->status_gfn[i] = NO_GFN;
            mapped = true;
        }
    }
    gt->nr_status = 0;
    if (mapped)
        hvm_flush_guest_tlbs(d);
}

static int gnttab_grow(struct grant_table *gt, unsigned int nr)
{
    while (gt->nr_frames < nr) {
        void *f = alloc_xenheap_pages(0);

        if (!f)
            return -ENOMEM;
        memset(f, 0, 4096);
        gt->frames[gt->nr_frames] = f;
        gt->frame_gfn[gt->nr_frames] = NO_GFN;
        gt->nr_frames++;
    }
    return gt->version == 2 ? status_populate(gt) : 0;
}

int grant_table_init(struct domain *d)
{
    struct grant_table *gt = xzalloc(struct grant_table);

    if (!gt)
        return -ENOMEM;
    gt->version = 1;
    gt->max_frames = d->max_grant_frames ? d->max_grant_frames : GNTTAB_DEFAULT_FRAMES;
    gt->pin_ro = xzalloc_array(uint16_t, gt->max_frames * ENTRIES_V1);
    gt->pin_rw = xzalloc_array(uint16_t, gt->max_frames * ENTRIES_V1);
    if (!gt->pin_ro || !gt->pin_rw || gnttab_grow(gt, GNTTAB_INIT_FRAMES)) {
        for (unsigned int i = 0; i < gt->nr_frames; i++)
            free_xenheap_pages(gt->frames[i], 0);
        xfree(gt->pin_ro);
        xfree(gt->pin_rw);
        xfree(gt);
        return -ENOMEM;
    }
    d->grant = gt;
    return 0;
}

/* The flags|domid word of entry ref (the same header in both versions). */
static uint32_t *entry_hdr(struct grant_table *gt, grant_ref_t ref)
{
    unsigned int epf = entries_per_frame(gt), esz = 4096 / epf;

    return (uint32_t *)(gt->frames[ref / epf] + esz * (ref % epf));
}

/* The granted frame of entry ref. */
static uint64_t entry_frame(struct grant_table *gt, grant_ref_t ref)
{
    uint8_t *e = (uint8_t *)entry_hdr(gt, ref);

    if (gt->version == 2)
        return __atomic_load_n((uint64_t *)(e + 8), __ATOMIC_ACQUIRE);
    return __atomic_load_n((uint32_t *)(e + 4), __ATOMIC_ACQUIRE);
}

/* Where entry ref's busy bits are: its flags (v1) or its status word (v2). */
static uint16_t *entry_busy(struct grant_table *gt, grant_ref_t ref)
{
    if (gt->version == 2)
        return &gt->status[ref / STATUS_PER_FRAME][ref % STATUS_PER_FRAME];
    return (uint16_t *)entry_hdr(gt, ref);
}

/* Drop one pin of a mapping; the entry's busy bits follow the counts. */
static void unpin(struct grant_table *rgt, grant_ref_t ref, bool readonly)
{
    uint16_t *busy = entry_busy(rgt, ref);

    if (readonly)
        rgt->pin_ro[ref]--;
    else
        rgt->pin_rw[ref]--;
    if (!rgt->pin_rw[ref])
        __atomic_fetch_and(busy, (uint16_t)~GTF_writing, __ATOMIC_SEQ_CST);
    if (!rgt->pin_rw[ref] && !rgt->pin_ro[ref])
        __atomic_fetch_and(busy, (uint16_t)~GTF_reading, __ATOMIC_SEQ_CST);
}

/* Take back every mapping m holds of d's frames, and release d's own
 * mappings of m's grants. Both locks held. */
static void revoke_between(struct domain *d, struct domain *m)
{
    bool changed = false;

    for (unsigned int h = 0; m != d && m->grant && h < MAPTRACK_MAX; h++) {
        struct grant_map *map = &m->grant->maptrack[h];

        if (!map->used || map->dom != d->domain_id)
            continue;
        map->used = false;
        restore_gfn(m, map->gfn);
        changed = true;
    }
    if (changed)
        hvm_flush_guest_tlbs(m);
    for (unsigned int h = 0; d->grant && h < MAPTRACK_MAX; h++) {
        struct grant_map *map = &d->grant->maptrack[h];

        if (!map->used || map->dom != m->domain_id)
            continue;
        map->used = false;
        if (m != d && m->grant)
            unpin(m->grant, map->ref, map->readonly);
    }
}

void grant_table_destroy(struct domain *d)
{
    struct grant_table *gt = d->grant;
    struct grant_locks l;

    if (!gt)
        return;
    for (unsigned int i = 0; i < nr_domains; i++) {
        struct domain *m = domain_list[i];

        if (!m)
            continue;
        l = (struct grant_locks){0};
        locks_add(&l, d);
        locks_add(&l, m);
        locks_take(&l);
        revoke_between(d, m);
        locks_drop(&l);
    }
    l = (struct grant_locks){0};
    locks_add(&l, d);
    locks_take(&l);
    /* Mappings of grants of domains no longer listed: nothing to unpin. */
    for (unsigned int h = 0; h < MAPTRACK_MAX; h++)
        gt->maptrack[h].used = false;
    d->grant = NULL;
    locks_drop(&l);
    for (unsigned int i = 0; i < gt->nr_frames; i++)
        free_xenheap_pages(gt->frames[i], 0);
    for (unsigned int i = 0; i < gt->nr_status_kept; i++)
        free_xenheap_pages(gt->status[i], 0);
    xfree(gt->pin_ro);
    xfree(gt->pin_rw);
    xfree(gt);
}

/* XENMEM_add_to_physmap, space grant_table: frame idx of d's table at gfn
 * (the table grows to idx + 1 frames if it may). */
int gnttab_map_frame(struct domain *d, unsigned long idx, unsigned long gfn)
{
    struct grant_table *gt;
    struct grant_locks l = {0};
    unsigned long old, *slot;
    bool status = idx & XENMAPIDX_grant_table_status;
    void *frame;
    int rc = 0;

    idx &= ~XENMAPIDX_grant_table_status;
    if (idx >= GNTTAB_MAX_FRAMES || gfn >= GFN_LIMIT)
        return -EINVAL;
    locks_add(&l, d);
    locks_take(&l);
    gt = d->grant;
    if (!gt)
        rc = -ENODEV;
    else if (status && (gt->version != 2 || idx >= gt->nr_status))
        rc = -EINVAL; /* status frames exist in version 2 only */
    else if (!status && idx >= gt->max_frames)
        rc = -EINVAL;
    else if (!status)
        rc = gnttab_grow(gt, idx + 1);
    if (!rc) {
        slot = status ? &gt->status_gfn[idx] : &gt->frame_gfn[idx];
        frame = status ? (void *)gt->status[idx] : (void *)gt->frames[idx];
        old = *slot;
        /* Another frame at the same place is replaced, as Xen does. */
        for (unsigned int i = 0; i < gt->nr_frames; i++)
            if (gt->frame_gfn[i] == gfn)
                gt->frame_gfn[i] = NO_GFN;
        for (unsigned int i = 0; i < gt->nr_status; i++)
            if (gt->status_gfn[i] == gfn)
                gt->status_gfn[i] = NO_GFN;
        *slot = gfn;
        if (old != NO_GFN && old != gfn)
            restore_gfn(d, old);
        rc = p2m_map_frame(d, gfn, __pa(frame) >> 12, false);
        if (rc)
            *slot = NO_GFN;
        hvm_flush_guest_tlbs(d);
    }
    locks_drop(&l);
    return rc;
}

/* The domain a grant op names: the caller itself, or (with privilege)
 * another live one. NULL with a GNTST_* status otherwise. */
static struct domain *gnttab_target(struct vcpu *v, domid_t dom, int16_t *status)
{
    long err = 0;
    struct domain *d;

    if (dom != DOMID_SELF && dom != v->domain->domain_id &&
        (dom >= DOMID_FIRST_RESERVED || !domain_by_id(dom) ||
         domain_by_id(dom)->state == DOMSTATE_DEAD)) {
        *status = GNTST_bad_domain;
        return NULL;
    }
    d = hypercall_target(v, dom, &err);
    if (!d) {
        *status = err == -EPERM ? GNTST_permission_denied : GNTST_bad_domain;
        return NULL;
    }
    if (!d->grant) {
        *status = GNTST_bad_domain;
        return NULL;
    }
    return d;
}

/* --- the sub-ops --- */

static long gnttab_setup_table(struct vcpu *v, unsigned long uop, bool compat)
{
    struct gnttab_setup_table op;
    struct domain *d;
    struct grant_locks l = {0};

    if (compat) {
        struct compat_gnttab_setup_table c;

        if (copy_from_guest(v, &c, uop, sizeof(c)))
            return -EFAULT;
        op.dom = c.dom, op.nr_frames = c.nr_frames, op.frame_list = c.frame_list;
    } else if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;

    op.status = GNTST_okay;
    d = gnttab_target(v, op.dom, &op.status);
    if (d) {
        locks_add(&l, d);
        locks_take(&l);
    }
    if (d && !d->grant)
        op.status = GNTST_bad_domain;
    else if (d && op.nr_frames > d->grant->max_frames)
        op.status = GNTST_general_error;
    else if (d) {
        if (gnttab_grow(d->grant, op.nr_frames))
            op.status = GNTST_general_error;
        /* For translated guests the list gives where each frame is mapped. */
        for (unsigned int i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
            uint64_t gfn = d->grant->frame_gfn[i];
            unsigned int psz = compat ? 4 : 8;

            if (compat && gfn == NO_GFN)
                gfn = 0xffffffffu;
            if (copy_to_guest(v, op.frame_list + (uint64_t)i * psz, &gfn, psz))
                op.status = GNTST_bad_virt_addr;
        }
    }
    if (d)
        locks_drop(&l);
    /* status sits at the same offset in both layouts */
    return copy_to_guest(v, uop + offsetof(struct gnttab_setup_table, status), &op.status,
                         sizeof(op.status))
               ? -EFAULT
               : 0;
}

static long gnttab_query_size(struct vcpu *v, unsigned long uop)
{
    struct gnttab_query_size op;
    struct domain *d;
    struct grant_locks l = {0};

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    op.status = GNTST_okay;
    op.nr_frames = op.max_nr_frames = 0;
    if ((d = gnttab_target(v, op.dom, &op.status))) {
        locks_add(&l, d);
        locks_take(&l);
        if (d->grant) {
            op.nr_frames = d->grant->nr_frames;
            op.max_nr_frames = d->grant->max_frames;
        } else
            op.status = GNTST_bad_domain;
        locks_drop(&l);
    }
    return copy_to_guest(v, uop, &op, sizeof(op)) ? -EFAULT : 0;
}

static long gnttab_get_version(struct vcpu *v, unsigned long uop)
{
    struct gnttab_get_version op;
    struct domain *d;
    long err = 0;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    if (op.dom != DOMID_SELF && op.dom != v->domain->domain_id &&
        (op.dom >= DOMID_FIRST_RESERVED || !domain_by_id(op.dom)))
        return -ESRCH;
    d = hypercall_target(v, op.dom, &err);
    if (!d)
        return err;
    op.version = d->grant ? __atomic_load_n(&d->grant->version, __ATOMIC_ACQUIRE) : 1;
    return copy_to_guest(v, uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/* Switch the caller's table between versions 1 and 2 (anything else is
 * -EINVAL). As Xen: refused with -EBUSY while any entry past the first 8 is
 * in use (pinned by a mapping or a copy, or mapped by the domain itself);
 * the first 8 entries (the toolstack's) are carried over, the others
 * cleared. The version in force is written back either way. */
static long gnttab_set_version(struct vcpu *v, unsigned long uop)
{
    struct gnttab_set_version op;
    struct domain *d = v->domain;
    struct grant_locks l = {0};
    struct grant_table *gt;
    long rc = 0;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    locks_add(&l, d);
    locks_take(&l);
    gt = d->grant;
    if (!gt)
        rc = -ENODEV;
    else if (op.version != 1 && op.version != 2)
        rc = -EINVAL;
    else if (op.version != gt->version) {
        unsigned int n = nr_entries(gt);
        struct {
            uint16_t flags;
            domid_t domid;
            uint64_t frame;
        } keep[RESERVED_ENTRIES];

        for (unsigned int i = RESERVED_ENTRIES; i < n && !rc; i++)
            if (gt->pin_ro[i] || gt->pin_rw[i])
                rc = -EBUSY;
        for (unsigned int h = 0; h < MAPTRACK_MAX && !rc; h++)
            if (gt->maptrack[h].used && gt->maptrack[h].dom == d->domain_id &&
                gt->maptrack[h].ref >= RESERVED_ENTRIES)
                rc = -EBUSY;
        if (!rc && op.version == 2)
            rc = status_populate(gt); /* status words for the v2 entries */
        if (!rc) {
            for (unsigned int i = 0; i < RESERVED_ENTRIES && i < n; i++) {
                uint32_t hdr = *entry_hdr(gt, i);

                keep[i].flags = hdr & 0xffff;
                keep[i].domid = hdr >> 16;
                keep[i].frame = entry_frame(gt, i);
                if (gt->version == 2)
                    keep[i].flags |= *entry_busy(gt, i) & (GTF_reading | GTF_writing);
            }
            for (unsigned int i = 0; i < gt->nr_frames; i++)
                memset(gt->frames[i], 0, 4096);
            if (op.version == 1)
                status_free(d, gt);
            gt->version = op.version;
            for (unsigned int i = 0; i < RESERVED_ENTRIES && i < n; i++) {
                uint8_t *e = (uint8_t *)entry_hdr(gt, i);

                if (op.version == 2) {
                    *(uint32_t *)e =
                        (keep[i].flags & ~(GTF_reading | GTF_writing)) | (keep[i].domid << 16);
                    *(uint64_t *)(e + 8) = keep[i].frame;
                    *entry_busy(gt, i) = keep[i].flags & (GTF_reading | GTF_writing);
                } else {
                    *(uint32_t *)e = keep[i].flags | (keep[i].domid << 16);
                    *(uint32_t *)(e + 4) = (uint32_t)keep[i].frame;
                }
            }
        }
    }
    op.version = gt ? gt->version : 1;
    locks_drop(&l);
    if (copy_to_guest(v, uop, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

/* Where the status frames of a version 2 table sit in the guest's space
 * (for a translated guest), as setup_table gives the shared frames. */
static long gnttab_get_status_frames(struct vcpu *v, unsigned long uop, bool compat)
{
    struct gnttab_get_status_frames op;
    struct grant_locks l = {0};
    struct domain *d;

    if (compat) {
        struct compat_gnttab_get_status_frames c;

        if (copy_from_guest(v, &c, uop, sizeof(c)))
            return -EFAULT;
        op.nr_frames = c.nr_frames, op.dom = c.dom, op.frame_list = c.frame_list;
    } else if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    op.status = GNTST_okay;
    d = gnttab_target(v, op.dom, &op.status);
    if (d) {
        locks_add(&l, d);
        locks_take(&l);
        if (!d->grant)
            op.status = GNTST_bad_domain;
        else if (d->grant->version != 2 || op.nr_frames > d->grant->nr_status)
            op.status = GNTST_general_error;
        for (unsigned int i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
            uint64_t gfn = d->grant->status_gfn[i];

            if (copy_to_guest(v, op.frame_list + (uint64_t)i * 8, &gfn, 8))
                op.status = GNTST_bad_virt_addr;
        }
        locks_drop(&l);
    }
    return copy_to_guest(v, uop + offsetof(struct gnttab_get_status_frames, status), &op.status,
                         sizeof(op.status))
               ? -EFAULT
               : 0;
}

/* The machine frame behind a granted gfn of rd: its own RAM only (the
 * gfn -> mfn table holds nothing else), never its grant or shared info
 * frames. */
static mfn_t granted_mfn(struct domain *rd, uint64_t frame)
{
    mfn_t mfn;

    if (!(mfn = p2m_ram_mfn(rd, frame)) || mfn >= max_page)
        return 0;
    return mfn;
}

/* Check entry ref of rd for use by domid `who` and set its busy bits.
 * A sub-page entry may be used only by a copy (sub_ok). */
static int16_t pin_entry(struct grant_table *rgt, grant_ref_t ref, domid_t who, bool readonly,
                         bool sub_ok)
{
    uint32_t *word = entry_hdr(rgt, ref); /* flags | domid << 16 */

    if (rgt->version == 2) {
        uint32_t hdr = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        uint16_t fl = hdr & 0xffff, *busy = entry_busy(rgt, ref);

        if ((fl & GTF_type_mask) != GTF_permit_access || (hdr >> 16) != who)
            return GNTST_general_error; /* transitive entries are not followed */
        if ((!readonly && (fl & GTF_readonly)) || ((fl & GTF_sub_page) && !sub_ok))
            return GNTST_general_error;
        __atomic_fetch_or(busy, (uint16_t)(GTF_reading | (readonly ? 0 : GTF_writing)),
                          __ATOMIC_SEQ_CST);
        if (readonly)
            rgt->pin_ro[ref]++;
        else
            rgt->pin_rw[ref]++;
        /* The granter may have revoked it meanwhile: look again. */
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != hdr) {
            unpin(rgt, ref, readonly);
            return GNTST_general_error;
        }
        return GNTST_okay;
    }
    for (unsigned int tries = 0; tries < 8; tries++) {
        uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE), new;
        uint16_t fl = old & 0xffff;

        if ((fl & GTF_type_mask) != GTF_permit_access || (old >> 16) != who)
            return GNTST_general_error;
        if (!readonly && (fl & GTF_readonly))
            return GNTST_general_error;
        new = old | GTF_reading | (readonly ? 0 : GTF_writing);
        if (__atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            if (readonly)
                rgt->pin_ro[ref]++;
            else
                rgt->pin_rw[ref]++;
            return GNTST_okay;
        }
    }
    return GNTST_general_error; /* the granter keeps changing it */
}

static void map_one(struct vcpu *v, struct gnttab_map_grant_ref *op)
{
    struct domain *ld = v->domain, *rd;
    struct grant_table *lgt = ld->grant, *rgt;
    struct grant_map *map = NULL;
    bool ro = op->flags & GNTMAP_readonly;
    unsigned long gfn = op->host_addr >> 12;
    unsigned int h;
    mfn_t mfn;

    op->handle = ~0u;
    op->dev_bus_addr = 0;
    if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map))) {
        op->status = GNTST_bad_gntref;
        return;
    }
    /* Translated guests map into their physical space only. */
    if (op->flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte)) {
        op->status = GNTST_general_error;
        return;
    }
    rd = op->dom == DOMID_SELF ? ld : op->dom < DOMID_FIRST_RESERVED ? domain_by_id(op->dom) : NULL;
    if (!rd || rd->state == DOMSTATE_DEAD || rd->state == DOMSTATE_DYING || !rd->grant) {
        op->status = GNTST_bad_domain;
        return;
    }
    rgt = rd->grant;
    for (h = 0; h < MAPTRACK_MAX; h++)
        if (!lgt->maptrack[h].used) {
            map = &lgt->maptrack[h];
            break;
        }
    if (!map) {
        op->status = GNTST_no_device_space;
        return;
    }
    if (op->ref >= nr_entries(rgt)) {
        op->status = GNTST_bad_gntref;
        return;
    }
    if (gfn >= GFN_LIMIT) {
        op->status = GNTST_general_error;
        return;
    }
    op->status = pin_entry(rgt, op->ref, ld->domain_id, ro, false);
    if (op->status != GNTST_okay)
        return;
    mfn = granted_mfn(rd, entry_frame(rgt, op->ref));
    if (!mfn || p2m_map_frame(ld, gfn, mfn, ro)) {
        unpin(rgt, op->ref, ro);
        op->status = GNTST_general_error;
        return;
    }
    *map = (struct grant_map){
        .used = true, .readonly = ro, .dom = rd->domain_id, .ref = op->ref, .gfn = gfn, .mfn = mfn};
    hvm_flush_guest_tlbs(ld);
    op->handle = h;
}

static void unmap_one(struct vcpu *v, struct gnttab_unmap_grant_ref *op)
{
    struct domain *ld = v->domain, *rd;
    struct grant_map *map;

    if (op->handle >= MAPTRACK_MAX || !ld->grant->maptrack[op->handle].used) {
        op->status = GNTST_bad_handle;
        return;
    }
    map = &ld->grant->maptrack[op->handle];
    if (op->host_addr >> 12 != map->gfn) {
        op->status = GNTST_general_error; /* not where this handle is mapped */
        return;
    }
    map->used = false;
    restore_gfn(ld, map->gfn);
    hvm_flush_guest_tlbs(ld);
    rd = domain_by_id(map->dom);
    if (rd && rd->grant)
        unpin(rd->grant, map->ref, map->readonly);
    op->status = GNTST_okay;
}

/* One side of a copy: a granted frame (pinned for the copy) or a frame of
 * the caller's own. */
struct copy_side {
    struct domain *d;
    grant_ref_t ref;
    bool pinned, readonly, sub;
    uint16_t sub_off, sub_len; /* a v2 sub-page grant's range */
    uint8_t *p;
};

static bool within(const struct copy_side *s, unsigned int off, unsigned int len)
{
    return !s->sub || (off >= s->sub_off && off + len <= (unsigned int)s->sub_off + s->sub_len);
}

static int16_t copy_acquire(struct vcpu *v, const struct gnttab_copy_ptr *ptr, bool is_gref,
                            bool write, struct copy_side *s)
{
    struct domain *ld = v->domain;
    mfn_t mfn;

    memset(s, 0, sizeof(*s));
    if (is_gref) {
        struct domain *rd = ptr->domid == DOMID_SELF            ? ld
                            : ptr->domid < DOMID_FIRST_RESERVED ? domain_by_id(ptr->domid)
                                                                : NULL;
        int16_t st;

        if (!rd || rd->state == DOMSTATE_DEAD || rd->state == DOMSTATE_DYING || !rd->grant)
            return GNTST_bad_domain;
        if (ptr->u.ref >= nr_entries(rd->grant))
            return GNTST_bad_gntref;
        st = pin_entry(rd->grant, ptr->u.ref, ld->domain_id, !write, true);
        if (st != GNTST_okay)
            return st;
        s->d = rd, s->ref = ptr->u.ref, s->pinned = true, s->readonly = !write;
        mfn = granted_mfn(rd, entry_frame(rd->grant, ptr->u.ref));
        if (!mfn)
            return GNTST_general_error;
        s->p = mfn_to_virt(mfn);
        if (rd->grant->version == 2) {
            uint8_t *e = (uint8_t *)entry_hdr(rd->grant, ptr->u.ref);

            if (*(uint16_t *)e & GTF_sub_page) { /* the copy must stay inside */
                s->sub_off = *(uint16_t *)(e + 4);
                s->sub_len = *(uint16_t *)(e + 6);
                s->sub = true;
            }
        }
        return GNTST_okay;
    }
    /* A frame of the caller's own: only DOMID_SELF (or its id), as Xen. */
    if (ptr->domid != DOMID_SELF && ptr->domid != ld->domain_id)
        return GNTST_permission_denied;
    if (ptr->u.gmfn >= GFN_LIMIT || !(s->p = gfn_to_virt(ld, ptr->u.gmfn)))
        return GNTST_bad_page;
    return GNTST_okay;
}

static void copy_release(struct copy_side *s)
{
    if (s->pinned && s->d->grant)
        unpin(s->d->grant, s->ref, s->readonly);
    s->pinned = false;
}

static void copy_one(struct vcpu *v, struct gnttab_copy *op)
{
    struct copy_side src, dst;

    if (op->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref)) {
        op->status = GNTST_bad_copy_arg;
        return;
    }
    if (op->len > 4096 || op->source.offset > 4096 - op->len || op->dest.offset > 4096 - op->len) {
        op->status = GNTST_bad_copy_arg;
        return;
    }
    op->status = copy_acquire(v, &op->source, op->flags & GNTCOPY_source_gref, false, &src);
    if (op->status == GNTST_okay) {
        op->status = copy_acquire(v, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst);
        if (op->status == GNTST_okay &&
            (!within(&src, op->source.offset, op->len) || !within(&dst, op->dest.offset, op->len)))
            op->status = GNTST_general_error;
        if (op->status == GNTST_okay)
            memmove(dst.p + op->dest.offset, src.p + op->source.offset, op->len);
        copy_release(&dst);
    }
    copy_release(&src);
}

static void copy_from_compat(struct gnttab_copy *op, const struct compat_gnttab_copy *c)
{
    op->source.u.gmfn = c->source.u.gmfn;
    op->source.domid = c->source.domid;
    op->source.offset = c->source.offset;
    op->dest.u.gmfn = c->dest.u.gmfn;
    op->dest.domid = c->dest.domid;
    op->dest.offset = c->dest.offset;
    op->len = c->len;
    op->flags = c->flags;
}

/* The live domain an element names (DOMID_SELF: the caller), or NULL. */
static struct domain *op_domain(struct vcpu *v, domid_t dom)
{
    if (dom == DOMID_SELF)
        return v->domain;
    return dom < DOMID_FIRST_RESERVED ? domain_by_id(dom) : NULL;
}

static bool locked(const struct grant_locks *l, const struct domain *d)
{
    for (unsigned int i = 0; i < l->n; i++)
        if (l->d[i] == d)
            return true;
    return !d; /* a granter that is gone needs no lock */
}

/* map, unmap, copy: `count` elements, each with its own status. A fault on
 * an element stops the batch with -EFAULT (earlier elements are done). */
static long gnttab_batch(struct vcpu *v, unsigned long cmd, unsigned long uop, unsigned long count,
                         bool compat)
{
    size_t sz = cmd == GNTTABOP_map_grant_ref     ? sizeof(struct gnttab_map_grant_ref)
                : cmd == GNTTABOP_unmap_grant_ref ? sizeof(struct gnttab_unmap_grant_ref)
                : compat                          ? sizeof(struct compat_gnttab_copy)
                                                  : sizeof(struct gnttab_copy);

    if (count > GNTTAB_BATCH_MAX)
        return -EINVAL;
    for (unsigned long i = 0; i < count; i++) {
        unsigned long at = uop + i * sz;
        struct grant_locks l;
        union {
            struct gnttab_map_grant_ref map;
            struct gnttab_unmap_grant_ref unmap;
            struct gnttab_copy copy;
            struct compat_gnttab_copy ccopy;
        } u;

        /* As Xen: the rest of the batch is a call of its own. */
        if (i && hypercall_preempt_check(v))
            return hypercall_create_continuation(v, __HYPERVISOR_grant_table_op, 3, cmd, at,
                                                 count - i);
        if (copy_from_guest(v, &u, at, sz))
            return -EFAULT;
        /* Lock every domain the element touches, lower id first. */
        l = (struct grant_locks){0};
        locks_add(&l, v->domain);
        switch (cmd) {
        case GNTTABOP_map_grant_ref:
            locks_add(&l, op_domain(v, u.map.dom));
            break;
        case GNTTABOP_unmap_grant_ref:
            if (v->domain->grant && u.unmap.handle < MAPTRACK_MAX)
                locks_add(&l, op_domain(v, v->domain->grant->maptrack[u.unmap.handle].dom));
            break;
        default:
            if (compat) {
                if (u.ccopy.flags & GNTCOPY_source_gref)
                    locks_add(&l, op_domain(v, u.ccopy.source.domid));
                if (u.ccopy.flags & GNTCOPY_dest_gref)
                    locks_add(&l, op_domain(v, u.ccopy.dest.domid));
            } else {
                if (u.copy.flags & GNTCOPY_source_gref)
                    locks_add(&l, op_domain(v, u.copy.source.domid));
                if (u.copy.flags & GNTCOPY_dest_gref)
                    locks_add(&l, op_domain(v, u.copy.dest.domid));
            }
        }
        locks_take(&l);
        if (!v->domain->grant) {
            locks_drop(&l);
            return -ENODEV;
        }
        /* An unmap's handle may have changed hands before the lock: only
         * the granter locked above may be touched. */
        if (cmd == GNTTABOP_unmap_grant_ref && u.unmap.handle < MAPTRACK_MAX &&
            v->domain->grant->maptrack[u.unmap.handle].used &&
            !locked(&l, domain_by_id(v->domain->grant->maptrack[u.unmap.handle].dom))) {
            locks_drop(&l);
            i--;
            continue; /* look again */
        }
        switch (cmd) {
        case GNTTABOP_map_grant_ref:
            map_one(v, &u.map);
            break;
        case GNTTABOP_unmap_grant_ref:
            unmap_one(v, &u.unmap);
            break;
        default:
            if (compat) {
                struct gnttab_copy op;

                copy_from_compat(&op, &u.ccopy);
                copy_one(v, &op);
                u.ccopy.status = op.status;
            } else
                copy_one(v, &u.copy);
        }
        locks_drop(&l);
        if (copy_to_guest(v, at, &u, sz))
            return -EFAULT;
    }
    return 0;
}

long do_grant_table_op(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned long cmd = args[0], uop = args[1], count = args[2];

    /* Bits 12-31 of cmd carry a continuation's own state in Xen, for
     * GNTTABOP_cache_flush alone (not offered here): -EINVAL elsewhere. */
    if (cmd & GNTTABOP_CONT_ARG_MASK)
        return -EINVAL;
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_copy:
        return gnttab_batch(v, cmd, uop, count, compat);
    case GNTTABOP_get_status_frames:
        if (count != 1)
            return -EINVAL;
        return gnttab_get_status_frames(v, uop, compat);
    case GNTTABOP_setup_table:
    case GNTTABOP_query_size:
    case GNTTABOP_get_version:
    case GNTTABOP_set_version:
        if (count != 1)
            return -EINVAL;
        return cmd == GNTTABOP_setup_table   ? gnttab_setup_table(v, uop, compat)
               : cmd == GNTTABOP_query_size  ? gnttab_query_size(v, uop)
               : cmd == GNTTABOP_get_version ? gnttab_get_version(v, uop)
                                             : gnttab_set_version(v, uop);
    }
    return -ENOSYS;
}

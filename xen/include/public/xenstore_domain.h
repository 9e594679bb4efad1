/* How the hypervisor introduces domains to the xenstore domain (the boot
 * module with role=xenstore). This is this project's own interface, not
 * Xen's: Xen's toolstack sends XS_INTRODUCE instead.
 *
 * The hypervisor keeps a table in the xenstore domain's RAM at
 * XSDOM_INTRO_GPA, one entry per domid (entry[domid - 1]). When a domain
 * gets a store ring (built, restarted) or loses it (destroyed, restarted),
 * the hypervisor rewrites its entry and raises VIRQ_DOM_EXC in the xenstore
 * domain. Writing an entry sets gen to 0 first, then the fields, then a
 * new non-zero gen, so a reader that sees the same non-zero gen before and
 * after copying an entry has a consistent copy.
 *
 * A present entry names the domain's store page (a gfn of its RAM) and the
 * unbound event channel port it may bind with EVTCHNOP_bind_interdomain.
 * The xenstore domain maps the page with XENMEM_add_to_physmap_batch,
 * space XENMAPSPACE_gmfn_foreign: allowed to it for that one gfn of an
 * introduced domain only (a privileged domain may map any RAM gfn). */
#ifndef PUBLIC_XENSTORE_DOMAIN_H
#define PUBLIC_XENSTORE_DOMAIN_H

#define XSDOM_INTRO_GPA   0x10000
#define XSDOM_INTRO_MAGIC 0x78736931u /* "xsi1" */
#define XSDOM_INTRO_MAX   256

#define XSDOM_ENTRY_ABSENT  0
#define XSDOM_ENTRY_PRESENT 1

struct xsdom_intro_entry {
    uint32_t gen;   /* 0 while being written; changes on every rewrite */
    uint32_t state; /* XSDOM_ENTRY_* */
    uint32_t domid;
    uint32_t store_port;
    uint64_t store_gfn;
    char name[64];
};

struct xsdom_intro {
    uint32_t magic;
    uint32_t nr_entries;
    uint32_t xs_domid;
    uint32_t pad;
    struct xsdom_intro_entry entry[XSDOM_INTRO_MAX];
};

#endif

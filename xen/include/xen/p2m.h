/* The guest-physical map of a domain: the one engine (arch/x86/hvm/p2m.c)
 * that changes a domain's gfn -> mfn table, its spare RAM frames and the
 * nested page tables that map them. memory_op, the grant table, foreign
 * mappings and the domain builder go through it; nothing else writes them.
 *
 * Locking: every function here takes d->p2m_lock itself (docs/locking.md),
 * so a change is whole when another pCPU sees it. Readers of the map
 * (gfn_to_virt) take no lock: a frame leaves the domain only at teardown,
 * so a stale answer is at worst another frame of the same domain.
 *
 * Charging: every frame the engine allocates belongs to the domain: RAM
 * counts in tot_pages (capped by max_pages), nested table frames in
 * p2m_pages (capped by max_p2m_pages, the setting shadow_memory=). A call
 * that would pass a cap fails with -ENOMEM and changes nothing the guest
 * can see. p2m_teardown gives every one of them back. */
#ifndef XEN_P2M_H
#define XEN_P2M_H

#include <xen/sched.h>

/* shadow_memory= (MiB) as Xen's xl.cfg sizes it when not given: 1 MiB per
 * vCPU and 8 KiB per MiB of RAM, in frames. */
unsigned long p2m_default_max_tables(const struct domain *d);

/* Build: RAM for [0, bytes), zeroed, in 2 MiB blocks where it can. */
int p2m_populate(struct domain *d, uint64_t bytes);
/* Destroy or restart: every frame the domain owns goes back. */
void p2m_teardown(struct domain *d);

/* Reservations, one extent of 2^order gfns, all or nothing:
 * populate (-EEXIST if one is backed, -ENOMEM past max_pages or a cap)
 * and release to the spare list (-ENOENT if one is not RAM). */
int p2m_ram_populate(struct domain *d, unsigned long gfn, unsigned int order);
int p2m_ram_release(struct domain *d, unsigned long gfn, unsigned int order);
/* XENMAPSPACE_gmfn: the RAM frame at `from` moves to `to` (whose own frame,
 * if any, becomes spare). */
int p2m_ram_move(struct domain *d, unsigned long from, unsigned long to);
/* The RAM frame at gfn, 0 if none. */
mfn_t p2m_ram_mfn(struct domain *d, unsigned long gfn);

/* The shared info page goes to gfn (RAM there becomes spare), and leaves
 * the gfn it had. */
int p2m_map_shared_info(struct domain *d, unsigned long gfn);

/* A frame that is not the domain's RAM (a grant table frame, another
 * domain's granted or foreign frame, a scratch page) at gfn. */
int p2m_map_frame(struct domain *d, unsigned long gfn, mfn_t mfn, bool readonly);
/* gfn shows what it holds without such a frame: RAM, shared info or
 * nothing. */
int p2m_restore(struct domain *d, unsigned long gfn);

/* The domain builder's copy into guest-physical memory (ELF segments,
 * modules, start info). */
int p2m_write_phys(struct domain *d, uint64_t gpa, const void *src, size_t len);

#endif

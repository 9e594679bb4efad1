/* x86-64 page table entries. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <xen/types.h>

#define _PAGE_PRESENT  (1UL << 0)
#define _PAGE_RW       (1UL << 1)
#define _PAGE_USER     (1UL << 2)
#define _PAGE_PWT      (1UL << 3)
#define _PAGE_PCD      (1UL << 4)
#define _PAGE_ACCESSED (1UL << 5)
#define _PAGE_DIRTY    (1UL << 6)
#define _PAGE_PSE      (1UL << 7)
#define _PAGE_GLOBAL   (1UL << 8)
#define _PAGE_NX       (1UL << 63)
#define PADDR_MASK     0x000ffffffffff000UL

#define PAGE_HYPERVISOR_RX  (_PAGE_PRESENT | _PAGE_ACCESSED)
#define PAGE_HYPERVISOR_RO  (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_HYPERVISOR_RW  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)
#define PAGE_HYPERVISOR_RWX (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PAGE_HYPERVISOR_UC  (PAGE_HYPERVISOR_RW | _PAGE_PCD | _PAGE_PWT)

typedef uint64_t pte_t;

/* Map [va, va + size) to [pa, ...) with `flags` in the hypervisor's page
 * tables, using 2 MiB pages where alignment allows when `large` is set. */
int map_pages(unsigned long va, paddr_t pa, uint64_t size, uint64_t flags, bool large);
/* Map device memory uncached; returns the virtual address. */
void *ioremap(paddr_t pa, size_t size);
/* Build the final page tables and switch to them (boot CPU). */
void paging_init(void);
extern unsigned long idle_pg_table_pa;
/* Translate a hypervisor virtual address by walking the live tables; for
 * diagnostics. Returns the PTE or 0. */
pte_t lookup_pte(unsigned long va);

#endif

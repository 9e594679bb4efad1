/* Addresses and sizes that the boot code, the linker script and C share. */
#ifndef ASM_CONFIG_H
#define ASM_CONFIG_H

/* Constants shared with assembly and the linker script, where C's integer
 * suffixes are not understood. */
#ifdef __ASSEMBLY__
#define _UL(x) x
#else
#define _UL(x) x##UL
#endif

/* The image is linked and loaded at this physical address and identity
 * mapped, so the same addresses work before and after paging is enabled. */
#define XEN_PHYS_START 0x200000
#define PAGE_SHIFT     12
#define PAGE_SIZE      (_UL(1) << PAGE_SHIFT)
#define NR_CPUS        64
#define STACK_ORDER    2 /* 16 KiB per CPU primary stack */
#define STACK_SIZE     (PAGE_SIZE << STACK_ORDER)
#define IST_STACK_SIZE PAGE_SIZE
#define AP_TRAMPOLINE  0x8000 /* below 1 MiB, page aligned: the SIPI vector is 0x08 */

/* All of physical memory is mapped here (non-executable). */
#define DIRECTMAP_BASE _UL(0xffff830000000000)
/* Device memory mapped uncached by ioremap(). */
#define IOREMAP_BASE _UL(0xffff820000000000)
#define IOREMAP_SIZE (_UL(1) << 30)

#define GDT_CS64 0x08
#define GDT_DS   0x10
#define GDT_CS32 0x18
#define GDT_TSS  0x20 /* then one 16-byte TSS descriptor per CPU */

#endif

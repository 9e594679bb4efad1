/* What the boot loader handed over, in one loader-neutral form. */
#ifndef XEN_BOOTINFO_H
#define XEN_BOOTINFO_H

#include <xen/types.h>

#define MAX_MEMMAP  128
#define MAX_MODULES 256

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4
#define E820_UNUSABLE 5

struct memmap_entry {
    uint64_t addr, size;
    uint32_t type;
};

struct boot_module {
    paddr_t start;
    uint64_t size;
    const char *cmdline; /* loader's string, identity mapped */
};

struct boot_info {
    const char *loader; /* "multiboot1", "multiboot2" */
    const char *loader_name;
    const char *cmdline;
    unsigned int nr_memmap;
    struct memmap_entry memmap[MAX_MEMMAP];
    unsigned int nr_modules;
    struct boot_module modules[MAX_MODULES];
    paddr_t rsdp; /* 0 if the loader gave none */
};

extern struct boot_info boot_info;

/* Fill boot_info from the loader's data. Returns NULL or a message saying
 * what is wrong with the boot input. */
const char *multiboot_parse(uint32_t magic, paddr_t info, struct boot_info *bi);

#endif

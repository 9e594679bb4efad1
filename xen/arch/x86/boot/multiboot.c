/* Multiboot 1 and 2 information, turned into struct boot_info. The loader's
 * structures live in low memory, identity mapped by the boot page tables.
 * Anything malformed is reported as a message, never followed blindly. */
#include <xen/bootinfo.h>
#include <xen/lib.h>
#include <xen/string.h>

#define MB1_BOOTLOADER_MAGIC 0x2BADB002
#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define MB1_INFO_MEMORY  (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS    (1u << 3)
#define MB1_INFO_MMAP    (1u << 6)
#define MB1_INFO_LOADER  (1u << 9)

struct mb1_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __packed;

struct mb1_module {
    uint32_t start, end, cmdline, reserved;
} __packed;

struct mb1_mmap {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
} __packed;

struct mb2_tag {
    uint32_t type, size;
};

#define INFO_LIMIT 0x100000000ULL /* everything must be below 4 GiB */

static const char *mb1_parse(const struct mb1_info *mbi, struct boot_info *bi)
{
    bi->loader = "multiboot1";
    if (mbi->flags & MB1_INFO_CMDLINE)
        bi->cmdline = (const char *)(uintptr_t)mbi->cmdline;
    if (mbi->flags & MB1_INFO_LOADER)
        bi->loader_name = (const char *)(uintptr_t)mbi->boot_loader_name;

    if (!(mbi->flags & MB1_INFO_MMAP))
        return "the boot loader gave no memory map (multiboot1 flag 6 clear)";
    for (uint32_t off = 0; off + sizeof(struct mb1_mmap) <= mbi->mmap_length;) {
        const struct mb1_mmap *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);

        if (e->size < 20)
            return "malformed multiboot1 memory map entry";
        if (bi->nr_memmap < MAX_MEMMAP)
            bi->memmap[bi->nr_memmap++] = (struct memmap_entry){e->addr, e->len, e->type};
        off += e->size + 4;
    }

    if (mbi->flags & MB1_INFO_MODS) {
        const struct mb1_module *m = (const void *)(uintptr_t)mbi->mods_addr;

        if (mbi->mods_count > MAX_MODULES)
            return "too many boot modules (at most 256)";
        for (uint32_t i = 0; i < mbi->mods_count; i++) {
            if (m[i].end < m[i].start)
                return "malformed boot module: end before start";
            bi->modules[bi->nr_modules++] = (struct boot_module){
                m[i].start, m[i].end - m[i].start, (const char *)(uintptr_t)m[i].cmdline};
        }
    }
    return NULL;
}

static const char *mb2_parse(paddr_t info, struct boot_info *bi)
{
    uint32_t total = *(const uint32_t *)(uintptr_t)info;
    paddr_t p = info + 8, end = info + total;

    bi->loader = "multiboot2";
    if (total < 16 || end > INFO_LIMIT)
        return "malformed multiboot2 information (bad total size)";
    while (p + sizeof(struct mb2_tag) <= end) {
        const struct mb2_tag *t = (const void *)(uintptr_t)p;

        if (t->size < 8 || p + t->size > end)
            return "malformed multiboot2 tag (bad size)";
        switch (t->type) {
        case 0: /* end */
            return NULL;
        case 1: /* command line */
            bi->cmdline = (const char *)(t + 1);
            break;
        case 2: /* boot loader name */
            bi->loader_name = (const char *)(t + 1);
            break;
        case 3: { /* module */
            const uint32_t *m = (const uint32_t *)(t + 1);

            if (bi->nr_modules >= MAX_MODULES)
                return "too many boot modules (at most 256)";
            if (m[1] < m[0])
                return "malformed boot module: end before start";
            bi->modules[bi->nr_modules++] =
                (struct boot_module){m[0], m[1] - m[0], (const char *)(m + 2)};
            break;
        }
        case 6: { /* memory map */
            const uint32_t *h = (const uint32_t *)(t + 1);
            uint32_t esize = h[0];

            if (esize < 24)
                return "malformed multiboot2 memory map (entry size)";
            for (paddr_t e = p + 16; e + esize <= p + t->size; e += esize) {
                const uint64_t *q = (const void *)(uintptr_t)e;
                if (bi->nr_memmap < MAX_MEMMAP)
                    bi->memmap[bi->nr_memmap++] =
                        (struct memmap_entry){q[0], q[1], *(const uint32_t *)&q[2]};
            }
            break;
        }
        case 14: /* ACPI 1.0 RSDP copy */
        case 15: /* ACPI 2.0 RSDP copy */
            if (!bi->rsdp || t->type == 15)
                bi->rsdp = p + 8;
            break;
        }
        p += ROUNDUP(t->size, 8);
    }
    return "malformed multiboot2 information (no end tag)";
}

const char *multiboot_parse(uint32_t magic, paddr_t info, struct boot_info *bi)
{
    const char *err;

    memset(bi, 0, sizeof(*bi));
    if (magic != MB1_BOOTLOADER_MAGIC && magic != MB2_BOOTLOADER_MAGIC)
        return "unknown boot loader magic (expected multiboot1 0x2BADB002 or multiboot2 "
               "0x36d76289)";
    if (!info || info >= INFO_LIMIT)
        return "boot loader information pointer is invalid";
    err = magic == MB1_BOOTLOADER_MAGIC ? mb1_parse((const void *)(uintptr_t)info, bi)
                                        : mb2_parse(info, bi);
    if (err)
        return err;
    if (!bi->nr_memmap)
        return "the boot loader gave an empty memory map";
    if (!bi->cmdline)
        bi->cmdline = "";
    for (unsigned int i = 0; i < bi->nr_modules; i++) {
        if (!bi->modules[i].cmdline)
            bi->modules[i].cmdline = "";
        if (bi->modules[i].start + bi->modules[i].size > INFO_LIMIT)
            return "boot module above 4 GiB";
    }
    return NULL;
}

/* Multiboot 1 and 2 information parsing: good input is understood, and bad
 * input (unknown magic, no memory map, broken tags or modules) is named in a
 * message instead of being followed. The structures are built below 4 GiB,
 * where the loader puts them. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <xen/bootinfo.h>
#include "harness.h"

static uint8_t *low;

static uint32_t lowaddr(const void *p)
{
    return (uint32_t)(uintptr_t)p;
}

static uint8_t *low_area(void)
{
    if (!low)
        low = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
                   0);
    memset(low, 0, 65536);
    return low;
}

static struct boot_info bi;

/* A multiboot1 info block with a two-entry memory map and `mods` modules. */
static uint32_t build_mb1(bool with_mmap, unsigned int mods, bool bad_module)
{
    uint8_t *a = low_area();
    uint32_t *info = (uint32_t *)a;
    uint8_t *mm = a + 0x100;
    uint32_t *mod = (uint32_t *)(a + 0x200);
    char *cmd = (char *)a + 0x400;

    strcpy(cmd, "xen loglvl=all");
    info[0] = (1u << 2) | (with_mmap ? (1u << 6) : 0) | (mods ? (1u << 3) : 0);
    info[4] = lowaddr(cmd);
    info[5] = mods;
    info[6] = lowaddr(mod);
    for (unsigned int i = 0; i < mods; i++) {
        mod[4 * i] = 0x400000 + i * 0x1000;
        mod[4 * i + 1] = bad_module && i == 1 ? 0x100 : 0x400000 + i * 0x1000 + 0x800;
        mod[4 * i + 2] = lowaddr(cmd);
    }
    /* entries: size(4) addr(8) len(8) type(4) */
    uint32_t e[12] = {20, 0, 0, 0x9fc00, 0, 1, 20, 0x100000, 0, 0x7f00000, 0, 1};
    memcpy(mm, e, sizeof(e));
    info[11] = with_mmap ? 48 : 0;
    info[12] = lowaddr(mm);
    return lowaddr(info);
}

TEST(multiboot1_good)
{
    CHECK(multiboot_parse(0x2BADB002, build_mb1(true, 2, false), &bi) == NULL);
    CHECK(bi.nr_memmap == 2 && bi.memmap[1].addr == 0x100000 && bi.memmap[1].size == 0x7f00000);
    CHECK(bi.nr_modules == 2 && bi.modules[1].start == 0x401000 && bi.modules[1].size == 0x800);
    CHECK_STR(bi.cmdline, "xen loglvl=all");
    CHECK_STR(bi.loader, "multiboot1");
}

TEST(multiboot1_bad_input)
{
    const char *e;

    e = multiboot_parse(0x12345678, build_mb1(true, 0, false), &bi);
    CHECK(e && strstr(e, "unknown boot loader magic"));
    e = multiboot_parse(0x2BADB002, build_mb1(false, 0, false), &bi);
    CHECK(e && strstr(e, "no memory map"));
    e = multiboot_parse(0x2BADB002, build_mb1(true, 3, true), &bi);
    CHECK(e && strstr(e, "end before start"));
    e = multiboot_parse(0x2BADB002, 0, &bi);
    CHECK(e && strstr(e, "pointer is invalid"));
}

/* A multiboot2 information block: tags appended with 8-byte alignment. */
static uint8_t *tag_at;
static void tag(uint32_t type, const void *body, uint32_t len)
{
    uint32_t h[2] = {type, 8 + len};
    memcpy(tag_at, h, 8);
    memcpy(tag_at + 8, body, len);
    tag_at += (8 + len + 7) & ~7u;
}

static uint32_t build_mb2(bool with_mmap, bool corrupt_size, bool with_end)
{
    uint8_t *a = low_area();
    tag_at = a + 8;
    tag(1, "loglvl=debug", 13);
    tag(2, "test loader", 12);
    uint32_t mod[4] = {0x500000, 0x501000, 0, 0};
    memcpy((char *)&mod[2], "m1", 3);
    tag(3, mod, 11);
    if (with_mmap) {
        uint32_t mm[2 + 12] = {24, 0, 0, 0, 0x9fc00, 0, 1, 0, 0x100000, 0, 0x1000000, 0, 1, 0};
        tag(6, mm, sizeof(mm));
    }
    if (corrupt_size) {
        uint32_t h[2] = {4, 0xfff0};
        memcpy(tag_at, h, 8);
        tag_at += 8;
    }
    if (with_end)
        tag(0, "", 0);
    *(uint32_t *)a = (uint32_t)(tag_at - a);
    return lowaddr(a);
}

TEST(multiboot2_good)
{
    CHECK(multiboot_parse(0x36d76289, build_mb2(true, false, true), &bi) == NULL);
    CHECK_STR(bi.loader, "multiboot2");
    CHECK_STR(bi.cmdline, "loglvl=debug");
    CHECK_STR(bi.loader_name, "test loader");
    CHECK(bi.nr_modules == 1 && bi.modules[0].size == 0x1000);
    CHECK_STR(bi.modules[0].cmdline, "m1");
    CHECK(bi.nr_memmap == 2 && bi.memmap[1].size == 0x1000000 && bi.memmap[1].type == 1);
}

TEST(multiboot2_bad_input)
{
    const char *e;

    e = multiboot_parse(0x36d76289, build_mb2(false, false, true), &bi);
    CHECK(e && strstr(e, "empty memory map"));
    e = multiboot_parse(0x36d76289, build_mb2(true, true, true), &bi);
    CHECK(e && strstr(e, "bad size"));
    e = multiboot_parse(0x36d76289, build_mb2(true, false, false), &bi);
    CHECK(e && strstr(e, "no end tag"));
}

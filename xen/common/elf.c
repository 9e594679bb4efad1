/* The ELF loader for PVH guests: ELF32 and ELF64 containers, PT_LOAD
 * segments placed by physical address, and the entry point from the Xen
 * note XEN_ELFNOTE_PHYS32_ENTRY. A hostile image is refused with a
 * message: every offset and size is checked against the image, and every
 * destination against the guest's memory, with overflow in mind. */
#include <xen/elf.h>
#include <xen/string.h>
#include <public/elfnote.h>

#ifndef HOST_TEST
#include <xen/p2m.h>
#include <xen/sched.h>
#endif

#define PT_LOAD   1
#define PT_NOTE   4
#define EM_386    3
#define EM_X86_64 62
#define LOW_LIMIT 0x100000 /* the first MiB holds the start-of-day data */

struct seg {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz;
};

static uint16_t rd16(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}
static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | ((uint32_t)rd16(p + 2) << 16);
}
static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static void get_seg(const uint8_t *ph, bool is64, struct seg *s)
{
    if (is64) {
        *s = (struct seg){rd32(ph), rd64(ph + 8), rd64(ph + 24), rd64(ph + 32), rd64(ph + 40)};
    } else {
        *s = (struct seg){rd32(ph), rd32(ph + 4), rd32(ph + 12), rd32(ph + 16), rd32(ph + 20)};
    }
}

static const char *find_entry(const uint8_t *img, size_t size, const struct seg *s, uint64_t *entry)
{
    uint64_t off = s->offset, end;

    if (!range_ok(s->offset, s->filesz, size))
        return "a note segment lies outside the image";
    end = s->offset + s->filesz;
    while (off + 12 <= end) {
        uint32_t namesz = rd32(img + off), descsz = rd32(img + off + 4), type = rd32(img + off + 8);
        uint64_t name = off + 12, desc = name + ROUNDUP((uint64_t)namesz, 4);
        uint64_t next = desc + ROUNDUP((uint64_t)descsz, 4);

        if (namesz > end || descsz > end || next > end)
            return "malformed ELF note";
        if (namesz == 4 && !memcmp(img + name, "Xen", 4) && type == XEN_ELFNOTE_PHYS32_ENTRY) {
            if (descsz == 4)
                *entry = rd32(img + desc);
            else if (descsz == 8)
                *entry = rd64(img + desc);
            else
                return "PHYS32_ENTRY note has a bad size";
            return NULL;
        }
        off = next;
    }
    return NULL;
}

static const char *walk(const uint8_t *img, size_t size, uint64_t mem, uint64_t *entry,
                        void (*load)(void *ctx, const struct seg *s, const uint8_t *img), void *ctx)
{
    bool is64;
    uint64_t phoff;
    uint16_t phnum, phentsize;
    const char *err;
    unsigned int loads = 0;

    *entry = 0;
    if (size < 52 || memcmp(img,
                            "\x7f"
                            "ELF",
                            4))
        return "not an ELF image";
    if (img[4] != 1 && img[4] != 2)
        return "bad ELF class";
    is64 = img[4] == 2;
    if (img[5] != 1)
        return "not a little-endian ELF image";
    if (is64 && size < 64)
        return "truncated ELF header";
    if (rd16(img + 18) != EM_386 && rd16(img + 18) != EM_X86_64)
        return "not an x86 ELF image";
    phoff = is64 ? rd64(img + 32) : rd32(img + 28);
    phentsize = rd16(img + (is64 ? 54 : 42));
    phnum = rd16(img + (is64 ? 56 : 44));
    if (phentsize < (is64 ? 56 : 32) || !phnum ||
        !range_ok(phoff, (uint64_t)phnum * phentsize, size))
        return "program headers lie outside the image";

    for (unsigned int pass = 0; pass < 2; pass++)
        for (uint16_t i = 0; i < phnum; i++) {
            struct seg s;

            get_seg(img + phoff + (uint64_t)i * phentsize, is64, &s);
            if (pass == 0 && s.type == PT_NOTE && !*entry) {
                if ((err = find_entry(img, size, &s, entry)))
                    return err;
            }
            if (pass == 0 && s.type == PT_LOAD) {
                if (!range_ok(s.offset, s.filesz, size))
                    return "a loadable segment lies outside the image";
                if (s.filesz > s.memsz)
                    return "a loadable segment's file size exceeds its memory size";
                if (s.paddr < LOW_LIMIT)
                    return "a loadable segment starts below 1 MiB";
                if (!range_ok(s.paddr, s.memsz, mem))
                    return "a loadable segment does not fit in the domain's memory";
                loads++;
            }
            if (pass == 1 && s.type == PT_LOAD && load)
                load(ctx, &s, img);
        }
    if (!loads)
        return "no loadable segments";
    if (!*entry)
        return "no PVH entry point (Xen note PHYS32_ENTRY)";
    if (*entry < LOW_LIMIT || *entry >= mem)
        return "PVH entry point outside the domain's memory";
    return NULL;
}

const char *elf_check_pvh(const uint8_t *img, size_t size, uint64_t mem, uint64_t *entry)
{
    return walk(img, size, mem, entry, NULL, NULL);
}

#ifndef HOST_TEST
static void load_seg(void *ctx, const struct seg *s, const uint8_t *img)
{
    struct domain *d = ctx;

    /* Memory is zeroed at allocation, so the part past filesz is zero. */
    p2m_write_phys(d, s->paddr, img + s->offset, s->filesz);
    if (s->paddr + s->memsz > d->image_end)
        d->image_end = s->paddr + s->memsz;
}

const char *elf_load_pvh(struct domain *d, const uint8_t *img, size_t size, uint64_t *entry)
{
    d->image_end = 0;
    return walk(img, size, d->mem_bytes, entry, load_seg, d);
}
#endif

/* Loading guest kernels from ELF images. */
#ifndef XEN_ELF_H
#define XEN_ELF_H

#include <xen/types.h>

struct domain;

/* Check an ELF32 or ELF64 image and copy its loadable segments into the
 * domain's memory; returns NULL and the PVH entry point, or a message
 * saying what is wrong with the image. Never trusts a field of the image
 * without checking it against the image size and the guest's memory. */
const char *elf_load_pvh(struct domain *d, const uint8_t *img, size_t size, uint64_t *entry);

/* The same checks without loading (host tests); `mem` is the guest size. */
const char *elf_check_pvh(const uint8_t *img, size_t size, uint64_t mem, uint64_t *entry);

#endif

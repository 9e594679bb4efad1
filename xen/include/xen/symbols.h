/* The image's symbol table (generated at link time), for stack traces. */
#ifndef XEN_SYMBOLS_H
#define XEN_SYMBOLS_H

#include <xen/types.h>

/* Write "name+0xoff/0xsize" (or the bare address) for a code address. */
void symbols_describe(unsigned long addr, char *buf, size_t len);
/* The address of a symbol by name, or 0. */
unsigned long symbols_lookup_name(const char *name);

#endif

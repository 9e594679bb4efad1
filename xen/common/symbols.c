/* Symbol lookup in the table the link embeds (tools/scripts/gen-symbols). */
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/symbols.h>

struct sym {
    unsigned long addr, name;
};
extern const unsigned long symbols_count;
extern const struct sym symbols_table[];
extern const char symbols_names[];
extern const char __text_start[], __text_end[];

void symbols_describe(unsigned long addr, char *buf, size_t len)
{
    unsigned long lo = 0, hi = symbols_count;

    if (addr < (unsigned long)__text_start || addr >= (unsigned long)__text_end || !hi) {
        snprintf(buf, len, "%#lx", addr);
        return;
    }
    /* The last symbol at or below addr. */
    while (hi - lo > 1) {
        unsigned long mid = (lo + hi) / 2;
        if (symbols_table[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (symbols_table[lo].addr > addr) {
        snprintf(buf, len, "%#lx", addr);
        return;
    }
    unsigned long size =
        (lo + 1 < symbols_count ? symbols_table[lo + 1].addr : (unsigned long)__text_end) -
        symbols_table[lo].addr;
    snprintf(buf, len, "%s+%#lx/%#lx", symbols_names + symbols_table[lo].name,
             addr - symbols_table[lo].addr, size);
}

unsigned long symbols_lookup_name(const char *name)
{
    for (unsigned long i = 0; i < symbols_count; i++)
        if (!strcmp(symbols_names + symbols_table[i].name, name))
            return symbols_table[i].addr;
    return 0;
}

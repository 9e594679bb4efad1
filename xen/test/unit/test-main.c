/* Runs every TEST() linked into the program; shims for what the library
 * code calls in the hypervisor (panic, symbols, the directmap). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/symbols.h>
#include "harness.h"

int test_failures;
extern const struct test __start_unit_tests[], __stop_unit_tests[];

void panic(const char *fmt, ...)
{
    va_list a;

    va_start(a, fmt);
    vfprintf(stdout, fmt, a);
    va_end(a);
    printf("\n");
    abort();
}

void printk(const char *fmt, ...)
{
    va_list a;

    va_start(a, fmt);
    vprintf(fmt, a);
    va_end(a);
}

void symbols_describe(unsigned long addr, char *buf, size_t len)
{
    snprintf(buf, len, "sym+%#lx", addr);
}

/* The "physical memory" behind the frame allocator in tests. */
unsigned char *test_ram;
void *__va(paddr_t pa)
{
    return test_ram + pa;
}
paddr_t __pa(const void *va)
{
    return (const unsigned char *)va - test_ram;
}

void *alloc_xenheap_pages(unsigned int order)
{
    struct page_info *pg = alloc_heap_pages(order);
    return pg ? page_to_virt(pg) : NULL;
}

void free_xenheap_pages(void *va, unsigned int order)
{
    free_heap_pages(mfn_to_page(__pa(va) >> 12), order);
}

void *alloc_xenheap_pages_at(unsigned int order, unsigned long site)
{
    (void)site;
    return alloc_xenheap_pages(order);
}

void free_xenheap_pages_at(void *va, unsigned int order, unsigned long site)
{
    free_heap_pages_at(mfn_to_page(__pa(va) >> 12), order, site);
}

int main(void)
{
    int passed = 0, failed = 0;

    for (const struct test *t = __start_unit_tests; t < __stop_unit_tests; t++) {
        int before = test_failures;
        t->fn();
        if (test_failures == before) {
            printf("PASS %s\n", t->name);
            passed++;
        } else {
            printf("FAIL %s\n", t->name);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

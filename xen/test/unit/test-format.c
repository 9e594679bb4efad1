/* vsnprintf: the formats the hypervisor uses print as C's printf would, and
 * output is always bounded and terminated. */
#include <string.h>
#include <xen/lib.h>
#include "harness.h"

static const char *fmt(const char *f, ...)
{
    static char buf[256];
    va_list a;

    va_start(a, f);
    vsnprintf(buf, sizeof(buf), f, a);
    va_end(a);
    return buf;
}

TEST(format_integers)
{
    CHECK_STR(fmt("%d %i %u", -42, 7, 4000000000u), "-42 7 4000000000");
    CHECK_STR(fmt("%ld %lld", -1L, -9223372036854775807LL - 1), "-1 -9223372036854775808");
    CHECK_STR(fmt("%lu %llu", 18446744073709551615UL, 0ULL), "18446744073709551615 0");
    CHECK_STR(fmt("%x %X %#x %o", 0xbeef, 0xbeef, 255, 8), "beef BEEF 0xff 10");
    CHECK_STR(fmt("%zu %zx", (size_t)12345, (size_t)0xabc), "12345 abc");
}

TEST(format_width_precision)
{
    CHECK_STR(fmt("[%5d][%-5d][%05d]", 42, 42, 42), "[   42][42   ][00042]");
    CHECK_STR(fmt("[%016lx]", 0x1234UL), "[0000000000001234]");
    CHECK_STR(fmt("[%.3d][%8.3d]", 5, -5), "[005][    -005]");
    CHECK_STR(fmt("[%*d][%-*d]", 4, 1, 4, 2), "[   1][2   ]");
    CHECK_STR(fmt("[%+d][% d]", 3, 3), "[+3][ 3]");
}

TEST(format_strings_chars)
{
    CHECK_STR(fmt("%s|%10s|%-6s|%.2s", "abc", "right", "left", "xyz"), "abc|     right|left  |xy");
    CHECK_STR(fmt("%c%c%%", 'o', 'k'), "ok%");
    CHECK_STR(fmt("%s", (char *)NULL), "(null)");
    CHECK_STR(fmt("%.*s", 3, "abcdef"), "abc");
}

TEST(format_pointers)
{
    CHECK_STR(fmt("%p", (void *)0x1000), "0x1000");
    CHECK_STR(fmt("%pS", (void *)0x20), "sym+0x20");
}

TEST(format_truncation)
{
    char buf[8];
    int n = snprintf(buf, sizeof(buf), "%s", "0123456789");

    CHECK(n == 10);
    CHECK_STR(buf, "0123456");
    CHECK(snprintf(buf, 1, "abc") == 3 && buf[0] == '\0');
    CHECK(snprintf(NULL, 0, "%d", 12345) == 5);
}

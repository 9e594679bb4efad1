/* String and number parsing helpers. */
#include <string.h>
#include <xen/lib.h>
#include <xen/string.h>
#include "harness.h"

TEST(string_basics)
{
    char buf[16];

    CHECK(strlen("hello") == 5);
    CHECK(strnlen("hello", 3) == 3);
    CHECK(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && !strcmp("x", "x"));
    CHECK(!strncmp("abcdef", "abcxyz", 3) && strncmp("abcdef", "abcxyz", 4));
    CHECK(strchr("a=b", '=') && *strchr("a=b", '=') == '=' && !strchr("ab", 'z'));
    CHECK(strrchr("a/b/c", '/') && strrchr("a/b/c", '/')[1] == 'c');
    CHECK(strlcpy(buf, "0123456789abcdefXYZ", sizeof(buf)) == 19 && strlen(buf) == 15);
}

TEST(memory_overlap)
{
    char s[16] = "0123456789";

    memmove(s + 2, s, 8);
    CHECK(!memcmp(s, "0101234567", 10));
    memmove(s, s + 2, 8);
    CHECK(!memcmp(s, "01234567", 8));
    memset(s, 'x', 4);
    CHECK(!memcmp(s, "xxxx", 4));
}

TEST(parse_numbers_and_sizes)
{
    const char *e;
    uint64_t v;

    CHECK(simple_strtoull("0x1F", &e, 0) == 31 && !*e);
    CHECK(simple_strtoull("017", &e, 0) == 15);
    CHECK(simple_strtoll("-12abc", &e, 10) == -12 && *e == 'a');
    CHECK(parse_size("16M", &e, &v) && v == 16ULL << 20 && !*e);
    CHECK(parse_size("2G", &e, &v) && v == 2ULL << 30);
    CHECK(parse_size("64k", &e, &v) && v == 65536);
    CHECK(parse_size("4096", &e, &v) && v == 4096);
    CHECK(!parse_size("M", &e, &v));
    CHECK(!parse_size("17179869184G", &e, &v)); /* 2^34 GiB overflows */
}

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

/* memcpy moves the bulk 8 bytes at a time between a byte head and tail:
 * every alignment and length around the edges, and a forward memmove
 * over an overlap (it uses memcpy). Called through a pointer so that the
 * compiler cannot put its own copy in. */
TEST(memory_copy_alignments)
{
    void *(*volatile copy)(void *, const void *, size_t) = memcpy;
    void *(*volatile move)(void *, const void *, size_t) = memmove;
    unsigned char src[300], dst[320], ref[320];
    bool ok = true;

    for (unsigned int i = 0; i < sizeof(src); i++)
        src[i] = (unsigned char)(i * 7 + 1);
    for (unsigned int da = 0; da < 8; da++)
        for (unsigned int sa = 0; sa < 8; sa++)
            for (unsigned int n = 0; n < 200; n += (n < 80 ? 1 : 13)) {
                for (unsigned int i = 0; i < sizeof(dst); i++)
                    dst[i] = ref[i] = 0xee;
                for (unsigned int i = 0; i < n; i++)
                    ref[da + i] = src[sa + i];
                ok &= copy(dst + da, src + sa, n) == dst + da && !memcmp(dst, ref, sizeof(dst));
            }
    CHECK(ok);
    for (unsigned int i = 0; i < sizeof(dst); i++)
        dst[i] = ref[i] = (unsigned char)i;
    for (unsigned int i = 0; i < 250; i++)
        ref[1 + i] = (unsigned char)(3 + i);
    move(dst + 1, dst + 3, 250);
    CHECK(!memcmp(dst, ref, sizeof(dst)));
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

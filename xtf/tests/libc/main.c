/**
 * @file
 * The framework's libc: proves that vsnprintf formats integers of every
 * width (including 64-bit values in 32-bit environments), padding,
 * precision, strings and pointers as C specifies, truncates safely, and that
 * the string and memory functions behave.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs none
 */
#include <xtf.h>

const char test_title[] = "libc self test";

static const char *volatile nullstr;

#define FMT(want, ...)                                                                             \
    do {                                                                                           \
        char b_[64];                                                                               \
        int n_ = snprintf(b_, sizeof(b_), __VA_ARGS__);                                            \
        if (strcmp(b_, want) || n_ != (int)strlen(want))                                           \
            xtf_failure("Fail: snprintf(%s) gave '%s' (%d), expected '%s'\n", #__VA_ARGS__, b_,    \
                        n_, want);                                                                 \
    } while (0)

void test_main(void)
{
    char small[8];
    char buf[16] = "abcdefgh";
    const char *end;

    FMT("42", "%d", 42);
    FMT("-42", "%d", -42);
    FMT("-2147483648", "%d", (int)0x80000000);
    FMT("4294967295", "%u", 0xffffffffu);
    FMT("18446744073709551615", "%llu", ~0ull);
    FMT("-9223372036854775808", "%lld", (long long)0x8000000000000000ull);
    FMT("1234567890123", "%llu", 1234567890123ull);
    FMT("deadbeefcafe", "%llx", 0xdeadbeefcafeull);
    FMT("DEADBEEF", "%X", 0xdeadbeef);
    FMT("0x1f", "%#x", 31);
    FMT("17", "%o", 15);
    FMT("017", "%#o", 15);
    FMT("  7", "%3d", 7);
    FMT("007", "%03d", 7);
    FMT("7  |", "%-3d|", 7);
    FMT("+5", "%+d", 5);
    FMT("00042", "%.5u", 42);
    FMT("-0042", "%05d", -42);
    FMT("  ab", "%4.2s", "abc");
    FMT("x|", "%-1s|", "x");
    FMT("(NULL)", "%s", nullstr);
    FMT("c%", "%c%%", 'c');
    FMT("12", "%*d", 2, 12);
    FMT("123456", "%zu", (size_t)123456);
    FMT(sizeof(void *) == 8 ? "0000000000001000" : "00001000", "%p", (void *)0x1000);

    /* Truncation: NUL terminated, returns the full length. */
    if (snprintf(small, sizeof(small), "%s", "0123456789") != 10 || strcmp(small, "0123456"))
        xtf_failure("Fail: truncation gave '%s'\n", small);

    if (strlen("hello") != 5 || strnlen("hello", 3) != 3)
        xtf_failure("Fail: strlen/strnlen\n");
    if (strcmp("abc", "abd") >= 0 || strcmp("abc", "abc") || strncmp("abcx", "abcy", 3))
        xtf_failure("Fail: strcmp/strncmp\n");
    if (strchr("hello", 'l') == NULL || *strchr("hello", 'l') != 'l' || strchr("hello", 'z'))
        xtf_failure("Fail: strchr\n");
    if (!strstr("a needle here", "needle") || strstr("abc", "abd"))
        xtf_failure("Fail: strstr\n");
    memmove(buf + 2, buf, 6);
    if (memcmp(buf, "ababcdef", 8))
        xtf_failure("Fail: overlapping memmove gave '%.8s'\n", buf);
    memset(buf, 'z', 3);
    if (memcmp(buf, "zzzbcdef", 8))
        xtf_failure("Fail: memset\n");
    if (strtoul("0x1F", &end, 0) != 31 || *end || strtoul("755", NULL, 8) != 493 ||
        strtoul("12ab", &end, 10) != 12 || *end != 'a')
        xtf_failure("Fail: strtoul\n");

    xtf_success(NULL);
}

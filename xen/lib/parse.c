/* Number and size parsing for the command line and domain settings. */
#include <xen/lib.h>

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

unsigned long long simple_strtoull(const char *s, const char **end, unsigned int base)
{
    unsigned long long v = 0;

    if (!base) {
        base = 10;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
            base = 16;
            s += 2;
        } else if (s[0] == '0' && digit_value(s[1]) < 8)
            base = 8;
    } else if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    /* A value too large for 64 bits saturates: no caller accepts the
     * maximum, so it is refused as out of range instead of wrapping. */
    for (; digit_value(*s) < (int)base; s++) {
        unsigned int d = digit_value(*s);

        if (v > (~0ULL - d) / base)
            v = ~0ULL;
        else
            v = v * base + d;
    }
    if (end)
        *end = s;
    return v;
}

/* Saturates at LLONG_MIN and LLONG_MAX likewise. */
long long simple_strtoll(const char *s, const char **end, unsigned int base)
{
    unsigned long long u;

    if (*s == '-') {
        u = simple_strtoull(s + 1, end, base);
        return u > (unsigned long long)__LONG_LONG_MAX__ ? -__LONG_LONG_MAX__ - 1 : -(long long)u;
    }
    if (*s == '+')
        s++;
    u = simple_strtoull(s, end, base);
    return u > (unsigned long long)__LONG_LONG_MAX__ ? __LONG_LONG_MAX__ : (long long)u;
}

bool parse_size(const char *s, const char **end, uint64_t *out)
{
    const char *p;
    unsigned long long v = simple_strtoull(s, &p, 0);
    unsigned int shift = 0;

    if (p == s)
        return false;
    switch (*p) {
    case 'G':
    case 'g':
        shift = 30;
        p++;
        break;
    case 'M':
    case 'm':
        shift = 20;
        p++;
        break;
    case 'K':
    case 'k':
        shift = 10;
        p++;
        break;
    case 'B':
    case 'b':
        p++;
        break;
    }
    if (shift && (v >> (64 - shift)))
        return false; /* overflow */
    *out = v << shift;
    if (end)
        *end = p;
    return true;
}

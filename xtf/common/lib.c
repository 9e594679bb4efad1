/* A small libc: strings, memory, number parsing and formatting. */
#include <xtf.h>

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        ++n;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        ++n;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        ++a, ++b;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; --n, ++a, ++b) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (; *s; ++s)
        if (*s == (char)c)
            return (char *)s;
    return c ? NULL : (char *)s;
}

char *strstr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; ++hay)
        if (!strncmp(hay, needle, n))
            return (char *)hay;
    return n ? NULL : (char *)hay;
}

void *memset(void *s, int c, size_t n)
{
    unsigned char *p = s;

    while (n--)
        *p++ = c;
    return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d < s)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; --n, ++x, ++y)
        if (*x != *y)
            return *x - *y;
    return 0;
}

#define DEFINE_SORT(name, type)                                                                    \
    void name(type *a, unsigned int n)                                                             \
    {                                                                                              \
        for (unsigned int i = 1; i < n; i++)                                                       \
            for (unsigned int j = i; j && a[j - 1] > a[j]; j--) {                                  \
                type t = a[j];                                                                     \
                a[j] = a[j - 1];                                                                   \
                a[j - 1] = t;                                                                      \
            }                                                                                      \
    }
DEFINE_SORT(sort_u32, uint32_t)
DEFINE_SORT(sort_u64, uint64_t)
#undef DEFINE_SORT

unsigned long strtoul(const char *s, const char **end, int base)
{
    unsigned long v = 0;

    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        base = 16;
    } else if (base == 0) {
        base = s[0] == '0' ? 8 : 10;
    }
    for (;; ++s) {
        int d;

        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'z')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'Z')
            d = *s - 'A' + 10;
        else
            break;
        if (d >= base)
            break;
        v = v * base + d;
    }
    if (end)
        *end = s;
    return v;
}

/* Divide *n by base in place and return the remainder, with 32-bit divisions only. */
static unsigned int div_u64(uint64_t *n, unsigned int base)
{
    uint32_t hi = *n >> 32, lo = (uint32_t)*n, qhi = hi / base, r = hi % base;
    uint64_t rest = ((uint64_t)r << 32) | lo;
    uint32_t qlo = 0;

    /* Long division of the low word, one bit at a time. */
    for (int bit = 31; bit >= 0; --bit) {
        uint64_t d = (uint64_t)base << bit;

        if (rest >= d) {
            rest -= d;
            qlo |= 1u << bit;
        }
    }
    *n = ((uint64_t)qhi << 32) | qlo;
    return (unsigned int)rest;
}

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

#define F_LEFT  1
#define F_ZERO  2
#define F_PLUS  4
#define F_SPACE 8
#define F_ALT   16
#define F_UPPER 32

static void put_number(struct out *o, uint64_t v, bool neg, unsigned int base, int width, int prec,
                       unsigned int flags)
{
    const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, pad;
    char sign = neg ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
    const char *prefix = "";

    if ((flags & F_ALT) && base == 16 && v)
        prefix = (flags & F_UPPER) ? "0X" : "0x";
    else if ((flags & F_ALT) && base == 8 && v)
        prefix = "0";
    do {
        tmp[n++] = digits[div_u64(&v, base)];
    } while (v);
    if (prec < n)
        prec = n;
    pad = width - prec - (sign ? 1 : 0) - (int)strlen(prefix);
    if (!(flags & (F_LEFT | F_ZERO)))
        for (; pad > 0; --pad)
            put(o, ' ');
    if (sign)
        put(o, sign);
    for (; *prefix; ++prefix)
        put(o, *prefix);
    if (flags & F_ZERO)
        for (; pad > 0; --pad)
            put(o, '0');
    for (; prec > n; --prec)
        put(o, '0');
    while (n)
        put(o, tmp[--n]);
    for (; pad > 0; --pad)
        put(o, ' ');
}

static void put_string(struct out *o, const char *s, int width, int prec, unsigned int flags)
{
    int n, pad;

    if (!s)
        s = "(NULL)";
    n = prec >= 0 ? (int)strnlen(s, prec) : (int)strlen(s);
    pad = width - n;
    if (!(flags & F_LEFT))
        for (; pad > 0; --pad)
            put(o, ' ');
    for (int i = 0; i < n; ++i)
        put(o, s[i]);
    for (; pad > 0; --pad)
        put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct out o = {buf, size, 0};

    for (; *fmt; ++fmt) {
        unsigned int flags = 0, base = 10;
        int width = -1, prec = -1, lng = 0;
        bool is_signed = false, neg = false;
        uint64_t v;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        for (;;) {
            ++fmt;
            if (*fmt == '-')
                flags |= F_LEFT;
            else if (*fmt == '0')
                flags |= F_ZERO;
            else if (*fmt == '+')
                flags |= F_PLUS;
            else if (*fmt == ' ')
                flags |= F_SPACE;
            else if (*fmt == '#')
                flags |= F_ALT;
            else
                break;
        }
        if (*fmt == '*') {
            width = va_arg(args, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            ++fmt;
        } else {
            for (width = 0; *fmt >= '0' && *fmt <= '9'; ++fmt)
                width = width * 10 + (*fmt - '0');
        }
        if (*fmt == '.') {
            ++fmt;
            if (*fmt == '*') {
                prec = va_arg(args, int);
                ++fmt;
            } else {
                for (prec = 0; *fmt >= '0' && *fmt <= '9'; ++fmt)
                    prec = prec * 10 + (*fmt - '0');
            }
        }
        if (flags & F_LEFT)
            flags &= ~F_ZERO;
        for (;; ++fmt) {
            if (*fmt == 'l')
                ++lng;
            else if (*fmt == 'z' || *fmt == 't')
                lng = sizeof(size_t) == 8 ? 2 : 1;
            else if (*fmt == 'h')
                continue;
            else
                break;
        }
        switch (*fmt) {
        case '\0':
            --fmt;
            continue;
        case '%':
            put(&o, '%');
            continue;
        case 'c':
            put(&o, (char)va_arg(args, int));
            continue;
        case 's':
            put_string(&o, va_arg(args, const char *), width, prec, flags);
            continue;
        case 'p':
            v = (unsigned long)va_arg(args, void *);
            put_number(&o, v, false, 16, width > 0 ? width : (int)sizeof(void *) * 2, -1,
                       flags | F_ZERO);
            continue;
        case 'd':
        case 'i':
            is_signed = true;
            break;
        case 'u':
            break;
        case 'x':
            base = 16;
            break;
        case 'X':
            base = 16;
            flags |= F_UPPER;
            break;
        case 'o':
            base = 8;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            continue;
        }
        if (prec >= 0)
            flags &= ~F_ZERO;
        if (lng >= 2) {
            v = va_arg(args, unsigned long long);
            if (is_signed && (long long)v < 0) {
                neg = true;
                v = -v;
            }
        } else if (lng == 1) {
            unsigned long x = va_arg(args, unsigned long);

            if (is_signed && (long)x < 0) {
                neg = true;
                x = -x;
            }
            v = x;
        } else {
            unsigned int x = va_arg(args, unsigned int);

            if (is_signed && (int)x < 0) {
                neg = true;
                x = -x;
            }
            v = x;
        }
        put_number(&o, v, neg, base, width, prec, flags);
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    int n;

    va_start(args, fmt);
    n = vsnprintf(buf, size, fmt, args);
    va_end(args);
    return n;
}

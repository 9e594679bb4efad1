/* Formatted output: the subset of C's printf the hypervisor uses, plus %pS
 * (a code address as symbol+offset). Always NUL-terminates when size > 0 and
 * returns the length the full output would have had. */
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/symbols.h>

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

static void put_str(struct out *o, const char *s, int width, int prec, bool left)
{
    int n = 0;

    if (!s)
        s = "(null)";
    while ((prec < 0 || n < prec) && s[n])
        n++;
    if (!left)
        for (int i = n; i < width; i++)
            put(o, ' ');
    for (int i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        for (int i = n; i < width; i++)
            put(o, ' ');
}

struct numfmt {
    unsigned int base;
    int width, prec;
    bool left, zero, plus, space, alt, upper, neg;
};

static void put_num(struct out *o, unsigned long long v, const struct numfmt *f)
{
    const char *digits = f->upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len, pad;
    const char *prefix = "";

    do {
        tmp[n++] = digits[v % f->base];
        v /= f->base;
    } while (v);
    if (f->prec >= 0 && f->prec == 0 && n == 1 && tmp[0] == '0')
        n = 0;

    if (f->neg)
        prefix = "-";
    else if (f->plus)
        prefix = "+";
    else if (f->space)
        prefix = " ";
    if (f->alt && f->base == 16 && n)
        prefix = f->upper ? "0X" : "0x";

    len = n > f->prec ? n : f->prec;
    len += strlen(prefix);
    pad = f->width > len ? f->width - len : 0;

    if (!f->left && !(f->zero && f->prec < 0))
        for (; pad > 0; pad--)
            put(o, ' ');
    for (const char *p = prefix; *p; p++)
        put(o, *p);
    if (!f->left && f->zero && f->prec < 0)
        for (; pad > 0; pad--)
            put(o, '0');
    for (int i = n; i < f->prec; i++)
        put(o, '0');
    while (n)
        put(o, tmp[--n]);
    for (; pad > 0; pad--)
        put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct out o = {buf, size, 0};

    for (; *fmt; fmt++) {
        struct numfmt f = {.base = 10, .prec = -1};
        int lng = 0;
        bool is_size = false;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        for (;;) {
            switch (*++fmt) {
            case '-':
                f.left = true;
                continue;
            case '0':
                f.zero = true;
                continue;
            case '+':
                f.plus = true;
                continue;
            case ' ':
                f.space = true;
                continue;
            case '#':
                f.alt = true;
                continue;
            }
            break;
        }
        if (*fmt == '*') {
            f.width = va_arg(args, int);
            if (f.width < 0) {
                f.left = true;
                f.width = -f.width;
            }
            fmt++;
        } else
            while (*fmt >= '0' && *fmt <= '9')
                f.width = f.width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            f.prec = 0;
            if (*++fmt == '*') {
                f.prec = va_arg(args, int);
                fmt++;
            } else
                while (*fmt >= '0' && *fmt <= '9')
                    f.prec = f.prec * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        if (*fmt == 'z') {
            is_size = true;
            fmt++;
        }
        if (*fmt == 'h')
            while (*fmt == 'h')
                fmt++;

        switch (*fmt) {
        case 'c':
            put(&o, (char)va_arg(args, int));
            break;
        case 's':
            put_str(&o, va_arg(args, const char *), f.width, f.prec, f.left);
            break;
        case 'p': {
            void *p = va_arg(args, void *);
            if (fmt[1] == 'S' || fmt[1] == 's') {
                char sym[128];
                fmt++;
                symbols_describe((unsigned long)p, sym, sizeof(sym));
                put_str(&o, sym, f.width, f.prec, f.left);
                break;
            }
            f.base = 16;
            f.alt = true;
            put_num(&o, (unsigned long)p, &f);
            break;
        }
        case 'd':
        case 'i': {
            long long v = lng >= 2              ? va_arg(args, long long)
                          : lng == 1 || is_size ? va_arg(args, long)
                                                : va_arg(args, int);
            f.neg = v < 0;
            put_num(&o, f.neg ? -(unsigned long long)v : (unsigned long long)v, &f);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            unsigned long long v = lng >= 2              ? va_arg(args, unsigned long long)
                                   : lng == 1 || is_size ? va_arg(args, unsigned long)
                                                         : va_arg(args, unsigned int);
            f.base = *fmt == 'o' ? 8 : *fmt == 'u' ? 10 : 16;
            f.upper = *fmt == 'X';
            put_num(&o, v, &f);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
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

/* The service-domain runtime. 32-bit flat mode, no paging: a guest
 * physical address is a pointer. */
#include "runtime.h"

#define CONSOLEIO_write             0
#define SCHEDOP_shutdown            2
#define SHUTDOWN_poweroff           0
#define SHUTDOWN_crash              3
#define XENMEM_add_to_physmap       7
#define XENMEM_remove_from_physmap  15
#define XENMEM_add_to_physmap_batch 23
#define XENMAPSPACE_shared_info     0
#define XENMAPSPACE_gmfn_foreign    4
#define EVTCHNOP_bind_interdomain   0
#define EVTCHNOP_bind_virq          1
#define EVTCHNOP_close              3
#define EVTCHNOP_send               4
#define HVMOP_set_param             0
#define HVM_PARAM_CALLBACK_IRQ      0

long hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
    long rc;

    asm volatile("vmmcall" : "=a"(rc), "+b"(a1), "+c"(a2), "+d"(a3) : "a"(nr) : "memory");
    return rc;
}

/* --- strings (also the core's) --- */

void *memcpy(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;

    if (d < s)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    char *d = dst;

    while (n--)
        *d++ = (char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

/* --- formatting: %s %c %d %i %u %x %p with l, ll, z and a width --- */

struct out {
    char *buf;
    size_t len, pos;
};

static void put(struct out *o, char c)
{
    if (o->pos + 1 < o->len)
        o->buf[o->pos] = c;
    o->pos++;
}

/* v / base, remainder in *rem, without libgcc's 64-bit division. */
static unsigned long long div_small(unsigned long long v, unsigned int base, unsigned int *rem)
{
    unsigned long long q = 0;
    unsigned int r = 0;

    for (int bit = 63; bit >= 0; bit--) {
        r = (r << 1) | (unsigned int)((v >> bit) & 1);
        if (r >= base) {
            r -= base;
            q |= 1ULL << bit;
        }
    }
    *rem = r;
    return q;
}

static void put_num(struct out *o, unsigned long long v, unsigned int base, bool neg,
                    unsigned int width, char pad)
{
    char tmp[24];
    unsigned int n = 0;

    do {
        unsigned int r;

        v = div_small(v, base, &r);
        tmp[n++] = "0123456789abcdef"[r];
    } while (v);
    if (neg)
        tmp[n++] = '-';
    while (width > n) {
        put(o, pad);
        width--;
    }
    while (n)
        put(o, tmp[--n]);
}

int rt_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
    struct out o = {buf, len, 0};

    for (; *fmt; fmt++) {
        unsigned int width = 0, lng = 0;
        char pad = ' ';
        unsigned long long v;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '#') {
            put(&o, '0');
            put(&o, 'x');
            fmt++;
        }
        if (*fmt == '0')
            pad = '0';
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned int)(*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            lng += *fmt == 'z' ? 1 : 1;
            fmt++;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);

            if (!s)
                s = "(null)";
            for (size_t n = strlen(s); n < width; n++)
                put(&o, ' ');
            while (*s)
                put(&o, *s++);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 'd':
        case 'i': {
            long long s = lng >= 2 ? va_arg(ap, long long)
                          : lng    ? va_arg(ap, long)
                                   : va_arg(ap, int);

            put_num(&o, s < 0 ? 0ULL - (unsigned long long)s : (unsigned long long)s, 10, s < 0,
                    width, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'p':
            if (*fmt == 'p')
                v = (unsigned long)va_arg(ap, void *);
            else
                v = lng >= 2 ? va_arg(ap, unsigned long long)
                    : lng    ? va_arg(ap, unsigned long)
                             : va_arg(ap, unsigned int);
            put_num(&o, v, *fmt == 'u' ? 10 : 16, false, width, pad);
            break;
        case '%':
            put(&o, '%');
            break;
        default:
            put(&o, '?');
            break;
        }
    }
    if (len)
        buf[o.pos < len ? o.pos : len - 1] = '\0';
    return (int)o.pos;
}

int rt_snprintf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = rt_vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n;
}

static void console_write(const char *s, size_t n)
{
    hypercall(HC_console_io, CONSOLEIO_write, n, (unsigned long)s);
}

void rt_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = rt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void rt_fail(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    unsigned int reason = SHUTDOWN_crash;

    va_start(ap, fmt);
    rt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    rt_printf("xsdom: fatal: %s\n", buf);
    hypercall(HC_sched_op, SCHEDOP_shutdown, (unsigned long)&reason, 0);
    for (;;)
        asm volatile("cli; hlt");
}

void rt_poweroff(void)
{
    unsigned int reason = SHUTDOWN_poweroff;

    hypercall(HC_sched_op, SCHEDOP_shutdown, (unsigned long)&reason, 0);
    for (;;)
        asm volatile("cli; hlt");
}

/* --- memory --- */

struct start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};

struct memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

extern char _end[];
static const char *cmdline = "";
static unsigned long ram_top;
static char *heap_next, *heap_limit;
static size_t heap_used;

/* Power-of-two size classes from 16 bytes; a freed block goes back to the
 * list of its class. A header before each block keeps its class. */
#define CLASSES 24
static void *free_lists[CLASSES];

void rt_init(uint32_t start_info_pa)
{
    const struct start_info *si = (const void *)start_info_pa;

    if (!si || si->magic != 0x336ec578)
        rt_fail("no PVH start info");
    if (si->cmdline_paddr)
        cmdline = (const char *)(unsigned long)si->cmdline_paddr;
    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        const struct memmap_entry *e =
            (const void *)(unsigned long)si->memmap_paddr + i * sizeof(*e);

        if (e->type == 1 && e->addr + e->size > ram_top)
            ram_top = (unsigned long)(e->addr + e->size);
    }
    heap_next = (char *)(((unsigned long)_end + 4095) & ~4095ul) + 2 * PAGE_SIZE;
    heap_limit = (char *)ram_top;
    if (heap_next >= heap_limit)
        rt_fail("no RAM for a heap");
}

const char *rt_cmdline(void)
{
    return cmdline;
}

unsigned long rt_ram_top_gfn(void)
{
    return ram_top / PAGE_SIZE;
}

void *rt_alloc(size_t size)
{
    unsigned int c = 0;
    size_t *p;

    while (((size_t)16 << c) < size + 16)
        if (++c >= CLASSES)
            return NULL;
    if (free_lists[c]) {
        p = free_lists[c];
        free_lists[c] = *(void **)(p + 4);
    } else {
        size_t bytes = (size_t)16 << c;

        if ((size_t)(heap_limit - heap_next) < bytes)
            return NULL;
        p = (size_t *)heap_next;
        heap_next += bytes;
    }
    p[0] = c;
    heap_used += (size_t)16 << c;
    return p + 4;
}

void rt_free(void *ptr)
{
    size_t *p;

    if (!ptr)
        return;
    p = (size_t *)ptr - 4;
    heap_used -= (size_t)16 << p[0];
    *(void **)ptr = free_lists[p[0]];
    free_lists[p[0]] = p;
}

size_t rt_heap_used(void)
{
    return heap_used;
}

/* --- event channels --- */

static uint8_t shared_info[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define VCPU0_PENDING  (*(volatile uint8_t *)&shared_info[0])
#define VCPU0_SEL      ((volatile uint32_t *)&shared_info[4])
#define EVTCHN_PENDING ((volatile uint32_t *)&shared_info[2048])
#define EVTCHN_MASK    ((volatile uint32_t *)&shared_info[2048 + 128])

struct add_to_physmap {
    uint16_t domid, size;
    uint32_t space, idx, gpfn;
};

struct hvm_param {
    uint16_t domid, pad;
    uint32_t index;
    uint64_t value;
};

int rt_evtchn_init(void)
{
    struct add_to_physmap x = {DOMID_SELF, 0, XENMAPSPACE_shared_info, 0,
                               (uint32_t)(unsigned long)shared_info / PAGE_SIZE};
    struct hvm_param p = {DOMID_SELF, 0, HVM_PARAM_CALLBACK_IRQ, (2ULL << 56) | CALLBACK_VECTOR};
    long rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0);

    if (rc)
        return (int)rc;
    return (int)hypercall(HC_hvm_op, HVMOP_set_param, (unsigned long)&p, 0);
}

long rt_bind_virq(unsigned int virq)
{
    uint32_t b[3] = {virq, 0, 0};
    long rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)b, 0);

    return rc ? rc : (long)b[2];
}

long rt_bind_interdomain(unsigned int remote_dom, unsigned int remote_port)
{
    uint32_t b[3] = {remote_dom, remote_port, 0};
    long rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_interdomain, (unsigned long)b, 0);

    return rc ? rc : (long)b[2];
}

void rt_evtchn_close(unsigned int port)
{
    hypercall(HC_event_channel_op, EVTCHNOP_close, (unsigned long)&port, 0);
}

void rt_evtchn_send(unsigned int port)
{
    hypercall(HC_event_channel_op, EVTCHNOP_send, (unsigned long)&port, 0);
}

void rt_wait_events(void (*fn)(unsigned int port, void *ctx), void *ctx)
{
    uint32_t sel;

    asm volatile("cli");
    VCPU0_PENDING = 0;
    sel = __atomic_exchange_n(VCPU0_SEL, 0, __ATOMIC_SEQ_CST);
    if (!sel) {
        /* Sleep until the callback vector says there is something. */
        if (!VCPU0_PENDING)
            asm volatile("sti; hlt; cli" ::: "memory");
        return;
    }
    for (unsigned int w = 0; w < 32; w++) {
        uint32_t bits;

        if (!(sel & (1u << w)))
            continue;
        bits = __atomic_exchange_n(&EVTCHN_PENDING[w], 0, __ATOMIC_SEQ_CST);
        /* Masked ports stay pending for later. */
        if (bits & EVTCHN_MASK[w])
            __atomic_fetch_or(&EVTCHN_PENDING[w], bits & EVTCHN_MASK[w], __ATOMIC_SEQ_CST);
        bits &= ~EVTCHN_MASK[w];
        while (bits) {
            unsigned int b = (unsigned int)__builtin_ctz(bits);

            bits &= bits - 1;
            fn(w * 32 + b, ctx);
        }
    }
}

/* --- foreign mappings --- */

struct physmap_batch {
    uint16_t domid, space, size, foreign_domid;
    uint32_t idxs, gpfns, errs;
};

struct remove_from_physmap {
    uint16_t domid, pad;
    uint32_t gpfn;
};

long rt_map_foreign(unsigned int domid, unsigned long idx, unsigned long gfn)
{
    uint32_t i = idx, g = gfn;
    int32_t err = 0;
    struct physmap_batch b = {
        DOMID_SELF,    XENMAPSPACE_gmfn_foreign, 1, (uint16_t)domid, (uint32_t)&i, (uint32_t)&g,
        (uint32_t)&err};
    long rc = hypercall(HC_memory_op, XENMEM_add_to_physmap_batch, (unsigned long)&b, 0);

    return rc ? rc : err;
}

long rt_unmap(unsigned long gfn)
{
    struct remove_from_physmap r = {DOMID_SELF, 0, (uint32_t)gfn};

    return hypercall(HC_memory_op, XENMEM_remove_from_physmap, (unsigned long)&r, 0);
}

/* --- time: the TSC, scaled by the shared info's vCPU time record --- */

uint64_t rt_now_ns(void)
{
    const volatile uint8_t *t = &shared_info[32]; /* vcpu_info[0].time (32-bit layout) */
    uint32_t version, mul;
    uint64_t tsc_stamp, system_time, delta;
    int8_t shift;
    uint32_t lo, hi;

    do {
        version = *(const volatile uint32_t *)t;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        tsc_stamp = *(const volatile uint64_t *)(t + 8);
        system_time = *(const volatile uint64_t *)(t + 16);
        mul = *(const volatile uint32_t *)(t + 24);
        shift = *(const volatile int8_t *)(t + 28);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != *(const volatile uint32_t *)t);
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    delta = (((uint64_t)hi << 32) | lo) - tsc_stamp;
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    /* (delta * mul) >> 32 without a 128-bit product. */
    return system_time + ((delta >> 32) * mul) + (((delta & 0xffffffffu) * mul) >> 32);
}

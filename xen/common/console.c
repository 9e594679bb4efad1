/* The hypervisor console: formats messages, applies the log levels, prefixes
 * each line with "(XEN) " (and a timestamp when asked) or "(dN) " for a
 * guest's line, and writes to every sink: COM1 (16550) and, with
 * console=...,e9, the QEMU debug port 0xE9.
 *
 * Output goes through a ring buffer (conring): a writer appends under a short
 * lock and then drains the ring to the sinks holding only the drain lock,
 * with interrupts as the caller had them. One CPU drains at a time; another
 * CPU (or an interrupt on the draining one) that finds the drain taken
 * leaves its bytes to the drainer. Hypervisor messages wait until they are
 * written; a guest's console call drains about what it added, at least
 * CONS_GUEST_BUDGET and at most CONS_GUEST_SHARE bytes, for at most
 * CONS_GUEST_DRAIN_TIME (the rest is left to the next writer or an idle
 * CPU); guest lines are rate-limited per
 * unprivileged domain and dropped, counted, when over.
 *
 * Input: bytes received on the serial port go to the focus: nobody at boot,
 * then Ctrl-A three times cycles hypervisor (debug keys) -> d1 -> d2 ... ->
 * hypervisor; a domain's input lands in its PV console ring. */
#include <xen/console.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/string.h>
#include <xen/time.h>
#include <asm/io.h>
#include <asm/percpu.h>

static char opt_console[64] = "com1";
static char opt_com1[64] = "115200,8n1";

/* console=SINK[,SINK...]: each sink must be known, or the option is
 * refused by name (and the default kept). */
static const char *parse_console(const char *v)
{
    if (!v || !*v)
        return "needs a value (com1, e9, none, comma separated)";
    if (strlen(v) >= sizeof(opt_console))
        return "value too long";
    for (const char *p = v; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);

        if (!((n == 4 && !strncmp(p, "com1", 4)) || (n == 2 && !strncmp(p, "e9", 2)) ||
              (n == 4 && !strncmp(p, "none", 4))))
            return "unknown sink (known: com1, e9, none)";
        p += n;
        if (*p == ',' && !*++p)
            return "empty sink after ','";
    }
    strlcpy(opt_console, v, sizeof(opt_console));
    return NULL;
}
custom_param("console", parse_console);

/* com1=BAUD[,DPS][,0xIOBASE]: BAUD 50-115200, DPS such as 8n1 (data bits
 * 5-8, parity n/o/e/m/s, stop bits 1-2). Anything else refuses the option. */
static const char *parse_com1(const char *v)
{
    const char *p;
    unsigned long long n;

    if (!v || !*v)
        return "needs a value such as 115200,8n1";
    if (strlen(v) >= sizeof(opt_com1))
        return "value too long";
    n = simple_strtoull(v, &p, 10);
    if (p == v || n < 50 || n > 115200)
        return "the baud rate must be 50-115200";
    while (*p == ',') {
        const char *f = ++p;

        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            n = simple_strtoull(p, &p, 16);
            if (p == f + 2 || n < 0x100 || n > 0xfff8)
                return "bad I/O base (expected 0x100-0xfff8)";
        } else if (p[0] >= '5' && p[0] <= '8' && p[1] && strchr("noems", p[1]) &&
                   (p[2] == '1' || p[2] == '2')) {
            p += 3;
        } else
            return "expected data bits, parity, stop bits (such as 8n1) or an I/O base (0x3f8)";
        if (*p && *p != ',')
            return "unexpected characters after a field";
    }
    if (*p)
        return "unexpected characters after the baud rate";
    strlcpy(opt_com1, v, sizeof(opt_com1));
    return NULL;
}
custom_param("com1", parse_com1);
static bool opt_timestamps;
boolean_param("console_timestamps", opt_timestamps);
static bool opt_sync_console;
boolean_param("sync_console", opt_sync_console);
static const char *const loglvl_names[] = {"error", "warning", "info", "debug",
                                           "all",   "none",    NULL};
#define LVL_DEBUG 3
#define LVL_ALL   4
#define LVL_NONE  5
static unsigned int opt_loglvl = 2; /* info */
enum_param("loglvl", opt_loglvl, loglvl_names);
/* As Xen: a debug build shows every guest message, a release build only
 * warnings and errors (so unprivileged domains' console_io is hidden). */
#ifdef CONFIG_DEBUG
static unsigned int opt_guest_loglvl = LVL_ALL;
#else
static unsigned int opt_guest_loglvl = 1; /* warning */
#endif
enum_param("guest_loglvl", opt_guest_loglvl, loglvl_names);
/* Per unprivileged domain: bytes per second, and the burst allowed. */
static uint64_t opt_guest_rate = 16 << 10;
size_param("guest_console_rate", opt_guest_rate);
static uint64_t opt_guest_burst = 64 << 10;
size_param("guest_console_burst", opt_guest_burst);

static struct serial_port com1 = {.io = 0x3f8, .baud = 115200};
static bool sink_com1 = true, sink_e9;

#define CONRING_SIZE      (32u << 10) /* a power of two */
#define CONS_CHUNK        64
#define CONS_GUEST_BUDGET 512
/* The longest a guest's console call writes to the sinks (the hypervisor
 * time of one exit stays well under 1 ms). */
#define CONS_GUEST_DRAIN_TIME MICROSECS(150)
static char conring[CONRING_SIZE];
static uint32_t conring_prod, conring_cons; /* free-running indices */
static uint32_t conring_written;            /* up to here the sinks have it */
static DEFINE_SPINLOCK(conring_lock);       /* the ring; never held while writing a sink */
static DEFINE_SPINLOCK(drain_lock);         /* who writes to the sinks */
static DEFINE_SPINLOCK(format_lock);        /* vprintk's buffer */
static volatile int drain_cpu = -1;
static bool at_line_start = true; /* of hypervisor output, under conring_lock */
static unsigned long conring_lost;

/* Which unprivileged domain's line ends where in the ring, so that each
 * has at most CONS_GUEST_SHARE bytes waiting: a flood fills its own share
 * and the other domains' lines still get in. Under conring_lock. */
#define CONS_GUEST_SHARE (CONRING_SIZE / 8)
#define LINE_OWNERS      512
static struct {
    struct domain *d;
    uint32_t end, len;
} line_owner[LINE_OWNERS];
static unsigned int owner_head, owner_tail; /* free-running */

static void owners_retire(void)
{
    while (owner_tail != owner_head) {
        unsigned int i = owner_tail % LINE_OWNERS;

        if ((int32_t)(line_owner[i].end - conring_cons) > 0)
            break;
        line_owner[i].d->cons_queued -= line_owner[i].len;
        owner_tail++;
    }
}

static void sinks_putc(char c)
{
    if (c == '\n' && sink_com1)
        ns16550_putc(&com1, '\r');
    if (sink_com1)
        ns16550_putc(&com1, c);
    if (sink_e9)
        outb(0xe9, c);
}

static void sinks_write(const char *s, size_t n)
{
    while (n--)
        sinks_putc(*s++);
}

/* --- the ring --- */

static uint32_t conring_free(void)
{
    return CONRING_SIZE - (conring_prod - conring_cons);
}

static void conring_put(const char *s, size_t n)
{
    while (n--)
        conring[conring_prod++ & (CONRING_SIZE - 1)] = *s++;
}

/* Write up to budget bytes of the ring to the sinks, stopping at the
 * first chunk boundary past `deadline` (0: none); returns false if another
 * context is draining. */
static bool console_drain(uint32_t budget, s_time_t deadline)
{
    /* Small chunks when time-bounded: each byte is an I/O write, 87 us on
     * a 115200 baud UART whose FIFO is full. */
    const uint32_t chunk_max = deadline ? CONS_CHUNK / 4 : CONS_CHUNK;
    char chunk[CONS_CHUNK];
    unsigned long flags;

    if (!spin_trylock(&drain_lock))
        return false;
    drain_cpu = smp_processor_id();
    for (;;) {
        uint32_t n;

        flags = spin_lock_irqsave(&conring_lock);
        n = MIN(conring_prod - conring_cons, MIN(budget, chunk_max));
        for (uint32_t i = 0; i < n; i++)
            chunk[i] = conring[(conring_cons + i) & (CONRING_SIZE - 1)];
        conring_cons += n;
        owners_retire();
        spin_unlock_irqrestore(&conring_lock, flags);
        if (!n)
            break;
        sinks_write(chunk, n);
        __atomic_store_n(&conring_written, conring_written + n, __ATOMIC_RELEASE);
        budget -= n;
        if (!budget || (deadline && NOW() >= deadline))
            break;
    }
    drain_cpu = -1;
    spin_unlock(&drain_lock);
    return true;
}

/* Until the ring has been written up to index `upto` (wrapping compare). A
 * CPU interrupted while it was draining leaves the rest to itself. */
static void console_flush_to(uint32_t upto)
{
    while ((int32_t)(upto - __atomic_load_n(&conring_written, __ATOMIC_ACQUIRE)) > 0) {
        if (drain_cpu == (int)smp_processor_id())
            return;
        if (!console_drain(~0u, 0))
            cpu_relax();
    }
}

void console_flush(void)
{
    console_flush_to(__atomic_load_n(&conring_prod, __ATOMIC_ACQUIRE));
}

/* Leftovers (guest lines, printk_nowait), from a CPU with nothing else to
 * do: a chunk at a time, until the scheduler has work for it (a vCPU woken
 * here must not wait behind the serial line). */
void console_idle_drain(void)
{
    while (conring_prod != conring_cons && !this_cpu()->softirq_pending)
        if (!console_drain(CONS_CHUNK, 0))
            break;
}

void console_write_raw(const char *s, size_t n)
{
    unsigned long flags;
    uint32_t end;

    while (n) {
        size_t part;

        flags = spin_lock_irqsave(&conring_lock);
        part = MIN(n, (size_t)conring_free());
        conring_put(s, part);
        end = conring_prod;
        spin_unlock_irqrestore(&conring_lock, flags);
        s += part;
        n -= part;
        console_flush_to(end);
        if (n && !part && drain_cpu == (int)smp_processor_id()) {
            conring_lost += n; /* full, and only this CPU could empty it */
            return;
        }
    }
}

void console_init_early(void)
{
    ns16550_init(&com1);
}

void console_init_postparse(void)
{
    const char *p = opt_com1;
    uint32_t baud = (uint32_t)simple_strtoull(p, &p, 10);

    if (baud >= 50 && baud <= 115200)
        com1.baud = baud;
    else if (*opt_com1)
        printk(XENLOG_WARNING "com1: bad baud rate in '%s', keeping %u\n", opt_com1, com1.baud);
    /* Optional ",8n1" and ",0xIOBASE" parts. */
    while ((p = strchr(p, ','))) {
        p++;
        if (p[0] == '0' && p[1] == 'x')
            com1.io = (uint16_t)simple_strtoull(p, NULL, 16);
    }
    ns16550_init(&com1);

    sink_com1 = sink_e9 = false;
    for (p = opt_console; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);

        if (n == 4 && !strncmp(p, "com1", 4))
            sink_com1 = true;
        else if (n == 2 && !strncmp(p, "e9", 2))
            sink_e9 = true;
        else if (n == 4 && !strncmp(p, "none", 4))
            ;
        else {
            sink_com1 = true;
            printk(XENLOG_WARNING "console: unknown sink '%.*s' (known: com1, e9, none)\n", (int)n,
                   p);
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

bool console_loglvl_ok(int level)
{
    if (opt_loglvl == LVL_NONE)
        return false;
    return opt_loglvl == LVL_ALL || level <= (int)opt_loglvl;
}

static void put_prefix(void)
{
    char ts[32];

    conring_put("(XEN) ", 6);
    if (opt_timestamps) {
        s_time_t now = NOW();
        int n = snprintf(ts, sizeof(ts), "[%5lld.%06lld] ", (long long)(now / 1000000000LL),
                         (long long)(now % 1000000000LL) / 1000);
        conring_put(ts, n);
    }
}

/* Append hypervisor text with its line prefixes; false if it does not fit. */
static bool put_lines(const char *s, size_t len)
{
    size_t need = len;

    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n')
            need += 6 + 32;
    if (need + 6 + 32 > conring_free())
        return false;
    for (; len--; s++) {
        if (at_line_start) {
            put_prefix();
            at_line_start = false;
        }
        conring_put(s, 1);
        if (*s == '\n')
            at_line_start = true;
    }
    return true;
}

/* wait: until the sinks have the message (printk); else only queued. */
static void vprintk_common(const char *fmt, va_list args, bool wait)
{
    static char buf[1024];
    int level = 2;
    unsigned long flags, rflags;
    uint32_t end;
    size_t len;

    if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '3' && fmt[2] == '>') {
        level = fmt[1] - '0';
        fmt += 3;
    }
    if (!console_loglvl_ok(level))
        return;
    flags = spin_lock_irqsave(&format_lock);
    vsnprintf(buf, sizeof(buf), fmt, args);
    len = strlen(buf);
    for (;;) {
        bool done;

        rflags = spin_lock_irqsave(&conring_lock);
        done = put_lines(buf, len);
        end = conring_prod;
        spin_unlock_irqrestore(&conring_lock, rflags);
        if (done)
            break;
        if (drain_cpu == (int)smp_processor_id()) {
            conring_lost += len; /* full, and only this CPU could empty it */
            break;
        }
        /* Full (a rare hypervisor flood): make room, interrupts still off. */
        console_flush_to(end);
    }
    spin_unlock_irqrestore(&format_lock, flags);
    if (wait || opt_sync_console)
        console_flush_to(end);
    else
        sched_wake_idle_cpu(); /* none idle: the next writer's flush does it */
}

void vprintk(const char *fmt, va_list args)
{
    vprintk_common(fmt, args, true);
}

void printk(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
}

/* Each character costs a port write that QEMU serves with a write() to its
 * log under its global lock: about 1.5 us, and whole milliseconds when the
 * host is slow to write. Lines nobody needs on the wire before the caller
 * goes on (statistics printed as a domain is built or destroyed) are
 * written by an idle CPU instead, woken for it, and any later printk still
 * waits for them (the ring keeps the order). */
void printk_nowait(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vprintk_common(fmt, args, false);
    va_end(args);
}

/* --- guest lines --- */

/* Take len bytes from d's token bucket (unprivileged domains only). */
static bool guest_rate_ok(struct domain *d, size_t len)
{
    s_time_t now = NOW();
    uint64_t burst = opt_guest_burst ? opt_guest_burst : 1;

    if (d->privileged)
        return true;
    if (!d->cons_rate_stamp)
        d->cons_rate_tokens = burst;
    else
        d->cons_rate_tokens += (uint64_t)(now - d->cons_rate_stamp) * opt_guest_rate / SECONDS(1);
    if (d->cons_rate_tokens > burst)
        d->cons_rate_tokens = burst;
    d->cons_rate_stamp = now;
    if (d->cons_rate_tokens < len)
        return false;
    d->cons_rate_tokens -= len;
    return true;
}

/* One complete line of d's console ("(dN) text"); from_hcall says it came
 * through console_io, which guest_loglvl governs for unprivileged domains
 * as Xen does (their lines are guest debug messages there). */
void console_guest_line(struct domain *d, const char *s, size_t n, bool from_hcall)
{
    char pfx[16], note[48];
    int len, note_len = 0;
    unsigned long flags;
    uint32_t end, need;

    if (opt_guest_loglvl == LVL_NONE)
        return;
    if (from_hcall && !d->privileged && opt_guest_loglvl != LVL_ALL && opt_guest_loglvl < LVL_DEBUG)
        return;
    flags = spin_lock_irqsave(&conring_lock);
    if (!guest_rate_ok(d, n + 8)) {
        d->cons_dropped += n + 1;
        spin_unlock_irqrestore(&conring_lock, flags);
        return;
    }
    /* What was dropped is told just before the next line that gets in (a
     * note of its own for every dropped line would fill the ring). */
    if (d->cons_dropped)
        note_len = snprintf(note, sizeof(note), "(d%u) [%lu bytes dropped]\n", d->domain_id,
                            d->cons_dropped);
    len = snprintf(pfx, sizeof(pfx), "(d%u) ", d->domain_id);
    need = (uint32_t)(note_len + len + n + 2);
    if (need > conring_free() || (!d->privileged && (d->cons_queued + need > CONS_GUEST_SHARE ||
                                                     owner_head - owner_tail == LINE_OWNERS))) {
        d->cons_dropped += n + 1;
        spin_unlock_irqrestore(&conring_lock, flags);
        return;
    }
    if (!at_line_start)
        conring_put("\n", 1);
    if (note_len) {
        conring_put(note, note_len);
        d->cons_dropped = 0;
    }
    conring_put(pfx, len);
    conring_put(s, n);
    conring_put("\n", 1);
    at_line_start = true;
    end = conring_prod;
    if (!d->privileged) {
        unsigned int i = owner_head++ % LINE_OWNERS;

        line_owner[i].d = d;
        line_owner[i].end = end;
        line_owner[i].len = note_len + len + n + 1;
        d->cons_queued += note_len + len + n + 1;
    }
    spin_unlock_irqrestore(&conring_lock, flags);
    if (opt_sync_console || d->privileged)
        console_flush_to(end);
}

/* After a guest's console call: write out a bounded part of the ring, about
 * what the call added, so that a busy guest's own output does not pile up
 * (and get dropped) when no CPU is idle. */
void console_guest_drain(size_t bytes)
{
    console_drain((uint32_t)MIN(MAX(bytes, (size_t)CONS_GUEST_BUDGET), (size_t)CONS_GUEST_SHARE),
                  NOW() + CONS_GUEST_DRAIN_TIME);
}

void console_force_unlock(void)
{
    conring_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    drain_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    format_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    drain_cpu = -1;
    conring_written = conring_cons;
    at_line_start = true;
}

static void dump_console(char key)
{
    printk("Console: ring %u of %u bytes pending, %lu bytes lost, guest rate %lu B/s burst %lu\n",
           conring_prod - conring_cons, CONRING_SIZE, conring_lost, (unsigned long)opt_guest_rate,
           (unsigned long)opt_guest_burst);
}
register_keyhandler('c', dump_console, "console state");

/* --- input --- */

/* Ctrl-A three times in a row moves the input focus. */
#define SWITCH_CODE 0x01
#define FOCUS_NONE  (-1)
#define FOCUS_XEN   0
static int input_focus = FOCUS_NONE; /* or a domain id */
static unsigned int switch_count;

static void switch_focus(void)
{
    struct domain *d = NULL;

    if (input_focus == FOCUS_NONE)
        input_focus = FOCUS_XEN;
    else {
        d = console_ring_next(input_focus);
        input_focus = d ? d->domain_id : FOCUS_XEN;
    }
    if (d)
        printk("*** Serial input to d%u '%s' (type 'CTRL-a' three times to switch input)\n",
               d->domain_id, d->name);
    else
        printk("*** Serial input to Xen (type 'CTRL-a' three times to switch input)\n");
    if (!d)
        printk("*** Press 'h' for the list of debug keys\n");
}

static void receive_char(char c)
{
    if (c == SWITCH_CODE) {
        if (++switch_count == 3) {
            switch_count = 0;
            switch_focus();
        }
        return;
    }
    switch_count = 0;
    if (input_focus == FOCUS_XEN)
        handle_keypress(c);
    else if (input_focus > 0)
        console_ring_input((uint16_t)input_focus, c);
}

void console_poll_input(void)
{
    static DEFINE_SPINLOCK(input_lock);
    int c;

    /* One CPU at a time drains the UART; others simply skip. */
    if (!spin_trylock(&input_lock))
        return;
    while ((c = ns16550_getc(&com1)) >= 0)
        receive_char((char)c);
    spin_unlock(&input_lock);
}

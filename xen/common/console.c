/* The hypervisor console: formats messages, applies the log level, prefixes
 * each line with "(XEN) " (and a timestamp when asked), and writes to every
 * sink: COM1 (16550) and, with console=...,e9, the QEMU debug port 0xE9.
 * Input: bytes received on the serial port go to the debug keys once the
 * user has switched input to the hypervisor with Ctrl-A three times. */
#include <xen/console.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/spinlock.h>
#include <xen/string.h>
#include <xen/time.h>
#include <asm/io.h>

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
static unsigned int opt_loglvl = 2; /* info */
enum_param("loglvl", opt_loglvl, loglvl_names);
static unsigned int opt_guest_loglvl = 2;
enum_param("guest_loglvl", opt_guest_loglvl, loglvl_names);

static struct serial_port com1 = {.io = 0x3f8, .baud = 115200};
static bool sink_com1 = true, sink_e9;
static DEFINE_SPINLOCK(console_lock);
static bool at_line_start = true;

static void sinks_putc(char c)
{
    if (c == '\n' && sink_com1)
        ns16550_putc(&com1, '\r');
    if (sink_com1)
        ns16550_putc(&com1, c);
    if (sink_e9)
        outb(0xe9, c);
}

void console_write_raw(const char *s, size_t n)
{
    while (n--)
        sinks_putc(*s++);
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
    if (opt_loglvl == 5) /* none */
        return false;
    return opt_loglvl == 4 || level <= (int)opt_loglvl;
}

static void emit_prefix(void)
{
    char ts[32];

    console_write_raw("(XEN) ", 6);
    if (opt_timestamps) {
        s_time_t now = NOW();
        int n = snprintf(ts, sizeof(ts), "[%5lld.%06lld] ", (long long)(now / 1000000000LL),
                         (long long)(now % 1000000000LL) / 1000);
        console_write_raw(ts, n);
    }
}

static void emit_lines(const char *s)
{
    for (; *s; s++) {
        if (at_line_start) {
            emit_prefix();
            at_line_start = false;
        }
        sinks_putc(*s);
        if (*s == '\n')
            at_line_start = true;
    }
}

void vprintk(const char *fmt, va_list args)
{
    static char buf[1024];
    int level = 2;
    unsigned long flags;

    if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '3' && fmt[2] == '>') {
        level = fmt[1] - '0';
        fmt += 3;
    }
    if (!console_loglvl_ok(level))
        return;
    flags = spin_lock_irqsave(&console_lock);
    vsnprintf(buf, sizeof(buf), fmt, args);
    emit_lines(buf);
    spin_unlock_irqrestore(&console_lock, flags);
}

void printk(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
}

void console_guest_line(unsigned int domid, const char *s, size_t n)
{
    char pfx[16];
    int len = snprintf(pfx, sizeof(pfx), "(d%u) ", domid);
    unsigned long flags;

    if (opt_guest_loglvl == 5)
        return;
    flags = spin_lock_irqsave(&console_lock);
    if (!at_line_start)
        sinks_putc('\n');
    console_write_raw(pfx, len);
    console_write_raw(s, n);
    sinks_putc('\n');
    at_line_start = true;
    spin_unlock_irqrestore(&console_lock, flags);
}

void console_force_unlock(void)
{
    console_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    at_line_start = true;
}

/* Ctrl-A three times in a row switches input between the hypervisor (debug
 * keys) and the guests. */
#define SWITCH_CODE 0x01
static bool input_to_xen;
static unsigned int switch_count;

static void receive_char(char c)
{
    if (c == SWITCH_CODE) {
        if (++switch_count == 3) {
            switch_count = 0;
            input_to_xen = !input_to_xen;
            printk("*** Serial input to %s (type 'CTRL-a' three times to switch input)\n",
                   input_to_xen ? "Xen" : "domains");
            if (input_to_xen)
                printk("*** Press 'h' for the list of debug keys\n");
        }
        return;
    }
    switch_count = 0;
    if (input_to_xen)
        handle_keypress(c);
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

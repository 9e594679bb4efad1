/* The hypervisor console: output sinks, log levels, and serial input. */
#ifndef XEN_CONSOLE_H
#define XEN_CONSOLE_H

#include <xen/types.h>

void console_init_early(void);                   /* COM1 at 115200 before anything else */
void console_init_postparse(void);               /* apply console=, comN=, loglvl= */
void console_write_raw(const char *s, size_t n); /* no prefix, no level */
struct domain;
/* Queue one complete line of a guest's console as "(d<ID>) text", subject
 * to guest_loglvl (from_hcall: console_io or port 0xE9) and d's rate limit. */
void console_guest_line(struct domain *d, const char *s, size_t n, bool from_hcall);
/* After a guest's console call of `bytes`: writes about as much of the ring
 * (at least 512 bytes, at most a domain's share, 4 KiB), for 150 us at most. */
void console_guest_drain(size_t bytes);
void console_idle_drain(void);   /* from an idle CPU, interrupts on */
void console_flush(void);        /* until everything queued is written */
void console_force_unlock(void); /* for panic: never deadlock on output */
void console_poll_input(void);   /* feed received bytes to the input focus */
bool console_loglvl_ok(int level);

/* A domain's console (common/domain_console.c): the line buffer fed by
 * console_io, port 0xE9 and the PV console ring, the ring's backend, and
 * serial input for the domain. domain_console_put only queues: the caller
 * calls console_guest_drain once it is done. */
void domain_console_put(struct domain *d, const char *s, size_t n, bool from_hcall);
int console_ring_setup(struct domain *d); /* page + port + params; 0 or -errno */
void console_ring_teardown(struct domain *d);
void console_ring_kick(struct domain *d); /* the guest signalled its port */
void console_ring_input(uint16_t domid, char c);
struct domain *console_ring_next(int domid); /* next domain with a ring after domid */

/* Serial port driver interface (arch). */
struct serial_port {
    uint16_t io;
    uint32_t baud;
    bool present;
};
void ns16550_init(struct serial_port *p);
void ns16550_putc(struct serial_port *p, char c);
int ns16550_getc(struct serial_port *p); /* -1 when nothing received */

#endif

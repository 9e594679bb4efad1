/* The hypervisor console: output sinks, log levels, and serial input. */
#ifndef XEN_CONSOLE_H
#define XEN_CONSOLE_H

#include <xen/types.h>

void console_init_early(void);                   /* COM1 at 115200 before anything else */
void console_init_postparse(void);               /* apply console=, comN=, loglvl= */
void console_write_raw(const char *s, size_t n); /* no prefix, no level */
/* Print a guest's console line as "(d<ID>) text". */
void console_guest_line(unsigned int domid, const char *s, size_t n);
void console_force_unlock(void); /* for panic: never deadlock on output */
void console_poll_input(void);   /* feed received bytes to the key handler */
bool console_loglvl_ok(int level);

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

/* The fatal path: one CPU claims the panic, the others are stopped, the
 * console is forced free, and the machine ends as configured. */
#ifndef XEN_PANIC_H
#define XEN_PANIC_H

void panic_start(void);
void __attribute__((noreturn)) panic_finish(const char *msg);
extern volatile bool panicking;

#endif

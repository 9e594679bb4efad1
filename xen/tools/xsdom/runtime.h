/* The service-domain runtime: hypercalls, console, memory, event channels
 * and time for a 32-bit PVH guest without paging (see README.md). */
#ifndef XSDOM_RUNTIME_H
#define XSDOM_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE       4096u
#define CALLBACK_VECTOR 0xf3
#define DOMID_SELF      0x7ff0u

/* Hypercall numbers and sub-ops (Xen's public ABI). */
#define HC_console_io       18
#define HC_sched_op         29
#define HC_memory_op        12
#define HC_event_channel_op 32
#define HC_hvm_op           34

long hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3);

/* Console (console_io write) and formatting. */
int rt_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void __attribute__((noreturn)) rt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Memory: RAM from the start info's map; a heap above the image. */
void rt_init(uint32_t start_info_pa);
const char *rt_cmdline(void);
unsigned long rt_ram_top_gfn(void);
void *rt_alloc(size_t size);
void rt_free(void *p);
size_t rt_heap_used(void);

/* Event channels (2-level ABI, 32-bit layout) with the callback vector. */
int rt_evtchn_init(void);
long rt_bind_virq(unsigned int virq);
long rt_bind_interdomain(unsigned int remote_dom, unsigned int remote_port);
void rt_evtchn_close(unsigned int port);
void rt_evtchn_send(unsigned int port);
/* Wait for events; call fn(port, ctx) for each pending unmasked port. */
void rt_wait_events(void (*fn)(unsigned int port, void *ctx), void *ctx);

/* Foreign mapping of another domain's frame at gfn (0 or -errno). */
long rt_map_foreign(unsigned int domid, unsigned long idx, unsigned long gfn);
long rt_unmap(unsigned long gfn);

uint64_t rt_now_ns(void);
void __attribute__((noreturn)) rt_poweroff(void);

#endif

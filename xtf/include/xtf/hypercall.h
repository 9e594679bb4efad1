/* Hypercalls through the hypercall page (stub n at offset 32 * n). */
#ifndef XTF_HYPERCALL_H
#define XTF_HYPERCALL_H

#include <xtf/xen.h>

extern uint8_t hypercall_page[PAGE_SIZE];

#ifdef CONFIG_64BIT
#define _hypercall_5(nr, a1, a2, a3, a4, a5)                                                       \
    ({                                                                                             \
        long res_;                                                                                 \
        register long _a1 asm("rdi") = (long)(a1);                                                 \
        register long _a2 asm("rsi") = (long)(a2);                                                 \
        register long _a3 asm("rdx") = (long)(a3);                                                 \
        register long _a4 asm("r10") = (long)(a4);                                                 \
        register long _a5 asm("r8") = (long)(a5);                                                  \
        asm volatile("call hypercall_page + %c[off]"                                               \
                     : "=a"(res_), "+r"(_a1), "+r"(_a2), "+r"(_a3), "+r"(_a4), "+r"(_a5)           \
                     : [off] "i"((nr)*32)                                                          \
                     : "memory", "rcx", "r11");                                                    \
        res_;                                                                                      \
    })
#else
#define _hypercall_5(nr, a1, a2, a3, a4, a5)                                                       \
    ({                                                                                             \
        long res_;                                                                                 \
        register long _a1 asm("ebx") = (long)(a1);                                                 \
        register long _a2 asm("ecx") = (long)(a2);                                                 \
        register long _a3 asm("edx") = (long)(a3);                                                 \
        register long _a4 asm("esi") = (long)(a4);                                                 \
        register long _a5 asm("edi") = (long)(a5);                                                 \
        asm volatile("call hypercall_page + %c[off]"                                               \
                     : "=a"(res_), "+r"(_a1), "+r"(_a2), "+r"(_a3), "+r"(_a4), "+r"(_a5)           \
                     : [off] "i"((nr)*32)                                                          \
                     : "memory");                                                                  \
        res_;                                                                                      \
    })
#endif

#define hypercall0(nr)             _hypercall_5(nr, 0, 0, 0, 0, 0)
#define hypercall1(nr, a)          _hypercall_5(nr, a, 0, 0, 0, 0)
#define hypercall2(nr, a, b)       _hypercall_5(nr, a, b, 0, 0, 0)
#define hypercall3(nr, a, b, c)    _hypercall_5(nr, a, b, c, 0, 0)
#define hypercall4(nr, a, b, c, d) _hypercall_5(nr, a, b, c, d, 0)

/* Any hypercall by number at run time (for tests that sweep numbers). */
long hypercall_by_nr(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3,
                     unsigned long a4, unsigned long a5);

/*
 * Every wrapper returns the hypervisor's answer as it is, -ENOSYS included:
 * the test decides.  A call the test needs that answers -ENOSYS is a
 * failure of the test (declare the need with @needs; the runner knows
 * whether the hypervisor under test offers it).
 */

static inline long hypercall_xen_version(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long hypercall_console_write(const char *buf, unsigned long len)
{
    return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, buf);
}

static inline long hypercall_console_io(unsigned int cmd, unsigned long len, void *buf)
{
    return hypercall3(__HYPERVISOR_console_io, cmd, len, buf);
}

static inline long hypercall_sched_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static inline long hypercall_shutdown(unsigned int reason)
{
    struct sched_shutdown s = {.reason = reason};
    return hypercall_sched_op(SCHEDOP_shutdown, &s);
}

static inline long hypercall_yield(void)
{
    return hypercall_sched_op(SCHEDOP_yield, NULL);
}

static inline long hypercall_memory_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

/* This domain's current reservation in pages, or an errno. */
static inline long hypercall_current_reservation(void)
{
    domid_t self = DOMID_SELF;

    return hypercall_memory_op(XENMEM_current_reservation, &self);
}

static inline long hypercall_evtchn_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long hypercall_grant_table_op(unsigned int cmd, void *arg, unsigned int count)
{
    return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static inline long hypercall_hvm_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_hvm_op, cmd, arg);
}

static inline long hypercall_vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
    return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static inline long hvm_get_param(unsigned int idx, uint64_t *value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = idx};
    long rc = hypercall_hvm_op(HVMOP_get_param, &p);
    if (rc == 0)
        *value = p.value;
    return rc;
}

static inline long hvm_set_param(unsigned int idx, uint64_t value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = idx, .value = value};
    return hypercall_hvm_op(HVMOP_set_param, &p);
}

static inline long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send s = {.port = port};
    return hypercall_evtchn_op(EVTCHNOP_send, &s);
}

static inline long evtchn_close(evtchn_port_t port)
{
    struct evtchn_close c = {.port = port};
    return hypercall_evtchn_op(EVTCHNOP_close, &c);
}

static inline long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = remote};
    long rc = hypercall_evtchn_op(EVTCHNOP_alloc_unbound, &a);
    if (rc == 0)
        *port = a.port;
    return rc;
}

static inline long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
    st->dom = DOMID_SELF;
    st->port = port;
    return hypercall_evtchn_op(EVTCHNOP_status, st);
}

#endif /* XTF_HYPERCALL_H */

/*
 * Event channel and shared info helpers for tests (header only): bit
 * access to the two-level bitmaps, the vCPU's upcall flags, system time from
 * vcpu_time_info, and the ops the framework's hypercall.h lacks.
 */
#ifndef XTF_EVTCHN_H
#define XTF_EVTCHN_H

#include <xtf.h>

#define EVTCHNOP_init_control 11
#define EVTCHNOP_expand_array 12
#define EVTCHNOP_set_priority 13

#define VIRQ_DEBUG   1
#define VIRQ_CONSOLE 2
#define NR_VIRQS     24

/* Ports of the two-level ABI for this guest's word size (port 0 reserved). */
#define EVTCHN_2L_NR_PORTS (sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8)
#define BITS_PER_XEN_ULONG (sizeof(xen_ulong_t) * 8)

#define CALLBACK_VIA_VECTOR(v) ((2ull << 56) | (v))

static inline bool evtchn_test(const volatile xen_ulong_t *map, unsigned int port)
{
    return map[port / BITS_PER_XEN_ULONG] & (1ul << (port % BITS_PER_XEN_ULONG));
}

static inline void evtchn_set(volatile xen_ulong_t *map, unsigned int port)
{
    __atomic_fetch_or(&map[port / BITS_PER_XEN_ULONG], 1ul << (port % BITS_PER_XEN_ULONG),
                      __ATOMIC_SEQ_CST);
}

static inline void evtchn_clear(volatile xen_ulong_t *map, unsigned int port)
{
    __atomic_fetch_and(&map[port / BITS_PER_XEN_ULONG], ~(1ul << (port % BITS_PER_XEN_ULONG)),
                       __ATOMIC_SEQ_CST);
}

/* Forget every pending event of vCPU 0 (bitmaps, selector, upcall flag). */
static inline void evtchn_clear_all(struct shared_info *s)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(s->evtchn_pending); i++)
        s->evtchn_pending[i] = 0;
    s->vcpu_info[0].evtchn_pending_sel = 0;
    s->vcpu_info[0].evtchn_upcall_pending = 0;
}

static inline long evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = {.port = port};
    return hypercall_evtchn_op(EVTCHNOP_unmask, &u);
}

static inline long evtchn_bind_ipi(unsigned int vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = {.vcpu = vcpu};
    long rc = hypercall_evtchn_op(EVTCHNOP_bind_ipi, &b);
    if (rc == 0)
        *port = b.port;
    return rc;
}

static inline long evtchn_bind_virq(unsigned int virq, unsigned int vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu};
    long rc = hypercall_evtchn_op(EVTCHNOP_bind_virq, &b);
    if (rc == 0)
        *port = b.port;
    return rc;
}

static inline long evtchn_bind_interdomain(domid_t dom, evtchn_port_t remote, evtchn_port_t *local)
{
    struct evtchn_bind_interdomain b = {.remote_dom = dom, .remote_port = remote};
    long rc = hypercall_evtchn_op(EVTCHNOP_bind_interdomain, &b);
    if (rc == 0)
        *local = b.local_port;
    return rc;
}

static inline long sched_poll_ports(evtchn_port_t *ports, unsigned int nr, uint64_t timeout)
{
    struct sched_poll p = {.ports = ports, .nr_ports = nr, .timeout = timeout};
    return hypercall_sched_op(SCHEDOP_poll, &p);
}

static inline long set_timer_op(uint64_t deadline)
{
#ifdef CONFIG_64BIT
    return hypercall1(__HYPERVISOR_set_timer_op, deadline);
#else
    return hypercall2(__HYPERVISOR_set_timer_op, (uint32_t)deadline, (uint32_t)(deadline >> 32));
#endif
}

/* System time (ns) from vCPU 0's time info, as a guest kernel computes it. */
static inline uint64_t xen_system_time(const struct shared_info *s)
{
    const volatile struct vcpu_time_info *t = &s->vcpu_info[0].time;
    uint32_t ver;
    uint64_t now;

    do {
        ver = t->version;
        barrier();
        uint64_t delta = rdtsc() - t->tsc_timestamp;
        if (t->tsc_shift >= 0)
            delta <<= t->tsc_shift;
        else
            delta >>= -t->tsc_shift;
        /* (delta * mul) >> 32 without a 128-bit multiply. */
        uint64_t mul = t->tsc_to_system_mul;
        now = t->system_time + (((delta >> 32) * mul) + (((delta & 0xffffffffu) * mul) >> 32));
        barrier();
    } while ((ver & 1) || ver != t->version);
    return now;
}

/* Sleep `ms` of system time on vCPU 0: VIRQ_TIMER is bound (once per
 * test: a second bind is refused), a singleshot timer armed, and the vCPU
 * polls the port until the time has passed. */
static inline void xtf_sleep_ms(struct shared_info *s, unsigned int ms)
{
    evtchn_port_t port = 0;
    uint64_t ns = (uint64_t)ms * 1000000ull;

    xtf_expect_rc("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0);
    set_timer_op(xen_system_time(s) + ns);
    evtchn_clear(s->evtchn_pending, port);
    for (uint64_t end = xen_system_time(s) + ns; xen_system_time(s) < end;)
        sched_poll_ports(&port, 1, end);
}

#endif /* XTF_EVTCHN_H */

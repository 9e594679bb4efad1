/* A domain's console: the line buffer that console_io, port 0xE9 and the PV
 * console ring feed (complete lines go to the hypervisor console as
 * "(dN) text"), and the backend of the PV console ring that every boot-time
 * domain gets, as a toolstack with xenconsoled gives one on Xen:
 *
 * - the ring (struct xencons_interface, public/io/console.h) is the special
 *   page DOMAIN_CONSOLE_GFN: RAM at the top of the domain's memory that its
 *   memory map marks reserved, so the guest uses it for nothing else;
 * - its event channel is a port of the domain bound to the hypervisor: a
 *   send on it makes the backend consume the output ring (at most one ring's
 *   worth per send) and signal back; input switched to the domain from the
 *   serial console (Ctrl-A) lands in the input ring, with a signal. The
 *   guest may close the port (then nothing is signalled any more);
 * - HVM_PARAM_CONSOLE_PFN/EVTCHN say where they are. A domain built with
 *   pv_console=0 has none, and get_param of either fails with -ENOENT.
 *
 * The backend trusts nothing in the page: indices are read once, a producer
 * more than a ring ahead of the consumer resets the ring, and a page the
 * guest gave back is simply not served. */
#include <xen/console.h>
#include <xen/event.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/string.h>
#include <asm/config.h>
#include <asm/hvm/hvm.h>
#include <public/io/console.h>

#define RING_SIZE(r) ((uint32_t)sizeof(r))

void domain_console_put(struct domain *d, const char *s, size_t n, bool from_hcall)
{
    char line[CONSOLE_LINE];

    while (n) {
        unsigned long flags = spin_lock_irqsave(&d->console_lock);
        bool complete = false, hcall = false;
        size_t len = 0;

        for (; n && !complete; s++, n--) {
            d->console_bytes++;
            if (*s == '\r')
                continue;
            d->console_line_hcall |= from_hcall;
            if (*s != '\n') {
                d->console_buf[d->console_len++] = *s;
                if (d->console_len < sizeof(d->console_buf))
                    continue;
            }
            complete = true;
            len = d->console_len;
            memcpy(line, d->console_buf, len);
            hcall = d->console_line_hcall;
            d->console_len = 0;
            d->console_line_hcall = false;
        }
        spin_unlock_irqrestore(&d->console_lock, flags);
        if (complete)
            console_guest_line(d, line, len, hcall);
    }
}

void domain_console_putc(struct domain *d, char c)
{
    domain_console_put(d, &c, 1, true);
    console_guest_drain(1);
}

/* --- the PV console ring --- */

static struct xencons_interface *ring_of(struct domain *d)
{
    return d->cons_gfn ? gfn_to_virt(d, d->cons_gfn) : NULL;
}

int console_ring_setup(struct domain *d)
{
    struct xencons_interface *intf;
    long port;

    d->cons_gfn = 0;
    d->cons_port = 0;
    if (d->no_pv_console)
        return 0;
    if (d->nr_pages <= DOMAIN_SPECIAL_PAGES + 256)
        return -ENOMEM;
    intf = gfn_to_virt(d, DOMAIN_CONSOLE_GFN(d));
    if (!intf)
        return -ENOMEM;
    port = evtchn_alloc_xen_port(d, XEN_CONSUMER_CONSOLE);
    if (port < 0)
        return (int)port;
    memset(intf, 0, PAGE_SIZE);
    d->cons_gfn = DOMAIN_CONSOLE_GFN(d);
    d->cons_port = port;
    d->hvm_params[HVM_PARAM_CONSOLE_PFN] = d->cons_gfn;
    d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = port;
    return 0;
}

void console_ring_teardown(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&d->console_lock);

    d->cons_gfn = 0;
    d->cons_port = 0;
    d->hvm_params[HVM_PARAM_CONSOLE_PFN] = 0;
    d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = 0;
    spin_unlock_irqrestore(&d->console_lock, flags);
}

/* Take what the guest wrote, a bounded chunk at a time: a whole ring's worth
 * on the stack would cost 2 KiB of a 16 KiB hypervisor stack. */
#define KICK_CHUNK 256

void console_ring_kick(struct domain *d)
{
    char out[KICK_CHUNK];
    const uint32_t ring = RING_SIZE(((struct xencons_interface *)0)->out);
    struct xencons_interface *intf;
    unsigned long flags;
    uint32_t cons, prod, n;
    size_t taken = 0;

    do {
        n = 0;
        flags = spin_lock_irqsave(&d->console_lock);
        intf = ring_of(d);
        if (!intf) {
            spin_unlock_irqrestore(&d->console_lock, flags);
            return;
        }
        cons = __atomic_load_n(&intf->out_cons, __ATOMIC_RELAXED);
        prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE);
        if (prod - cons > ring)
            cons = prod; /* nonsense indices: drop what is there */
        for (; cons != prod && n < sizeof(out); cons++)
            out[n++] = intf->out[cons % ring];
        __atomic_store_n(&intf->out_cons, cons, __ATOMIC_RELEASE);
        spin_unlock_irqrestore(&d->console_lock, flags);
        if (n)
            domain_console_put(d, out, n, false);
        taken += n;
    } while (n == sizeof(out) && taken < ring); /* one ring's worth, even if refilled meanwhile */
    /* Once for the whole kick: each drain may write for its time bound. */
    if (taken)
        console_guest_drain(taken);
    /* The guest may wait for room in the ring. */
    evtchn_notify(d, d->cons_port);
}

void console_ring_input(uint16_t domid, char c)
{
    struct domain *d = domain_by_id(domid);
    struct xencons_interface *intf;
    unsigned long flags;
    uint32_t cons, prod;
    bool sent = false;

    if (!d || d->state != DOMSTATE_RUNNING)
        return;
    flags = spin_lock_irqsave(&d->console_lock);
    intf = ring_of(d);
    if (intf) {
        cons = __atomic_load_n(&intf->in_cons, __ATOMIC_ACQUIRE);
        prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);
        if (prod - cons < sizeof(intf->in)) {
            intf->in[prod % sizeof(intf->in)] = c;
            __atomic_store_n(&intf->in_prod, prod + 1, __ATOMIC_RELEASE);
            sent = true;
        }
    }
    spin_unlock_irqrestore(&d->console_lock, flags);
    if (sent)
        evtchn_notify(d, d->cons_port);
}

struct domain *console_ring_next(int domid)
{
    struct domain *best = NULL;

    for (unsigned int i = 0; i < nr_domains; i++) {
        struct domain *d = domain_list[i];

        if (d && d->cons_gfn && d->state == DOMSTATE_RUNNING && d->domain_id > domid &&
            (!best || d->domain_id < best->domain_id))
            best = d;
    }
    return best;
}

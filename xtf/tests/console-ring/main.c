/**
 * @file
 * The PV console ring (HVM_PARAM_CONSOLE_PFN/EVTCHN, struct xencons_interface)
 * as a guest built for Xen uses it: the params are set, the page is RAM that
 * the memory map reserves, the backend consumes the output ring (also a
 * burst several times the ring's size, with the guest waiting for room on
 * the event channel) and signals back, and serial input switched to this
 * domain (Ctrl-A on the hypervisor's console, typed by the runner) arrives
 * in the input ring with an event (no input is a SKIP, which the runner
 * turns into a FAILURE when it could type). The test's last lines, the
 * result line included, go through the ring only: if the backend does not
 * print them as "(dN)" lines the runner sees no result (CRASH).
 *
 * @category functional
 * @needs hypervisor evtchn memory serial-input
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @serial-input ring-input-42\r
 * @timeout 60
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "PV console ring";

#define MS(x)         ((uint64_t)(x)*1000000ull)
#define EXPECTED_LINE "ring-input-42"

static struct shared_info *s;
static volatile struct xencons_interface *ring;
static evtchn_port_t port;

/* Wait (polling the port) until cond() holds or about ms milliseconds pass. */
static bool wait_for(bool (*cond)(void), unsigned int ms)
{
    uint64_t end = xen_system_time(s) + MS(ms);

    while (!cond()) {
        if (xen_system_time(s) > end)
            return false;
        evtchn_clear(s->evtchn_pending, port);
        if (cond())
            return true;
        sched_poll_ports(&port, 1, xen_system_time(s) + MS(20));
    }
    return true;
}

static bool out_empty(void)
{
    return ACCESS_ONCE(ring->out_cons) == ACCESS_ONCE(ring->out_prod);
}

static bool out_has_room(void)
{
    return ACCESS_ONCE(ring->out_prod) - ACCESS_ONCE(ring->out_cons) < sizeof(ring->out);
}

static bool in_has_line(void)
{
    uint32_t c = ACCESS_ONCE(ring->in_cons), p = ACCESS_ONCE(ring->in_prod);

    for (; c != p; c++)
        if (ring->in[c % sizeof(ring->in)] == '\r' || ring->in[c % sizeof(ring->in)] == '\n')
            return true;
    return false;
}

/* Write through the ring, waiting for room; false if the backend stalls. */
static bool ring_write(const char *str)
{
    while (*str) {
        uint32_t prod = ring->out_prod;

        if (!out_has_room()) {
            evtchn_send(port);
            if (!wait_for(out_has_room, 5000))
                return false;
        }
        while (*str && prod - ACCESS_ONCE(ring->out_cons) < sizeof(ring->out))
            ring->out[prod++ % sizeof(ring->out)] = *str++;
        barrier();
        ring->out_prod = prod;
    }
    evtchn_send(port);
    return true;
}

static void check_page(uint64_t pfn)
{
    const struct hvm_memmap_entry *mm = (const void *)(unsigned long)pvh_start_info->memmap_paddr;
    uint64_t pa = pfn << PAGE_SHIFT;
    bool reserved = false;

    for (unsigned int i = 0; i < pvh_start_info->memmap_entries; i++) {
        if (pa < mm[i].addr || pa >= mm[i].addr + mm[i].size)
            continue;
        if (mm[i].type == 1)
            xtf_failure("Fail: ring page %#llx is in a RAM entry of the memory map\n",
                        (unsigned long long)pa);
        else
            reserved = true;
    }
    if (!reserved)
        xtf_failure("Fail: ring page %#llx is not in a reserved entry\n", (unsigned long long)pa);
}

void test_main(void)
{
    uint64_t pfn = 0, evtchn = 0;
    char got[64];
    unsigned int n = 0;

    s = xtf_shared_info_start();
    xtf_expect_rc("get CONSOLE_PFN", hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn), 0);
    xtf_expect_rc("get CONSOLE_EVTCHN", hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn), 0);
    if (!pfn || !evtchn || evtchn >= EVTCHN_2L_NR_PORTS)
        return xtf_failure("Fail: console pfn %#llx, port %llu\n", (unsigned long long)pfn,
                           (unsigned long long)evtchn);
    check_page(pfn);
    ring = (void *)(unsigned long)(pfn << PAGE_SHIFT);
    port = evtchn;
    if (ring->out_prod != ring->out_cons || ring->in_prod != ring->in_cons)
        xtf_failure("Fail: fresh ring not empty (out %u/%u, in %u/%u)\n", ring->out_cons,
                    ring->out_prod, ring->in_cons, ring->in_prod);

    /* One line, consumed and acknowledged with an event. */
    evtchn_clear(s->evtchn_pending, port);
    if (!ring_write("console-ring: first line through the ring\n"))
        return xtf_failure("Fail: backend never made room\n");
    for (uint64_t end = xen_system_time(s) + MS(5000);
         !evtchn_test(s->evtchn_pending, port) && xen_system_time(s) < end;)
        sched_poll_ports(&port, 1, xen_system_time(s) + MS(20));
    if (!evtchn_test(s->evtchn_pending, port))
        xtf_failure("Fail: no event from the backend after a send\n");
    if (!wait_for(out_empty, 5000))
        return xtf_failure("Fail: backend left %u bytes in the output ring\n",
                           ring->out_prod - ring->out_cons);

    /* Several rings' worth: the guest waits for room as Linux's hvc does. */
    for (unsigned int i = 0; i < 64; i++) {
        char line[100];

        snprintf(line, sizeof(line), "console-ring: burst line %02u %s\n", i,
                 "................................................................");
        if (!ring_write(line))
            return xtf_failure("Fail: backend stalled at burst line %u\n", i);
    }
    if (!wait_for(out_empty, 5000))
        return xtf_failure("Fail: burst not consumed\n");

    /* Input: the runner switches the serial console to this domain. */
    printk("console-ring: %s\n", "waiting for serial input");
    /* A SKIP: only a run that cannot type (a lab boot target) lets it stand. */
    if (!wait_for(in_has_line, 30000))
        return xtf_skip("Skip: no input line in the ring (in %u/%u)\n", ring->in_cons,
                        ring->in_prod);
    while (ring->in_cons != ring->in_prod) {
        char c = ring->in[ring->in_cons % sizeof(ring->in)];

        ring->in_cons++;
        if (c == '\r' || c == '\n')
            break;
        if (n < sizeof(got) - 1)
            got[n++] = c;
    }
    got[n] = '\0';
    if (strcmp(got, EXPECTED_LINE))
        return xtf_failure("Fail: input '%s', expected '%s'\n", got, EXPECTED_LINE);

    /* From here on, only the ring carries the console (result line too). */
    console_sinks = CONSOLE_PV;
    printk("console-ring: input '%s' read back through the ring\n", got);
    xtf_success(NULL);
}

/**
 * @file
 * Local APIC IPIs between the vCPUs of one domain: vCPU 1 is brought up
 * with VCPUOP_up and enables its own APIC (its ID differs from vCPU 0's).
 * Proves fixed IPIs by physical destination reach exactly the addressed
 * vCPU (many rounds of ping-pong, each answered once), that the
 * all-excluding-self shorthand reaches the other vCPU but not the sender,
 * that a logical-mode IPI reaches the vCPU whose LDR matches, and that the
 * delivery status bit reads idle after each send.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor vcpu-op lapic
 * @domain vcpus=2
 */
#include <xtf.h>

const char test_title[] = "Local APIC IPIs between vCPUs";

#define VEC_PING  0x28
#define VEC_BCAST 0x29
#define ROUNDS    20
#define TRIES     200000
#define APIC_LDR  0x0d0
#define APIC_DFR  0x0e0

static uint8_t stack1[8192] __aligned(16);
static volatile unsigned int ping[2], bcast[2], ready, done;
static volatile uint32_t apic_id1;

static void on_ping(struct cpu_regs *regs)
{
    ping[xtf_vcpu_id() & 1]++;
    apic_write(APIC_EOI, 0);
}

static void on_bcast(struct cpu_regs *regs)
{
    bcast[xtf_vcpu_id() & 1]++;
    apic_write(APIC_EOI, 0);
}

static void send_ipi(uint32_t dest, uint32_t icr)
{
    apic_write(APIC_ICR2, dest << 24);
    apic_write(APIC_ICR, icr);
    if (apic_read(APIC_ICR) & (1u << 12))
        xtf_failure("Fail: ICR delivery status still pending after send\n");
}

static void ap_main(unsigned int id)
{
    unsigned int answered = 0;

    apic_enable();
    apic_write(APIC_DFR, 0xffffffff);  /* flat model */
    apic_write(APIC_LDR, 0x02u << 24); /* logical id bit 1 */
    apic_id1 = apic_read(APIC_ID) >> 24 | 0x100;
    sti();
    ready = 1;
    while (!done) {
        if (ping[1] > answered) {
            answered++;
            send_ipi(0, VEC_PING); /* to vCPU 0, physical */
        }
        hypercall_yield();
    }
    cli();
}

void test_main(void)
{
    uint32_t id0;
    unsigned int i, r;

    xtf_require_hypervisor();
    if (apic_enable())
        return xtf_skip("Skip: no local APIC\n");
    xtf_set_irq_handler(VEC_PING, on_ping);
    xtf_set_irq_handler(VEC_BCAST, on_bcast);
    id0 = apic_read(APIC_ID) >> 24;
    if (id0 != 0)
        xtf_failure("Fail: vCPU 0 has APIC ID %u\n", id0);
    if (!xtf_vcpu_start_ready(1, ap_main, stack1 + sizeof(stack1), &ready))
        return;
    if ((apic_id1 & 0xff) == id0)
        return xtf_failure("Fail: both vCPUs have APIC ID %u\n", id0);
    sti();
    for (r = 0; r < ROUNDS; r++) {
        send_ipi(apic_id1 & 0xff, VEC_PING);
        for (i = 0; i < TRIES && ping[0] <= r; i++)
            hypercall_yield();
        if (ping[0] <= r) {
            xtf_failure("Fail: round %u: vCPU 1 got %u, vCPU 0 got %u\n", r, ping[1], ping[0]);
            break;
        }
    }
    if (ping[0] != ROUNDS || ping[1] != ROUNDS)
        xtf_failure("Fail: pings: vCPU 0 %u, vCPU 1 %u (want %u each)\n", ping[0], ping[1], ROUNDS);

    send_ipi(0, VEC_BCAST | (3u << 18)); /* all excluding self */
    for (i = 0; i < TRIES && !bcast[1]; i++)
        hypercall_yield();
    for (i = 0; i < 1000; i++)
        hypercall_yield();
    if (bcast[1] != 1 || bcast[0] != 0)
        xtf_failure("Fail: all-but-self: vCPU 0 got %u, vCPU 1 got %u\n", bcast[0], bcast[1]);

    apic_write(APIC_DFR, 0xffffffff);
    apic_write(APIC_LDR, 0x01u << 24);
    send_ipi(0x02, VEC_BCAST | (1u << 11)); /* logical, vCPU 1's bit */
    for (i = 0; i < TRIES && bcast[1] < 2; i++)
        hypercall_yield();
    if (bcast[1] != 2 || bcast[0] != 0)
        xtf_failure("Fail: logical IPI: vCPU 0 got %u, vCPU 1 got %u\n", bcast[0], bcast[1]);

    done = 1;
    for (i = 0; i < TRIES && hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) != 0; i++)
        hypercall_yield();
    cli();
    if (xtf_status_is_success())
        xtf_success(NULL);
}

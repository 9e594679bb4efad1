/**
 * @file
 * The 8254 PIT, MC146818 RTC/CMOS and 8259 PIC of an HVM domain.  PIT:
 * channel 2 (gated through port 0x61) in mode 0 counts down between two
 * latched reads, its read-back status shows the programmed mode and access,
 * OUT2 (port 0x61 bit 5) rises at terminal count, and channel 0 in mode 2
 * raises IRQ 0 (IO-APIC pin 2) every period.  RTC: register A holds the
 * 32.768 kHz base, D says valid, B defaults to 24-hour BCD; the time
 * registers are valid BCD and the seconds advance; binary mode (B.DM)
 * shows binary; a written year reads back; CMOS RAM keeps a byte; reading
 * C clears it.  PIC: the ICW1-4 sequence, then the mask reads back and OCW3
 * selects IRR or ISR.  Needs type=hvm.  Channel 2 wraps every 55 ms: a
 * check that a host holding the vCPU off that long could turn (a count
 * that went round, OUT2 already up) is bracketed by the hypervisor's
 * system time and taken again when that much time passed.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor lapic memory
 * @domain type=hvm
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "PIT, RTC and PIC read back";

#define VEC_PIT 0x2d
#define IOAPIC  0xfec00000ul

static volatile unsigned int pit_irqs;
static struct shared_info *s;

/* Less than one wrap of a full channel 2 count (65536 / 1.193182 MHz). */
#define PIT_WRAP_SAFE_NS 40000000ull
#define PIT_TRIES        20

static void on_pit(struct cpu_regs *r)
{
    pit_irqs++;
    apic_write(0x0b0, 0);
}

static uint8_t cmos(uint8_t reg)
{
    outb(reg, 0x70);
    return inb(0x71);
}

static void cmos_set(uint8_t reg, uint8_t val)
{
    outb(reg, 0x70);
    outb(val, 0x71);
}

static bool bcd_ok(uint8_t v, unsigned int max)
{
    return (v & 0xf) <= 9 && (v >> 4) <= 9 && (unsigned int)((v >> 4) * 10 + (v & 0xf)) <= max;
}

static uint16_t pit2_latched(void)
{
    uint16_t v;

    outb(0x80, 0x43); /* latch channel 2 */
    v = inb(0x42);
    return v | (inb(0x42) << 8);
}

static void spin_ms(unsigned int ms)
{
    /* The RTC ticks in seconds; use the PIT-independent TSC loosely. */
    uint64_t end = rdtsc() + (uint64_t)ms * 1000000; /* >= ms at up to 1 GHz */

    while (rdtsc() < end)
        asm volatile("pause");
}

static void test_pit(void)
{
    uint16_t a, b;
    uint8_t st;
    uint32_t id = apic_read(0x20) >> 24;

    uint64_t t0, t1;
    unsigned int tries;
    bool out2;

    outb((inb(0x61) & ~2) | 1, 0x61); /* gate 2 on, speaker off */
    for (tries = 0; tries < PIT_TRIES; tries++) {
        outb(0xb0, 0x43); /* channel 2, lo/hi, mode 0 */
        outb(0xff, 0x42);
        outb(0xff, 0x42);
        t0 = xen_system_time(s);
        a = pit2_latched();
        spin_ms(5);
        b = pit2_latched();
        t1 = xen_system_time(s);
        if (t1 - t0 < PIT_WRAP_SAFE_NS)
            break; /* else the count may have gone round: again */
    }
    if (tries == PIT_TRIES)
        return xtf_failure("Fail: every one of %u channel 2 reads took over 40 ms\n", PIT_TRIES);
    if (!(b < a))
        xtf_failure("Fail: PIT channel 2 did not count down: %#x then %#x\n", a, b);
    outb(0xe8, 0x43); /* read-back: status of channel 2 only */
    st = inb(0x42);
    if ((st & 0x3f) != 0x30)
        xtf_failure("Fail: PIT channel 2 status %#x, want access 3 mode 0 (0x30)\n", st);
    for (tries = 0; tries < PIT_TRIES; tries++) {
        t0 = xen_system_time(s);
        outb(0xb0, 0x43); /* a fresh 55 ms count: OUT2 low until it ends */
        outb(0xff, 0x42);
        outb(0xff, 0x42);
        out2 = inb(0x61) & 0x20;
        t1 = xen_system_time(s);
        if (t1 - t0 < PIT_WRAP_SAFE_NS)
            break;
    }
    if (out2)
        xtf_failure("Fail: OUT2 high right after loading a 55 ms count\n");
    outb(0xb0, 0x43);
    outb(100, 0x42); /* ~84 us */
    outb(0, 0x42);
    spin_ms(2);
    if (!(inb(0x61) & 0x20))
        xtf_failure("Fail: OUT2 still low after terminal count (port 0x61 %#x)\n", inb(0x61));

    /* Channel 0, mode 2, 1 ms: IRQ 0 on IO-APIC pin 2. */
    *(volatile uint32_t *)IOAPIC = 0x15;
    *(volatile uint32_t *)(IOAPIC + 0x10) = id << 24;
    *(volatile uint32_t *)IOAPIC = 0x14;
    *(volatile uint32_t *)(IOAPIC + 0x10) = VEC_PIT;
    outb(0x34, 0x43);
    outb(1193 & 0xff, 0x40);
    outb(1193 >> 8, 0x40);
    sti();
    for (unsigned int i = 0; i < 2000 && pit_irqs < 5; i++) {
        spin_ms(1);
        hypercall_yield(); /* let other domains run; interrupts come on return */
    }
    cli();
    outb(0x30, 0x43); /* mode 0 with no count: stops the IRQs */
    if (pit_irqs < 5)
        xtf_failure("Fail: PIT channel 0 mode 2: %u IRQ 0 interrupts\n", pit_irqs);
}

static void test_rtc(void)
{
    uint8_t sec, s2, b = cmos(0x0b);
    unsigned int i;

    if (cmos(0x0d) == 0xff)
        return xtf_failure("Fail: no RTC (register D reads 0xff)\n");

    if ((cmos(0x0a) & 0x7f) != 0x26)
        xtf_failure("Fail: RTC register A %#x, want 0x26\n", cmos(0x0a));
    if (!(cmos(0x0d) & 0x80))
        xtf_failure("Fail: RTC register D %#x: VRT clear\n", cmos(0x0d));
    if ((b & 0x06) != 0x02)
        xtf_failure("Fail: RTC register B %#x, want 24-hour BCD\n", b);
    for (i = 0; i < 100000 && (cmos(0x0a) & 0x80); i++)
        ;
    sec = cmos(0);
    if (!bcd_ok(sec, 59) || !bcd_ok(cmos(2), 59) || !bcd_ok(cmos(4), 23) || !bcd_ok(cmos(7), 31) ||
        !cmos(7) || !bcd_ok(cmos(8), 12) || !cmos(8) || !bcd_ok(cmos(9), 99) ||
        !bcd_ok(cmos(0x32), 99) || cmos(0x32) < 0x19)
        xtf_failure("Fail: RTC time %02x:%02x:%02x %02x/%02x/%02x%02x not valid BCD\n", cmos(4),
                    cmos(2), sec, cmos(7), cmos(8), cmos(0x32), cmos(9));
    for (i = 0; i < 3000 && (s2 = cmos(0)) == sec; i++)
        spin_ms(1);
    if (s2 == sec)
        xtf_failure("Fail: RTC seconds stuck at %02x\n", sec);

    cmos_set(0x0b, b | 0x04); /* binary */
    if (cmos(0) >= 60 || cmos(4) >= 24)
        xtf_failure("Fail: binary mode: %u:%u\n", cmos(4), cmos(0));
    cmos_set(0x0b, b);
    cmos_set(9, 0x42);
    if (cmos(9) != 0x42)
        xtf_failure("Fail: written year 0x42 reads %#x\n", cmos(9));
    cmos_set(0x40, 0x5a);
    if (cmos(0x40) != 0x5a)
        xtf_failure("Fail: CMOS RAM 0x40 reads %#x\n", cmos(0x40));
    (void)cmos(0x0c);
    if (cmos(0x0c))
        xtf_failure("Fail: RTC register C not cleared by a read\n");
}

static void test_pic(void)
{
    outb(0x11, 0x20); /* ICW1: edge, cascade, ICW4 */
    outb(0x20, 0x21); /* ICW2: vectors 0x20 */
    outb(0x04, 0x21); /* ICW3: slave on IRQ 2 */
    outb(0x01, 0x21); /* ICW4: 8086 mode */
    outb(0xfb, 0x21);
    if (inb(0x21) != 0xfb)
        xtf_failure("Fail: PIC mask reads %#x, want 0xfb\n", inb(0x21));
    outb(0xa5, 0xa1);
    if (inb(0xa1) != 0xa5)
        xtf_failure("Fail: slave PIC mask reads %#x, want 0xa5\n", inb(0xa1));
    outb(0x0b, 0x20); /* OCW3: read ISR */
    if (inb(0x20))
        xtf_failure("Fail: PIC ISR %#x with nothing in service\n", inb(0x20));
    outb(0x0a, 0x20); /* OCW3: read IRR */
    (void)inb(0x20);
    outb(0xff, 0x21);
    outb(0xff, 0xa1);
}

void test_main(void)
{
    s = xtf_shared_info_start();
    if (apic_enable())
        return xtf_failure("Fail: no local APIC\n");
    xtf_set_irq_handler(VEC_PIT, on_pit);
    test_pic();
    test_rtc();
    test_pit();
    xtf_success(NULL);
}

/**
 * @file
 * Guest-physical addresses and I/O ports with nothing behind them behave as
 * on Xen with no device model: reads give all ones, writes are dropped, and
 * the domain goes on (Linux probes legacy devices at boot and must survive
 * it).  Proves, for 1-, 2-, 4- and (64-bit) 8-byte reads of an address far
 * above RAM, that every bit reads as one; that a write there is dropped (the
 * next read still gives all ones); that an unused I/O port reads as all
 * ones in each width and ignores writes; and that a burst of such accesses
 * (more than the hypervisor reports) leaves the domain running to SUCCESS.
 * Needs: nothing at 3 GiB + 4 KiB (no RAM, no emulated device) and at
 * I/O port 0x6e0.
 *
 * @category functional
 * @needs hypervisor
 * @envs hvm64 hvm32pae hvm32
 */
#include <xtf.h>

const char test_title[] = "Accesses to nothing: all ones, writes dropped";

#define UNBACKED 0xc0001000ul
#define NO_PORT  0x6e0

static inline uint16_t inw_port(uint16_t port)
{
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl_port(uint16_t port)
{
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void test_mmio(void)
{
    volatile uint8_t *b = (volatile uint8_t *)UNBACKED;
    volatile uint16_t *w = (volatile uint16_t *)(UNBACKED + 0x10);
    volatile uint32_t *l = (volatile uint32_t *)(UNBACKED + 0x20);

    if (*b != 0xff)
        xtf_failure("Fail: byte read of unbacked memory gave %#x\n", *b);
    if (*w != 0xffff)
        xtf_failure("Fail: word read of unbacked memory gave %#x\n", *w);
    if (*l != 0xffffffffu)
        xtf_failure("Fail: dword read of unbacked memory gave %#x\n", *l);
#ifdef CONFIG_64BIT
    {
        volatile uint64_t *q = (volatile uint64_t *)(UNBACKED + 0x40);

        if (*q != ~0ull)
            xtf_failure("Fail: qword read of unbacked memory gave %#lx\n", (unsigned long)*q);
        *q = 0;
        if (*q != ~0ull)
            xtf_failure("Fail: qword write to unbacked memory was kept\n");
    }
#endif
    *l = 0x12345678;
    if (*l != 0xffffffffu)
        xtf_failure("Fail: write to unbacked memory was kept (read back %#x)\n", *l);
    *b = 0;
    if (*b != 0xff)
        xtf_failure("Fail: byte write to unbacked memory was kept\n");
}

static void test_ports(void)
{
    if (inb(NO_PORT) != 0xff)
        xtf_failure("Fail: inb of an unused port gave %#x\n", inb(NO_PORT));
    if (inw_port(NO_PORT) != 0xffff)
        xtf_failure("Fail: inw of an unused port gave %#x\n", inw_port(NO_PORT));
    if (inl_port(NO_PORT) != 0xffffffffu)
        xtf_failure("Fail: inl of an unused port gave %#x\n", inl_port(NO_PORT));
    outb(0, NO_PORT);
    outl(0, NO_PORT);
    if (inb(NO_PORT) != 0xff)
        xtf_failure("Fail: a write to an unused port was kept\n");
}

/* Many accesses in a row, as a legacy probe loop does: the domain lives. */
static void test_burst(void)
{
    volatile uint32_t *l = (volatile uint32_t *)UNBACKED;
    unsigned int bad = 0;

    for (unsigned int i = 0; i < 200; i++) {
        bad += *l != 0xffffffffu;
        bad += inb(NO_PORT) != 0xff;
    }
    if (bad)
        xtf_failure("Fail: %u of 400 burst accesses did not give all ones\n", bad);
}

void test_main(void)
{
    xtf_require_hypervisor();
    test_mmio();
    test_ports();
    test_burst();
    xtf_success(NULL);
}

/**
 * @file
 * Benchmark (figures only, never a verdict on time): the round trip of a
 * null hypercall (xen_version(version) through the hypercall page) beside a
 * raw VMMCALL with an unused hypercall number, in TSC ticks, median of 21
 * rounds of 200 calls each.  Proves only that both paths return.
 *
 * @category utility
 * @envs hvm64
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "Hypercall round trip";

#define ROUNDS 21
#define CALLS  200

static uint64_t tsc(void)
{
    uint32_t lo, hi;

    asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void test_main(void)
{
    uint64_t hc[ROUNDS], raw[ROUNDS];

    xtf_require_hypervisor();
    for (unsigned int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = tsc();

        for (unsigned int i = 0; i < CALLS; i++)
            if (hypercall_xen_version(XENVER_version, NULL) < 0)
                return xtf_error("Error: xen_version failed\n");
        hc[r] = (tsc() - t0) / CALLS;
        t0 = tsc();
        for (unsigned int i = 0; i < CALLS; i++) {
            long rc = 63;

            asm volatile("vmmcall" : "+a"(rc)::"memory", "rcx", "r11");
        }
        raw[r] = (tsc() - t0) / CALLS;
    }
    sort_u64(hc, ROUNDS);
    sort_u64(raw, ROUNDS);
    printk("bench: null hypercall %llu ticks, raw vmmcall %llu ticks, ratio %llu.%02llu\n",
           (unsigned long long)hc[ROUNDS / 2], (unsigned long long)raw[ROUNDS / 2],
           (unsigned long long)(hc[ROUNDS / 2] / raw[ROUNDS / 2]),
           (unsigned long long)(hc[ROUNDS / 2] * 100 / raw[ROUNDS / 2] % 100));
    xtf_success(NULL);
}

/* The guests' clocks, as the x86 host gives them: the wallclock read once
 * from the CMOS RTC, and the scale and reference point every vCPU's
 * vcpu_time_info is stamped with. Common code reaches them through the
 * hooks of xen/time.h and xen/event.h. */
#include <xen/event.h>
#include <xen/lib.h>
#include <xen/sched.h>
#include <xen/time.h>
#include <asm/hvm/hvm.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <public/xen.h>

static int64_t wc_boot_sec = -1; /* wallclock seconds at system time 0 */

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool is_bcd)
{
    return is_bcd ? (v >> 4) * 10 + (v & 15) : v;
}

static void wallclock_init(void)
{
    uint8_t sec, min, hour, day, mon, year, b;
    bool is_bcd;
    int64_t epoch;

    for (unsigned int i = 0; i < 100000 && (cmos_read(0x0a) & 0x80); i++)
        cpu_relax(); /* update in progress */
    sec = cmos_read(0x00), min = cmos_read(0x02), hour = cmos_read(0x04);
    day = cmos_read(0x07), mon = cmos_read(0x08), year = cmos_read(0x09);
    b = cmos_read(0x0b);
    is_bcd = !(b & 0x04);
    unsigned int h = bcd(hour & 0x7f, is_bcd);
    if (!(b & 0x02) && (hour & 0x80))
        h = (h % 12) + 12; /* 12-hour clock, PM */
    unsigned int mo = bcd(mon, is_bcd), dd = bcd(day, is_bcd);
    if (mo < 1 || mo > 12 || dd < 1 || dd > 31) {
        wc_boot_sec = 0;
        return;
    }
    epoch = days_from_civil(2000 + (int)bcd(year, is_bcd), mo, dd) * 86400 + h * 3600 +
            bcd(min, is_bcd) * 60 + bcd(sec, is_bcd);
    wc_boot_sec = epoch - NOW() / 1000000000LL;
}

int64_t wallclock_boot_seconds(void)
{
    return wc_boot_sec;
}

static uint32_t tsc_mul;
static int8_t tsc_shift;
/* Every vcpu_time_info is stamped with this one (host TSC, system time)
 * pair: each vCPU's guest then computes system time as the same function
 * of the TSC, so it is monotonic across vCPUs, and no restamp makes it
 * step back (the guest's scale is not exactly NOW()'s). */
static uint64_t ref_tsc;
static s_time_t ref_ns;

/* The guests' scale is NOW()'s own (so their time does not drift from the
 * hypervisor's timers); with no calibration yet, one from tsc_khz(). */
static void time_scale_init(void)
{
    uint64_t khz = tsc_khz() ? tsc_khz() : 1000000;
    uint64_t mul = time_ns_mult();
    int shift = 0;

    if (!mul) {
        mul = (1000000ULL << 32) / khz;
        while (mul < (1ULL << 31) && shift > -31) {
            shift--;
            mul <<= 1;
        }
    }
    /* (delta << shift) * mul >> 32 with a 32-bit mul */
    while (mul >> 32) {
        shift++;
        mul >>= 1;
    }
    tsc_mul = (uint32_t)mul;
    tsc_shift = (int8_t)shift;
    /* TSC first: guest time is then at or ahead of NOW(), so a guest never
     * sees its timer fire before the deadline it set. */
    ref_tsc = rdtsc();
    ref_ns = NOW();
}

void arch_guest_time_init(void)
{
    if (wc_boot_sec >= 0)
        return;
    wallclock_init();
    time_scale_init();
}

void shared_info_update_time(struct vcpu *v)
{
    volatile struct vcpu_time_info *t;
    uint8_t *vi = vcpu_info_ptr(v);

    if (!vi || !v->arch_hvm)
        return;
    /* The same offset in both layouts. */
    t = (volatile struct vcpu_time_info *)(vi + offsetof(struct vcpu_info, time));
    t->version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->tsc_timestamp = ref_tsc + hvm_funcs->tsc_offset(v);
    t->system_time = (uint64_t)ref_ns;
    t->tsc_to_system_mul = tsc_mul;
    t->tsc_shift = tsc_shift;
    t->flags = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->version++;
}

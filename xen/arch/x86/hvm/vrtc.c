/* The virtual MC146818 RTC and CMOS RAM of HVM domains (ports 0x70/0x71):
 * index register (bit 7 is the NMI mask), time and date registers 0-9
 * read from the host's wall clock plus a per-domain offset (a guest that
 * sets the clock moves only its own), registers A-D as the datasheet gives
 * them (A: 32.768 kHz base, 1024 Hz rate, UIP in the 244 us before each
 * second; B: 24-hour BCD by default, DM and 24/12 honoured both ways; C:
 * flags, cleared by reading; D: valid RAM and time), century at 0x32, and
 * the rest of the 128 bytes as plain RAM. Alarm, periodic and update
 * interrupts are not raised. */
#include <xen/lib.h>
#include <asm/hvm/platform.h>

#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define B_SET (1u << 7)
#define B_DM  (1u << 2)
#define B_24H (1u << 1)

struct rtc_tm {
    int year; /* full */
    unsigned int mon, mday, hour, min, sec, wday;
};

static void civil_from_days(int64_t z, struct rtc_tm *tm)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned int doe = (unsigned int)(z - era * 146097);
    unsigned int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned int mp = (5 * doy + 2) / 153;

    tm->mday = doy - (153 * mp + 2) / 5 + 1;
    tm->mon = mp < 10 ? mp + 3 : mp - 9;
    tm->year = (int)(yoe + era * 400) + (tm->mon <= 2);
}

static int64_t guest_seconds(const struct vrtc *r)
{
    return wallclock_boot_seconds() + NOW() / 1000000000LL + r->offset;
}

static void to_tm(int64_t secs, struct rtc_tm *tm)
{
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;

    civil_from_days(days, tm);
    tm->hour = rem / 3600;
    tm->min = rem / 60 % 60;
    tm->sec = rem % 60;
    tm->wday = (unsigned int)((days % 7 + 7 + 4) % 7); /* 1970-01-01: Thursday */
}

static uint8_t enc(const struct vrtc *r, unsigned int v)
{
    return (r->cmos[REG_B] & B_DM) ? v : ((v / 10) << 4) | (v % 10);
}

static unsigned int dec(const struct vrtc *r, uint8_t v)
{
    return (r->cmos[REG_B] & B_DM) ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t time_reg(const struct vrtc *r, unsigned int reg)
{
    struct rtc_tm tm;

    to_tm(guest_seconds(r), &tm);
    switch (reg) {
    case 0:
        return enc(r, tm.sec);
    case 2:
        return enc(r, tm.min);
    case 4:
        if (r->cmos[REG_B] & B_24H)
            return enc(r, tm.hour);
        return enc(r, tm.hour % 12 ? tm.hour % 12 : 12) | (tm.hour >= 12 ? 0x80 : 0);
    case 6:
        return enc(r, tm.wday + 1);
    case 7:
        return enc(r, tm.mday);
    case 8:
        return enc(r, tm.mon);
    case 9:
        return enc(r, tm.year % 100);
    case 0x32:
        return enc(r, tm.year / 100);
    }
    return r->cmos[reg]; /* alarms: plain RAM */
}

/* The guest set one time field: move its clock by the difference. */
static void set_time_reg(struct vrtc *r, unsigned int reg, uint8_t val)
{
    struct rtc_tm tm;
    int64_t now = guest_seconds(r), want;
    unsigned int v;

    to_tm(now, &tm);
    if (reg == 4 && !(r->cmos[REG_B] & B_24H)) {
        v = dec(r, val & 0x7f) % 12 + ((val & 0x80) ? 12 : 0);
    } else
        v = dec(r, val);
    switch (reg) {
    case 0:
        tm.sec = v % 60;
        break;
    case 2:
        tm.min = v % 60;
        break;
    case 4:
        tm.hour = v % 24;
        break;
    case 7:
        tm.mday = v ? v : 1;
        break;
    case 8:
        tm.mon = v >= 1 && v <= 12 ? v : tm.mon;
        break;
    case 9:
        tm.year = tm.year / 100 * 100 + (int)(v % 100);
        break;
    case 0x32:
        tm.year = (int)v * 100 + tm.year % 100;
        break;
    default: /* day of week: derived, not stored */
        return;
    }
    want =
        days_from_civil(tm.year, tm.mon, tm.mday) * 86400 + tm.hour * 3600 + tm.min * 60 + tm.sec;
    r->offset += want - now;
}

void vrtc_init(struct hvm_platform *p)
{
    struct vrtc *r = &p->rtc;

    r->cmos[REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz rate */
    r->cmos[REG_B] = B_24H;
    r->cmos[REG_D] = 0x80; /* valid RAM and time */
}

static bool is_time_reg(unsigned int reg)
{
    return reg <= 9 ? !(reg & 1) || reg >= 6 : reg == 0x32;
}

int vrtc_io(struct hvm_platform *p, uint16_t port, bool in, uint32_t *val)
{
    struct vrtc *r = &p->rtc;
    unsigned int reg = r->index & 0x7f;

    if (port == 0x70) {
        if (in)
            *val = 0xff; /* the index register is write-only */
        else
            r->index = (uint8_t)*val;
        return 0;
    }
    if (in) {
        if (is_time_reg(reg))
            *val = time_reg(r, reg);
        else if (reg == REG_A)
            *val = (r->cmos[REG_A] & 0x7f) |
                   (NOW() % 1000000000LL >= 1000000000LL - 244000 ? 0x80 : 0);
        else if (reg == REG_C) {
            *val = r->cmos[REG_C];
            r->cmos[REG_C] = 0;
        } else
            *val = r->cmos[reg];
        return 0;
    }
    if (is_time_reg(reg))
        set_time_reg(r, reg, (uint8_t)*val);
    else if (reg == REG_A)
        r->cmos[REG_A] = (uint8_t)*val & 0x7f; /* UIP is read-only */
    else if (reg == REG_B)
        r->cmos[REG_B] = (uint8_t)*val;
    else if (reg != REG_C && reg != REG_D)
        r->cmos[reg] = (uint8_t)*val;
    return 0;
}

/* Calendar arithmetic: days since 1970-01-01 of a proleptic Gregorian date,
 * for the boot wallclock (CMOS) and the guests' RTC alike. */
#include <xen/lib.h>

int64_t days_from_civil(int y, unsigned int m, unsigned int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned int yoe = (unsigned int)(y - era * 400);
    unsigned int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return (int64_t)era * 146097 + doe - 719468;
}

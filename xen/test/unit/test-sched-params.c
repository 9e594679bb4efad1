/* The per-domain scheduler settings parser (sched=...): an out-of-range
 * value is refused by its own check, with a message naming the setting and
 * the position of the value, not by a later catch-all. */
#include <string.h>
#include <xen/sched-if.h>
#include "harness.h"

static const struct scheduler credit2 = {.sched_id = XEN_SCHEDULER_CREDIT2};

static int parse(const char *s, struct sched_params *p, struct sched_parse_error *err)
{
    memset(p, 0, sizeof(*p));
    sched_params_default(&credit2, p);
    memset(err, 0, sizeof(*err));
    return sched_parse_params(&credit2, s, p, err);
}

TEST(sched_params_credit2_weight_limits)
{
    struct sched_params p;
    struct sched_parse_error err;

    CHECK(parse("weight=1", &p, &err) == 0 && p.u.credit2.weight == 1);
    CHECK(parse("weight=65535", &p, &err) == 0 && p.u.credit2.weight == 65535);
    CHECK(parse("weight=0", &p, &err) != 0);
    CHECK(err.msg && strstr(err.msg, "weight") && err.pos == 7);
    CHECK(parse("cap=50;weight=65536", &p, &err) != 0);
    CHECK(err.msg && strstr(err.msg, "weight") && err.pos == 14);
}

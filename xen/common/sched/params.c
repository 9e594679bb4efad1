/* Parsers of schedulers' boot settings: key=value words (see sched-if.h for
 * the keys of each scheduler). Every value is range checked; an error names
 * the problem and its offset in the string, and leaves the output as it was. */
#include "private.h"

struct span {
    const char *s;
    size_t len;
    size_t pos; /* offset from the start of the whole string */
};

static bool is_sep(char c, bool comma)
{
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || (comma && c == ',');
}

/* Next word of str starting at *at; false at the end. */
static bool next_word(const char *str, size_t *at, bool comma, struct span *w)
{
    size_t i = *at;
    while (str[i] != '\0' && is_sep(str[i], comma))
        i++;
    if (str[i] == '\0')
        return false;
    w->s = str + i;
    w->pos = i;
    while (str[i] != '\0' && !is_sep(str[i], comma))
        i++;
    w->len = (size_t)(str + i - w->s);
    *at = i;
    return true;
}

static bool span_is(const struct span *w, const char *lit)
{
    size_t n = strlen(lit);
    return w->len == n && memcmp(w->s, lit, n) == 0;
}

static int fail(struct sched_parse_error *err, const char *msg, size_t pos)
{
    if (err) {
        err->msg = msg;
        err->pos = pos;
    }
    return -EINVAL;
}

/* Decimal digits only, no overflow past max. */
static bool parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > max / 10 || v * 10 > max - (uint64_t)(s[i] - '0') || (uint64_t)(s[i] - '0') > max)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* NUMBER[ns|us|ms|s]; bare numbers use bare_unit ns (0: a unit is required). */
static bool parse_duration(const char *s, size_t len, s_time_t bare_unit, s_time_t *out)
{
    size_t n = 0;
    s_time_t unit;
    uint64_t v;

    while (n < len && s[n] >= '0' && s[n] <= '9')
        n++;
    if (n == len)
        unit = bare_unit;
    else if (len - n == 2 && memcmp(s + n, "ns", 2) == 0)
        unit = 1;
    else if (len - n == 2 && memcmp(s + n, "us", 2) == 0)
        unit = MICROSECS(1);
    else if (len - n == 2 && memcmp(s + n, "ms", 2) == 0)
        unit = MILLISECS(1);
    else if (len - n == 1 && s[n] == 's')
        unit = SECONDS(1);
    else
        return false;
    if (unit == 0 || !parse_uint(s, n, (uint64_t)SECONDS(1000) / (uint64_t)unit, &v))
        return false;
    *out = (s_time_t)v * unit;
    return true;
}

/* Split key=value; false when there is no '=' or an empty side. */
static bool split_kv(const struct span *w, struct span *k, struct span *v)
{
    for (size_t i = 0; i < w->len; i++) {
        if (w->s[i] == '=') {
            k->s = w->s;
            k->len = i;
            k->pos = w->pos;
            v->s = w->s + i + 1;
            v->len = w->len - i - 1;
            v->pos = w->pos + i + 1;
            return i > 0 && v->len > 0;
        }
    }
    return false;
}

static int parse_one_param(const struct scheduler *ops, const struct span *k, const struct span *v,
                           struct sched_params *p, struct sched_parse_error *err)
{
    uint64_t n;
    s_time_t t;

    switch (ops->sched_id) {
    case XEN_SCHEDULER_CREDIT2:
        if (span_is(k, "weight")) {
            if (!parse_uint(v->s, v->len, 65535, &n) || n < 1)
                return fail(err, "weight must be 1..65535", v->pos);
            p->u.credit2.weight = (uint32_t)n;
            return 0;
        }
        if (span_is(k, "cap")) {
            if (!parse_uint(v->s, v->len, 100u * SCHED_MAX_CPUS, &n))
                return fail(err, "cap must be a percentage 0..25600 (0: no cap)", v->pos);
            p->u.credit2.cap = (uint32_t)n;
            return 0;
        }
        return fail(err, "unknown credit2 key (weight, cap)", k->pos);
    case XEN_SCHEDULER_RTDS:
        if (span_is(k, "period") || span_is(k, "budget")) {
            if (!parse_duration(v->s, v->len, MICROSECS(1), &t) || t % 1000 != 0 ||
                t < MICROSECS(10) || t > SECONDS(10))
                return fail(err, "period and budget must be 10us..10s, whole microseconds", v->pos);
            if (span_is(k, "period"))
                p->u.rtds.period_us = (uint32_t)(t / 1000);
            else
                p->u.rtds.budget_us = (uint32_t)(t / 1000);
            return 0;
        }
        if (span_is(k, "extratime")) {
            if (!parse_uint(v->s, v->len, 1, &n))
                return fail(err, "extratime must be 0 or 1", v->pos);
            p->u.rtds.extratime = n != 0;
            return 0;
        }
        return fail(err, "unknown rtds key (period, budget, extratime)", k->pos);
    default:
        return fail(err, "this scheduler takes no per-domain parameters", k->pos);
    }
}

int sched_parse_params(const struct scheduler *ops, const char *str, struct sched_params *p,
                       struct sched_parse_error *err)
{
    struct sched_params tmp = *p;
    struct span w, k, v;
    size_t at = 0;
    int rc;

    if (p->sched_id != ops->sched_id)
        return fail(err, "parameters belong to another scheduler", 0);
    while (next_word(str, &at, true, &w)) {
        if (!split_kv(&w, &k, &v))
            return fail(err, "expected key=value", w.pos);
        rc = parse_one_param(ops, &k, &v, &tmp, err);
        if (rc)
            return rc;
    }
    if (sched_params_check(ops, &tmp))
        return fail(err, "budget must not exceed period", 0);
    *p = tmp;
    return 0;
}

/* dDOM[.VCPU]:DUR,dDOM[.VCPU]:DUR,... */
static int parse_slots(const struct span *v, struct sched_global_params *gp,
                       struct sched_parse_error *err)
{
    size_t i = 0, nr = 0;

    while (i < v->len) {
        size_t start = i, colon = 0, dot = 0, end;
        uint64_t dom, vcpu = 0;
        s_time_t rt;

        while (i < v->len && v->s[i] != ',')
            i++;
        end = i;
        for (size_t j = start; j < end; j++) {
            if (v->s[j] == ':' && colon == 0)
                colon = j;
            else if (v->s[j] == '.' && colon == 0 && dot == 0)
                dot = j;
        }
        if (end == start || v->s[start] != 'd' || colon == 0)
            return fail(err, "slot must be dDOM[.VCPU]:DURATION", v->pos + start);
        if (nr == ARINC653_MAX_SLOTS)
            return fail(err, "too many slots (at most 64)", v->pos + start);
        if (!parse_uint(v->s + start + 1, (dot ? dot : colon) - start - 1, 0x7fef, &dom))
            return fail(err, "bad domain id in slot", v->pos + start);
        if (dot && !parse_uint(v->s + dot + 1, colon - dot - 1, SCHED_MAX_CPUS - 1, &vcpu))
            return fail(err, "bad vCPU id in slot", v->pos + dot + 1);
        if (!parse_duration(v->s + colon + 1, end - colon - 1, 0, &rt) || rt < MICROSECS(1))
            return fail(err, "slot duration must be a number with ns, us, ms or s, >= 1us",
                        v->pos + colon + 1);
        gp->u.arinc653.slots[nr].domid = (uint32_t)dom;
        gp->u.arinc653.slots[nr].unit_id = (uint32_t)vcpu;
        gp->u.arinc653.slots[nr].runtime = rt;
        nr++;
        if (i < v->len)
            i++; /* the comma */
        if (i == v->len && v->s[i - 1] == ',')
            return fail(err, "empty slot after comma", v->pos + i);
    }
    gp->u.arinc653.nr_slots = (unsigned int)nr;
    return 0;
}

int sched_parse_global(const struct scheduler *ops, const char *str, struct sched_global_params *gp,
                       struct sched_parse_error *err)
{
    struct sched_global_params tmp = *gp;
    struct span w, k, v;
    size_t at = 0;
    bool major_given = false;
    uint64_t n;
    int rc;

    if (gp->sched_id != ops->sched_id)
        return fail(err, "parameters belong to another scheduler", 0);
    while (next_word(str, &at, false, &w)) {
        if (!split_kv(&w, &k, &v))
            return fail(err, "expected key=value", w.pos);
        if (ops->sched_id == XEN_SCHEDULER_CREDIT2 && span_is(&k, "ratelimit")) {
            if (!parse_uint(v.s, v.len, 500000, &n) || (n != 0 && n < 100))
                return fail(err, "ratelimit must be 0 or 100..500000 (us)", v.pos);
            tmp.u.credit2.ratelimit_us = (uint32_t)n;
        } else if (ops->sched_id == XEN_SCHEDULER_CREDIT2 && span_is(&k, "runqueue")) {
            if (span_is(&v, "all"))
                tmp.u.credit2.runqueue = SCHED_C2_RQ_ALL;
            else if (span_is(&v, "cpu"))
                tmp.u.credit2.runqueue = SCHED_C2_RQ_CPU;
            else
                return fail(err, "runqueue must be all or cpu", v.pos);
        } else if (ops->sched_id == XEN_SCHEDULER_ARINC653 && span_is(&k, "major")) {
            if (!parse_duration(v.s, v.len, 0, &tmp.u.arinc653.major_frame) ||
                tmp.u.arinc653.major_frame <= 0 || tmp.u.arinc653.major_frame > SECONDS(10))
                return fail(err, "major must be a duration with ns, us, ms or s, up to 10s", v.pos);
            major_given = true;
        } else if (ops->sched_id == XEN_SCHEDULER_ARINC653 && span_is(&k, "slots")) {
            rc = parse_slots(&v, &tmp, err);
            if (rc)
                return rc;
        } else {
            return fail(err, "unknown key for this scheduler", k.pos);
        }
    }
    if (ops->sched_id == XEN_SCHEDULER_ARINC653 && !major_given) {
        /* Without major=, the frame is exactly the sum of the slots. */
        s_time_t sum = 0;
        for (unsigned int i = 0; i < tmp.u.arinc653.nr_slots; i++)
            sum += tmp.u.arinc653.slots[i].runtime;
        tmp.u.arinc653.major_frame = sum;
    }
    if (sched_global_check(ops, &tmp))
        return fail(err, "slots must fit in the major frame (1..64 slots, frame <= 10s)", 0);
    *gp = tmp;
    return 0;
}

/* The typed command-line parser (see xen/param.h). Pure logic: it only
 * reads the string and writes option variables, so host tests use it too. */
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/string.h>

static bool keyeq(const char *name, const char *key, size_t keylen)
{
    return strlen(name) == keylen && !strncmp(name, key, keylen);
}

static const char *parse_bool(const char *v, size_t n, bool *out)
{
    static const char *const yes[] = {"1", "yes", "on", "true", "enable"};
    static const char *const no[] = {"0", "no", "off", "false", "disable"};

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (keyeq(yes[i], v, n)) {
            *out = true;
            return NULL;
        }
        if (keyeq(no[i], v, n)) {
            *out = false;
            return NULL;
        }
    }
    return "not a boolean (use 1/0, yes/no, on/off, true/false)";
}

const char *param_apply(const struct param *start, const struct param *end, const char *key,
                        size_t keylen, const char *value, size_t valuelen)
{
    const struct param *p;
    bool negated = false;
    char buf[256];

    for (p = start; p < end; p++)
        if (keyeq(p->name, key, keylen))
            break;
    if (p == end && keylen > 3 && !strncmp(key, "no-", 3)) {
        for (p = start; p < end; p++)
            if (p->type == PARAM_BOOL && keyeq(p->name, key + 3, keylen - 3))
                break;
        negated = p != end;
        if (negated && value)
            return "a no- option takes no value";
    }
    if (p == end)
        return "unknown option";

    if (value) {
        if (valuelen >= sizeof(buf))
            return "value too long";
        memcpy(buf, value, valuelen);
        buf[valuelen] = '\0';
    }

    switch (p->type) {
    case PARAM_BOOL:
        if (!value) {
            *(bool *)p->var = !negated;
            return NULL;
        }
        return parse_bool(buf, valuelen, p->var);
    case PARAM_INT:
    case PARAM_UINT: {
        const char *e;
        long long v;

        if (!value || !valuelen)
            return "needs a number";
        if (p->type == PARAM_UINT && buf[0] == '-')
            return "must not be negative";
        v = p->type == PARAM_INT ? simple_strtoll(buf, &e, 0)
                                 : (long long)simple_strtoull(buf, &e, 0);
        if (*e)
            return "not a number";
        if (p->min < p->max && (v < p->min || v > p->max))
            return "out of range";
        /* The variable's own range, so that nothing is cut to fit. */
        if (p->type == PARAM_INT ? v < -__INT_MAX__ - 1 || v > __INT_MAX__
                                 : (unsigned long long)v > 2U * __INT_MAX__ + 1U)
            return "out of range";
        if (p->type == PARAM_INT)
            *(int *)p->var = (int)v;
        else
            *(unsigned int *)p->var = (unsigned int)v;
        return NULL;
    }
    case PARAM_SIZE: {
        const char *e;
        uint64_t v;

        if (!value || !parse_size(buf, &e, &v) || *e)
            return "not a size (e.g. 4096, 64K, 16M, 2G)";
        *(uint64_t *)p->var = v;
        return NULL;
    }
    case PARAM_STRING:
        if (!value)
            return "needs a value";
        if (valuelen >= p->len)
            return "value too long";
        memcpy(p->var, buf, valuelen + 1);
        return NULL;
    case PARAM_ENUM:
        if (!value)
            return "needs a value";
        for (unsigned int i = 0; p->choices[i]; i++)
            if (!strcmp(p->choices[i], buf)) {
                *(unsigned int *)p->var = i;
                return NULL;
            }
        return "not one of the allowed values";
    case PARAM_CUSTOM:
        return p->custom(value ? buf : NULL);
    }
    return "bad option descriptor";
}

/* The option's name without a "no-" prefix, and its length. */
static const char *base_key(const char *key, size_t keylen, size_t *baselen)
{
    if (keylen > 3 && !strncmp(key, "no-", 3)) {
        *baselen = keylen - 3;
        return key + 3;
    }
    *baselen = keylen;
    return key;
}

/* The last option of [cmdline, before) with the same name as key (with or
 * without "no-"), copied into `out`; false if there is none. */
static bool earlier_option(const char *cmdline, const char *before, const char *key, size_t keylen,
                           char *out, size_t outlen)
{
    const char *s = cmdline, *found = NULL, *found_end = NULL;
    size_t blen, klen;
    const char *bkey = base_key(key, keylen, &blen);

    while (s < before) {
        const char *k, *tok;

        while (s < before && (*s == ' ' || *s == '\t'))
            s++;
        if (s >= before)
            break;
        tok = k = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '=')
            s++;
        k = base_key(k, s - k, &klen);
        if (*s == '=') {
            s++;
            if (*s == '"') {
                s++;
                while (*s && *s != '"')
                    s++;
                if (*s)
                    s++;
            } else {
                while (*s && *s != ' ' && *s != '\t')
                    s++;
            }
        }
        if (klen == blen && !strncmp(k, bkey, blen)) {
            found = tok;
            found_end = s;
        }
    }
    if (!found)
        return false;
    snprintf(out, outlen, "%.*s", (int)(found_end - found), found);
    return true;
}

int cmdline_parse(const char *cmdline, const struct param *start, const struct param *end,
                  const struct param_report *report)
{
    const char *s = cmdline;
    int problems = 0;

    while (s && *s) {
        const char *key, *value = NULL, *tok_end;
        size_t keylen, valuelen = 0;
        const char *err;
        char option[128];

        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        key = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '=')
            s++;
        keylen = s - key;
        if (*s == '=') {
            s++;
            if (*s == '"') {
                value = ++s;
                while (*s && *s != '"')
                    s++;
                valuelen = s - value;
                if (*s)
                    s++;
            } else {
                value = s;
                while (*s && *s != ' ' && *s != '\t')
                    s++;
                valuelen = s - value;
            }
        }
        tok_end = s;
        snprintf(option, sizeof(option), "%.*s", (int)(tok_end - key), key);
        err = param_apply(start, end, key, keylen, value, valuelen);
        if (err) {
            problems++;
            if (report && report->warn)
                report->warn(report->ctx, option, err);
        } else {
            char earlier[128];

            /* As Xen, the last one counts; but not without a word. */
            if (report && report->repeated &&
                earlier_option(cmdline, key, key, keylen, earlier, sizeof(earlier)))
                report->repeated(report->ctx, option, earlier);
            if (report && report->understood)
                report->understood(report->ctx, option);
        }
    }
    return problems;
}

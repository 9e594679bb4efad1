/* Typed `key=value` options for the hypervisor command line.
 *
 * A file declares an option with one of the *_param() macros; the linker
 * gathers the descriptors into a table that cmdline_parse() walks. The same
 * parser is used on the host in unit tests, with a table of its own. */
#ifndef XEN_PARAM_H
#define XEN_PARAM_H

#include <xen/types.h>

enum param_type {
    PARAM_BOOL,
    PARAM_INT, /* signed, decimal or 0x hex */
    PARAM_UINT,
    PARAM_SIZE,   /* bytes, with K/M/G suffixes */
    PARAM_STRING, /* copied into a buffer of `len` bytes */
    PARAM_ENUM,   /* one of `choices`, NULL-terminated; stores the index */
    PARAM_CUSTOM, /* parsed by `custom`, which returns 0 or a message */
};

struct param {
    const char *name;
    enum param_type type;
    void *var;
    size_t len;
    const char *const *choices;
    const char *(*custom)(const char *value);
    long long min, max; /* for INT/UINT when min < max */
};

#define __param     __used __section(".data.param") __aligned(8)
#define PARAM_ID(n) __param_##n
#define boolean_param(n, v)                                                                        \
    static const struct param PARAM_ID(v) __param = {.name = n, .type = PARAM_BOOL, .var = &(v)}
#define integer_param(n, v, lo, hi)                                                                \
    static const struct param PARAM_ID(v)                                                          \
        __param = {.name = n, .type = PARAM_INT, .var = &(v), .min = (lo), .max = (hi)}
#define unsigned_param(n, v, lo, hi)                                                               \
    static const struct param PARAM_ID(v)                                                          \
        __param = {.name = n, .type = PARAM_UINT, .var = &(v), .min = (lo), .max = (hi)}
#define size_param(n, v)                                                                           \
    static const struct param PARAM_ID(v) __param = {.name = n, .type = PARAM_SIZE, .var = &(v)}
#define string_param(n, v)                                                                         \
    static const struct param PARAM_ID(v)                                                          \
        __param = {.name = n, .type = PARAM_STRING, .var = (v), .len = sizeof(v)}
#define enum_param(n, v, c)                                                                        \
    static const struct param PARAM_ID(v)                                                          \
        __param = {.name = n, .type = PARAM_ENUM, .var = &(v), .choices = (c)}
#define custom_param(n, f)                                                                         \
    static const struct param PARAM_ID(f) __param = {.name = n, .type = PARAM_CUSTOM, .custom = (f)}

/* Reports of the parser: warnings for unknown options and bad values, and
 * each option understood, so the boot can print the command line it took. */
struct param_report {
    void (*warn)(void *ctx, const char *option, const char *problem);
    void (*understood)(void *ctx, const char *option);
    void *ctx;
    /* An option given again (`earlier` is its last previous occurrence):
     * the later value is taken. Optional. */
    void (*repeated)(void *ctx, const char *option, const char *earlier);
};

/* Parse `cmdline` (space separated, values may be "quoted") against the
 * table [start, end). Returns the number of problems found. Values that
 * fail to parse keep the variable's default. */
int cmdline_parse(const char *cmdline, const struct param *start, const struct param *end,
                  const struct param_report *report);

/* Apply one option ("key", "key=value", "no-key") against a table; returns
 * NULL on success or a message naming the problem. */
const char *param_apply(const struct param *start, const struct param *end, const char *key,
                        size_t keylen, const char *value, size_t valuelen);

#endif

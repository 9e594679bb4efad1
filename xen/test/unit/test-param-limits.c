/* param_apply() at the length limit of an option value: the parser copies
 * the value into a fixed buffer, so the longest value that fits must reach
 * the option and one byte more must be refused before the copy. */
#include <string.h>
#include <xen/param.h>
#include "harness.h"

#define VALUE_BUF 256 /* param_apply()'s buffer, terminator included */

static size_t seen_len;
static int calls;

static const char *record(const char *v)
{
    calls++;
    seen_len = v ? strlen(v) : 0;
    return NULL;
}

static const struct param table[] = {
    {.name = "opt", .type = PARAM_CUSTOM, .custom = record},
};

static const char *apply(size_t len)
{
    static char value[VALUE_BUF + 8];

    memset(value, 'v', sizeof(value));
    return param_apply(table, table + 1, "opt", 3, value, len);
}

TEST(param_value_length_limit)
{
    calls = 0;
    CHECK(apply(VALUE_BUF - 1) == NULL);
    CHECK(calls == 1 && seen_len == VALUE_BUF - 1);
    CHECK(apply(VALUE_BUF) && !strcmp(apply(VALUE_BUF), "value too long"));
    CHECK(apply(VALUE_BUF + 7) && !strcmp(apply(VALUE_BUF + 7), "value too long"));
    CHECK(calls == 1);
}

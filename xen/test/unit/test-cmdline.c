/* The typed command-line parser: each type parses, bad values and unknown
 * options are reported by name and keep the default. */
#include <string.h>
#include <xen/lib.h>
#include <xen/param.h>
#include "harness.h"

static bool opt_flag, opt_other = true;
static int opt_int = 5;
static unsigned int opt_uint = 7, opt_enum = 1;
static uint64_t opt_size = 4096;
static char opt_str[16] = "dflt";
static const char *const levels[] = {"error", "warning", "info", NULL};
static int custom_calls;
static const char *custom(const char *v)
{
    custom_calls++;
    return v && !strcmp(v, "bad") ? "custom says no" : NULL;
}

static const struct param table[] = {
    {.name = "flag", .type = PARAM_BOOL, .var = &opt_flag},
    {.name = "other", .type = PARAM_BOOL, .var = &opt_other},
    {.name = "int", .type = PARAM_INT, .var = &opt_int, .min = -10, .max = 10},
    {.name = "uint", .type = PARAM_UINT, .var = &opt_uint},
    {.name = "size", .type = PARAM_SIZE, .var = &opt_size},
    {.name = "str", .type = PARAM_STRING, .var = opt_str, .len = sizeof(opt_str)},
    {.name = "lvl", .type = PARAM_ENUM, .var = &opt_enum, .choices = levels},
    {.name = "cust", .type = PARAM_CUSTOM, .custom = custom},
};

static char warnings[1024], understood[1024], repeats[1024];
static void warn(void *ctx, const char *o, const char *p)
{
    strcat(warnings, o);
    strcat(warnings, ": ");
    strcat(warnings, p);
    strcat(warnings, ";");
}
static void ok(void *ctx, const char *o)
{
    strcat(understood, o);
    strcat(understood, " ");
}
static void repeated(void *ctx, const char *o, const char *earlier)
{
    strcat(repeats, o);
    strcat(repeats, " after ");
    strcat(repeats, earlier);
    strcat(repeats, ";");
}
static const struct param_report report = {warn, ok, NULL, repeated};

static int parse(const char *s)
{
    warnings[0] = understood[0] = repeats[0] = '\0';
    return cmdline_parse(s, table, table + sizeof(table) / sizeof(table[0]), &report);
}

TEST(cmdline_types)
{
    custom_calls = 0;
    CHECK(parse("flag no-other int=-3 uint=0x10 size=16M str=\"a b\" lvl=info cust=x") == 0);
    CHECK(opt_flag && !opt_other);
    CHECK(opt_int == -3 && opt_uint == 16 && opt_size == 16ULL << 20);
    CHECK_STR(opt_str, "a b");
    CHECK(opt_enum == 2 && custom_calls == 1);
    CHECK_STR(understood, "flag no-other int=-3 uint=0x10 size=16M str=\"a b\" lvl=info cust=x ");
}

TEST(cmdline_bool_values)
{
    CHECK(parse("flag=0 other=yes") == 0 && !opt_flag && opt_other);
    CHECK(parse("flag=on other=false") == 0 && opt_flag && !opt_other);
    CHECK(parse("flag=maybe") == 1 && opt_flag);
    CHECK(strstr(warnings, "flag=maybe: not a boolean"));
}

TEST(cmdline_bad_values_keep_defaults)
{
    opt_int = 5;
    opt_size = 4096;
    opt_enum = 1;
    strcpy(opt_str, "dflt");
    CHECK(parse("int=99 int=abc size=12Q lvl=loud str=waytoolongforthebuffer uint=-1") == 6);
    CHECK(opt_int == 5 && opt_size == 4096 && opt_enum == 1);
    CHECK_STR(opt_str, "dflt");
    CHECK(strstr(warnings, "int=99: out of range"));
    CHECK(strstr(warnings, "int=abc: not a number"));
    CHECK(strstr(warnings, "size=12Q: not a size"));
    CHECK(strstr(warnings, "lvl=loud: not one of the allowed values"));
    CHECK(strstr(warnings, "str=waytoolongforthebuffer: value too long"));
    CHECK(strstr(warnings, "uint=-1: must not be negative"));
}

TEST(cmdline_unknown_and_custom_errors)
{
    CHECK(parse("  nosuch=1   flag  cust=bad no-int ") == 3);
    CHECK(strstr(warnings, "nosuch=1: unknown option"));
    CHECK(strstr(warnings, "cust=bad: custom says no"));
    CHECK(strstr(warnings, "no-int: unknown option"));
    CHECK(strstr(understood, "flag"));
}

TEST(cmdline_empty)
{
    CHECK(parse("") == 0 && parse("   ") == 0);
    CHECK(param_apply(table, table + 1, "flag", 4, NULL, 0) == NULL && opt_flag);
}

TEST(cmdline_numbers_never_wrap)
{
    const char *e;
    uint64_t size;

    /* 2^64 + 1 and beyond saturate instead of wrapping to small values. */
    CHECK(simple_strtoull("18446744073709551617", &e, 10) == ~0ULL && !*e);
    CHECK(simple_strtoull("0x10000000000000001", &e, 0) == ~0ULL && !*e);
    CHECK(simple_strtoll("-9223372036854775809", &e, 10) == -9223372036854775807LL - 1);
    CHECK(simple_strtoll("9223372036854775808", &e, 10) == 9223372036854775807LL);
    CHECK(!parse_size("99999999999999999999", &e, &size) || size == ~0ULL);
    CHECK(!parse_size("17179869184G", &e, &size));
    opt_uint = 7;
    CHECK(parse("uint=4294967297") == 1 && opt_uint == 7);
    CHECK(strstr(warnings, "uint=4294967297: out of range"));
    CHECK(parse("uint=18446744073709551617") == 1 && opt_uint == 7);
    CHECK(parse("uint=4294967295") == 0 && opt_uint == 4294967295u);
}

TEST(cmdline_repeats_are_reported)
{
    CHECK(parse("uint=3 flag uint=4") == 0 && opt_uint == 4);
    CHECK_STR(repeats, "uint=4 after uint=3;");
    CHECK(parse("flag str=\"x y\" no-flag str=z") == 0 && !opt_flag);
    CHECK(strstr(repeats, "no-flag after flag;"));
    CHECK(strstr(repeats, "str=z after str=\"x y\";"));
    CHECK(parse("flag other int=1") == 0 && !repeats[0]);
}

/* Unit tests of the coverage runtime, built once per GCC layout
 * (-DGCOV_GCC_MAJOR=10..15) together with xen/common/coverage/gcov.c.
 * Proves: the CRC32 is the standard one; the coverage= option parser takes
 * good values and names bad ones; a hand-built gcov_info in that GCC's layout
 * is serialised into the .gcda bytes that layout calls for (header, summary,
 * function records, counter kinds, length units, another object's function);
 * the dump size is exact; reset zeroes the counters; a full buffer fails
 * cleanly. Prints one line per check and exits non-zero on failure. */
#include <stdio.h>
#include <string.h>

#include <xen/gcov.h>
#include "../../xen/common/coverage/gcov_layout.h"

static int failures;

static void check(int ok, const char *what)
{
    printf("%s gcc%d %s\n", ok ? "PASS" : "FAIL", GCOV_GCC_MAJOR, what);
    failures += !ok;
}

static gcov_type arcs_a[3] = {5, 0, 9};
static gcov_type conds_a[2] = {1, 2};
static gcov_type arcs_b[1] = {4};

struct fn2 {
    struct gcov_fn_info fn;
    struct gcov_ctr_info extra[GCOV_COUNTERS];
};

static struct gcov_info info, other;
static struct fn2 fa, fb;
static const struct gcov_fn_info *fns[2] = {&fa.fn, &fb.fn};

static uint8_t expect[512];
static size_t elen;

static void w32(uint32_t v)
{
    memcpy(expect + elen, &v, 4);
    elen += 4;
}

static uint32_t unit(uint32_t words)
{
    return GCOV_GCC_MAJOR >= 12 ? words * 4 : words;
}

static void build(void)
{
    uint32_t version = (uint32_t)('A' + GCOV_GCC_MAJOR / 10) << 24 |
                       (uint32_t)('0' + GCOV_GCC_MAJOR % 10) << 16 | '1' << 8 | '*';

    info.version = version;
    info.stamp = 0x12345678;
#if GCOV_HAS_CHECKSUM
    info.checksum = 0xabcdef01;
#endif
    info.filename = "/build/obj/unit.gcda";
    info.merge[0] = __gcov_merge_add;
#if GCOV_COUNTERS >= 9
    info.merge[8] = __gcov_merge_ior; /* conditions */
#endif
    info.n_functions = 2;
    info.functions = fns;
    fa.fn.key = &info;
    fa.fn.ident = 7;
    fa.fn.lineno_checksum = 0x1111;
    fa.fn.cfg_checksum = 0x2222;
    fa.fn.ctrs[0] = (struct gcov_ctr_info){3, arcs_a};
    fa.fn.ctrs[1] = (struct gcov_ctr_info){2, conds_a};
    fb.fn.key = &other; /* a shared function owned by another object */
    fb.fn.ctrs[0] = (struct gcov_ctr_info){1, arcs_b};
    __gcov_init(&info);

    w32(0x67636461);
    w32(version);
    w32(0x12345678);
#if GCOV_HAS_CHECKSUM
    w32(0xabcdef01);
#endif
    w32(0xa1000000);
    w32(unit(2));
    w32(1);
    w32(9); /* the largest arc counter */
    w32(0x01000000);
    w32(unit(3));
    w32(7);
    w32(0x1111);
    w32(0x2222);
    w32(0x01a10000);
    w32(unit(6));
    for (int i = 0; i < 3; i++) {
        w32((uint32_t)arcs_a[i]);
        w32(0);
    }
#if GCOV_COUNTERS >= 9
    w32(0x01a10000 + (8u << 17));
    w32(unit(4));
    for (int i = 0; i < 2; i++) {
        w32((uint32_t)conds_a[i]);
        w32(0);
    }
#endif
    w32(0x01000000);
    w32(0);
    w32(0);
}

int main(void)
{
    static uint8_t buf[4096];
    struct gcov_buf b = {buf, sizeof(buf), 0};
    struct gcov_buf small = {buf, 100, 0};
    struct gcov_options o = {.port = 0xe9};
    size_t size, name_len = strlen("/build/obj/unit.gcda");
    uint32_t gcda_len;

    check(gcov_crc32(0, "123456789", 9) == 0xcbf43926, "crc32 check value");
    check(!gcov_parse_options("port=0x2f8,domain,exit,reset", &o) && o.port == 0x2f8 &&
              o.on_domain && o.on_exit && o.reset_after && !o.on_boot,
          "option parses a good list");
    check(gcov_parse_options("port=0x1ffff", &o) && gcov_parse_options("sometimes", &o) &&
              o.port == 0x2f8,
          "option refuses bad items and keeps the old value");

    build();
    size = gcov_dump_size();
    check(gcov_dump(gcov_buf_sink, &b) == 0 && b.pos == size, "dump size is exact");
    memcpy(&gcda_len, buf + GCOV_DUMP_HDR_SIZE + 12, 4);
    check(gcda_len == elen &&
              !memcmp(buf + GCOV_DUMP_HDR_SIZE + GCOV_OBJ_HDR_SIZE + name_len, expect, elen),
          "gcda bytes of this layout");
    check(!memcmp(buf, GCOV_DUMP_MAGIC, 8) && buf[16] == GCOV_GCC_MAJOR, "dump header");
    check(gcov_dump(gcov_buf_sink, &small) == GCOV_ENOSPC, "full buffer refused");
    gcov_reset();
    check(!arcs_a[0] && !arcs_a[2] && arcs_b[0] == 4 && (GCOV_COUNTERS < 9 || !conds_a[1]),
          "reset zeroes owned counters only");
    return failures != 0;
}

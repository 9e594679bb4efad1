/* Coverage runtime of the hypervisor: what GCC's instrumented code calls,
 * the list of instrumented objects, their .gcda images, the framed dump and
 * the reset. See README.md in this directory and <xen/gcov.h>.
 *
 * Freestanding: only <xen/types.h> and <xen/string.h>. This file must itself
 * be compiled without -fprofile-arcs. */
#include <xen/types.h>
#include <xen/string.h>
#include <xen/gcov.h>

#include "gcov_layout.h"

static struct gcov_info *gcov_list;
static unsigned int gcov_count;
static uint32_t gcov_sequence;

/* ---- Entry points of GCC's instrumented code ---- */

void __gcov_init(struct gcov_info *info)
{
    struct gcov_info **tail = &gcov_list;

    /* Keep registration order (the constructors' order), so dumps list the
     * objects in link order. */
    while (*tail)
        tail = &(*tail)->next;
    info->next = NULL;
    *tail = info;
    gcov_count++;
}

/* Counters are merged on the host, never here: the merge hooks only have to
 * exist because gcov_info points at them. */
void __gcov_merge_add(gcov_type *counters, uint32_t n) {}

/* Used by -fcondition-coverage (GCC 14) and -fpath-coverage (GCC 15). */
void __gcov_merge_ior(gcov_type *counters, uint32_t n) {}

/* Called by each object's destructor; the hypervisor never runs them, and
 * the data leaves through gcov_dump() instead. */
void __gcov_exit(void) {}

unsigned int gcov_object_count(void)
{
    return gcov_count;
}

/* ---- CRC32 ---- */

uint32_t gcov_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;

    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

/* ---- Output: staging, CRCs, and a sizing mode (sink == NULL) ---- */

struct emitter {
    gcov_sink_fn sink;
    void *ctx;
    int err;
    uint64_t len;      /* bytes emitted so far */
    uint32_t crc_all;  /* of every byte so far */
    uint32_t crc_part; /* of the bytes since the last emit_part_start() */
    size_t fill;
    uint8_t stage[256];
};

static void emit_flush(struct emitter *e)
{
    if (e->sink && e->fill && !e->err)
        e->err = e->sink(e->ctx, e->stage, e->fill);
    e->fill = 0;
}

static void emit_bytes(struct emitter *e, const void *data, size_t n)
{
    const uint8_t *p = data;

    e->len += n;
    if (!e->sink || e->err)
        return;
    e->crc_all = gcov_crc32(e->crc_all, p, n);
    e->crc_part = gcov_crc32(e->crc_part, p, n);
    while (n) {
        size_t chunk = MIN(n, sizeof(e->stage) - e->fill);

        memcpy(e->stage + e->fill, p, chunk);
        e->fill += chunk;
        p += chunk;
        n -= chunk;
        if (e->fill == sizeof(e->stage))
            emit_flush(e);
    }
}

static void emit_u32(struct emitter *e, uint32_t v)
{
    uint8_t b[4] = {v, v >> 8, v >> 16, v >> 24};

    emit_bytes(e, b, sizeof(b));
}

static void emit_u64(struct emitter *e, uint64_t v)
{
    emit_u32(e, (uint32_t)v);
    emit_u32(e, (uint32_t)(v >> 32));
}

static void emit_part_start(struct emitter *e)
{
    e->crc_part = 0;
}

/* ---- .gcda images ---- */

static bool fn_owned(const struct gcov_info *info, const struct gcov_fn_info *fn)
{
    return fn && fn->key == info;
}

/* Largest arc counter of the whole program: the `sum_max` of the object
 * summary that libgcov writes into every .gcda of one run. */
static gcov_type gcov_run_max(void)
{
    gcov_type max = 0;

    for (const struct gcov_info *info = gcov_list; info; info = info->next) {
        if (!info->merge[GCOV_COUNTER_ARCS])
            continue;
        for (uint32_t f = 0; f < info->n_functions; f++) {
            const struct gcov_fn_info *fn = info->functions[f];

            if (!fn_owned(info, fn))
                continue;
            for (uint32_t i = 0; i < fn->ctrs[0].num; i++)
                if (fn->ctrs[0].values[i] > max)
                    max = fn->ctrs[0].values[i];
        }
    }
    return max;
}

/* The .gcda image of one object, as libgcov writes it for a single run but
 * with every counter array in full (see <xen/gcov.h>). */
static void emit_gcda(struct emitter *e, const struct gcov_info *info, gcov_type run_max)
{
    emit_u32(e, GCOV_DATA_MAGIC);
    emit_u32(e, info->version);
    emit_u32(e, info->stamp);
#if GCOV_HAS_CHECKSUM
    emit_u32(e, info->checksum);
#endif
    emit_u32(e, GCOV_TAG_OBJECT_SUMMARY);
    emit_u32(e, GCOV_LEN(2));
    emit_u32(e, 1); /* runs */
    emit_u32(e, (uint32_t)run_max);

    for (uint32_t f = 0; f < info->n_functions; f++) {
        const struct gcov_fn_info *fn = info->functions[f];
        const struct gcov_ctr_info *ctr;

        emit_u32(e, GCOV_TAG_FUNCTION);
        if (!fn_owned(info, fn)) {
            emit_u32(e, 0); /* another object's copy of a shared function */
            continue;
        }
        emit_u32(e, GCOV_LEN(GCOV_TAG_FUNCTION_LEN));
        emit_u32(e, fn->ident);
        emit_u32(e, fn->lineno_checksum);
        emit_u32(e, fn->cfg_checksum);
        ctr = fn->ctrs;
        for (unsigned int kind = 0; kind < GCOV_COUNTERS; kind++) {
            if (!info->merge[kind])
                continue;
            emit_u32(e, GCOV_TAG_FOR_COUNTER(kind));
            emit_u32(e, GCOV_LEN(2 * ctr->num));
            for (uint32_t i = 0; i < ctr->num; i++)
                emit_u64(e, (uint64_t)ctr->values[i]);
            ctr++;
        }
    }
    emit_u32(e, 0); /* end of file */
}

static uint32_t gcda_size(const struct gcov_info *info)
{
    struct emitter e = {0};

    emit_gcda(&e, info, 0);
    return (uint32_t)e.len;
}

/* ---- The framed dump ---- */

static uint32_t build_stamp(void)
{
    uint32_t crc = 0;

    for (const struct gcov_info *info = gcov_list; info; info = info->next) {
        uint8_t b[4] = {info->stamp, info->stamp >> 8, info->stamp >> 16, info->stamp >> 24};

        crc = gcov_crc32(crc, b, sizeof(b));
        crc = gcov_crc32(crc, info->filename, strlen(info->filename));
    }
    return crc;
}

static void emit_dump(struct emitter *e, uint64_t total, uint32_t sequence)
{
    unsigned int index = 0;
    gcov_type run_max = e->sink ? gcov_run_max() : 0;

    emit_part_start(e);
    emit_bytes(e, GCOV_DUMP_MAGIC, GCOV_DUMP_MAGIC_LEN);
    emit_u32(e, GCOV_DUMP_VERSION);
    emit_u32(e, GCOV_DUMP_HDR_SIZE);
    emit_u32(e, GCOV_GCC_MAJOR);
    emit_u32(e, gcov_list ? gcov_list->version : 0);
    emit_u32(e, gcov_count);
    emit_u32(e, build_stamp());
    emit_u64(e, total);
    emit_u32(e, sequence);
    emit_u32(e, e->crc_part);

    for (const struct gcov_info *info = gcov_list; info; info = info->next, index++) {
        uint32_t name_len = strlen(info->filename);

        emit_part_start(e);
        emit_u32(e, GCOV_OBJ_MAGIC);
        emit_u32(e, index);
        emit_u32(e, name_len);
        emit_u32(e, gcda_size(info));
        emit_u32(e, e->crc_part);
        emit_part_start(e);
        emit_bytes(e, info->filename, name_len);
        emit_gcda(e, info, run_max);
        emit_u32(e, e->crc_part);
    }

    emit_u32(e, GCOV_END_MAGIC);
    emit_u32(e, gcov_count);
    emit_u64(e, total);
    emit_u32(e, e->crc_all);
    emit_flush(e);
}

size_t gcov_dump_size(void)
{
    struct emitter e = {0};

    emit_dump(&e, 0, 0);
    return e.len;
}

int gcov_dump(gcov_sink_fn sink, void *ctx)
{
    struct emitter e = {.sink = sink, .ctx = ctx};

    emit_dump(&e, gcov_dump_size(), ++gcov_sequence);
    return e.err;
}

void gcov_reset(void)
{
    for (const struct gcov_info *info = gcov_list; info; info = info->next) {
        for (uint32_t f = 0; f < info->n_functions; f++) {
            const struct gcov_fn_info *fn = info->functions[f];
            const struct gcov_ctr_info *ctr;

            if (!fn_owned(info, fn))
                continue;
            ctr = fn->ctrs;
            for (unsigned int kind = 0; kind < GCOV_COUNTERS; kind++) {
                if (!info->merge[kind])
                    continue;
                memset(ctr->values, 0, ctr->num * sizeof(gcov_type));
                ctr++;
            }
        }
    }
}

int gcov_buf_sink(void *ctx, const void *data, size_t len)
{
    struct gcov_buf *b = ctx;

    if (len > b->size - b->pos)
        return GCOV_ENOSPC;
    memcpy(b->buf + b->pos, data, len);
    b->pos += len;
    return 0;
}

/* ---- The coverage= option ---- */

struct gcov_options gcov_opts = {.port = 0xe9};

static bool token_is(const char *tok, size_t len, const char *word)
{
    return strlen(word) == len && !memcmp(tok, word, len);
}

static const char *parse_port(const char *s, size_t len, uint16_t *port)
{
    unsigned int base = 10, v = 0;

    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (!len)
        return "coverage: port= needs a number";
    for (; len; s++, len--) {
        unsigned int d;

        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return "coverage: port= is not a number";
        v = v * base + d;
        if (v > 0xffff)
            return "coverage: port= is above 0xffff";
    }
    *port = v;
    return NULL;
}

const char *gcov_parse_options(const char *value, struct gcov_options *opts)
{
    struct gcov_options o = *opts;
    const char *p = value;

    while (*p) {
        const char *end = p;
        size_t len;

        while (*end && *end != ',')
            end++;
        len = end - p;
        if (len > 5 && !memcmp(p, "port=", 5)) {
            const char *err = parse_port(p + 5, len - 5, &o.port);

            if (err)
                return err;
        } else if (token_is(p, len, "boot")) {
            o.on_boot = true;
        } else if (token_is(p, len, "domain")) {
            o.on_domain = true;
        } else if (token_is(p, len, "exit")) {
            o.on_exit = true;
        } else if (token_is(p, len, "reset")) {
            o.reset_after = true;
        } else if (token_is(p, len, "reset-boot")) {
            o.reset_boot = true;
        } else if (len) {
            return "coverage: unknown item (want port=N, boot, domain, exit, reset, reset-boot)";
        }
        p = *end ? end + 1 : end;
    }
    *opts = o;
    return NULL;
}

/* GCC's in-memory coverage structures, for the GCC major version the
 * hypervisor is compiled with (GCOV_GCC_MAJOR, 10..15; by default the
 * compiler's own __GNUC__). Only the runtime and its host tests include this.
 *
 * Differences between versions that matter here:
 *   - GCOV_COUNTERS: 8 kinds for GCC 10..13, 9 for 14 (conditions), 10 for
 *     15 (paths);
 *   - GCC >= 12 has a `checksum` in gcov_info and in the .gcda header, and
 *     gives record lengths in bytes; older versions in 4-byte words. */
#ifndef XEN_COVERAGE_GCOV_LAYOUT_H
#define XEN_COVERAGE_GCOV_LAYOUT_H

#include <xen/types.h>

#ifndef GCOV_GCC_MAJOR
#if defined(__clang__) || !defined(__GNUC__)
#error "coverage needs GCC: clang's profiling runtime has another interface"
#endif
#define GCOV_GCC_MAJOR __GNUC__
#endif

#if GCOV_GCC_MAJOR < 10 || GCOV_GCC_MAJOR > 15
#error "coverage supports the gcov layouts of GCC 10 to 15"
#endif

#if GCOV_GCC_MAJOR >= 15
#define GCOV_COUNTERS 10
#elif GCOV_GCC_MAJOR >= 14
#define GCOV_COUNTERS 9
#else
#define GCOV_COUNTERS 8
#endif

#define GCOV_HAS_CHECKSUM (GCOV_GCC_MAJOR >= 12)
/* Value of a record's length field for a record of `words` 4-byte words. */
#define GCOV_LEN(words) ((uint32_t)(words) * (GCOV_GCC_MAJOR >= 12 ? 4u : 1u))

#define GCOV_DATA_MAGIC         0x67636461u /* "gcda" */
#define GCOV_TAG_FUNCTION       0x01000000u
#define GCOV_TAG_FUNCTION_LEN   3u /* words: ident, lineno and cfg checksums */
#define GCOV_TAG_COUNTER_BASE   0x01a10000u
#define GCOV_TAG_FOR_COUNTER(i) (GCOV_TAG_COUNTER_BASE + ((uint32_t)(i) << 17))
#define GCOV_TAG_OBJECT_SUMMARY 0xa1000000u
#define GCOV_COUNTER_ARCS       0

typedef int64_t gcov_type;
typedef void (*gcov_merge_fn)(gcov_type *counters, uint32_t n);

struct gcov_ctr_info {
    uint32_t num;      /* number of counters */
    gcov_type *values; /* their values */
};

struct gcov_fn_info {
    const struct gcov_info *key; /* the object that owns this function */
    uint32_t ident;
    uint32_t lineno_checksum;
    uint32_t cfg_checksum;
    struct gcov_ctr_info ctrs[]; /* one per counter kind in use */
};

struct gcov_info {
    uint32_t version; /* gcov version word */
    struct gcov_info *next;
    uint32_t stamp; /* compilation stamp, also in the .gcno */
#if GCOV_HAS_CHECKSUM
    uint32_t checksum;
#endif
    const char *filename;               /* where the .gcda would go */
    gcov_merge_fn merge[GCOV_COUNTERS]; /* non-NULL for kinds in use */
    uint32_t n_functions;
    const struct gcov_fn_info *const *functions;
};

/* The hooks GCC's instrumented code refers to (beside __gcov_init()). */
void __gcov_merge_add(gcov_type *counters, uint32_t n);
void __gcov_merge_ior(gcov_type *counters, uint32_t n);
void __gcov_exit(void);

#endif

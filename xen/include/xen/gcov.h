/* Coverage of the running hypervisor (GCC gcov).
 *
 * A COVERAGE=y build compiles the hypervisor with -fprofile-arcs
 * -ftest-coverage. Each instrumented object has a constructor that calls
 * __gcov_init() with its gcov_info; the hypervisor runs those constructors at
 * boot. The runtime in common/coverage/ keeps the list, serialises every
 * object's counters as a .gcda image and frames all images into one dump
 * (format below), which goes out through a caller-given byte sink: a debug
 * port, a second serial port, or a buffer for the coverage_op sysctl.
 *
 * The same header describes the dump for the host tool (gcov/), so both sides
 * share one definition of the format. */
#ifndef XEN_GCOV_H
#define XEN_GCOV_H

#include <xen/types.h>

/* ---- The dump format (all integers little-endian) ----
 *
 * header, 48 bytes:
 *   0  u8[8] GCOV_DUMP_MAGIC "XGCOVDMP"
 *   8  u32   format version (GCOV_DUMP_VERSION)
 *   12 u32   header size (48)
 *   16 u32   GCC major version whose layout the runtime was built for
 *   20 u32   gcov version word of the objects (0 when there are none)
 *   24 u32   number of objects
 *   28 u32   build stamp: CRC32 over each object's (stamp, filename)
 *   32 u64   total length of the dump, header and trailer included
 *   40 u32   sequence number of this dump since boot (1, 2, ...)
 *   44 u32   CRC32 of bytes 0..43
 * then per object:
 *   0  u32   GCOV_OBJ_MAGIC "XGOB"
 *   4  u32   index of the object (0, 1, ...)
 *   8  u32   length of the file name (no NUL)
 *   12 u32   length of the .gcda image
 *   16 u32   CRC32 of bytes 0..15 (so lengths are checked before use)
 *   20       file name bytes, then .gcda bytes
 *   ..  u32  CRC32 of the file name and .gcda bytes
 * trailer, 20 bytes:
 *   0  u32   GCOV_END_MAGIC "XGEN"
 *   4  u32   number of objects (again)
 *   8  u64   total length (again)
 *   16 u32   CRC32 of every byte of the dump before this field
 *
 * The length of every part depends only on the structure of the objects (how
 * many functions and counters), never on counter values, so get_size is exact
 * and a dump taken while other CPUs update counters is still well framed.
 * Consequently the .gcda images carry every counter array in full; the host
 * tool rewrites all-zero arrays in the compact form libgcov uses. */
#define GCOV_DUMP_MAGIC      "XGCOVDMP"
#define GCOV_DUMP_MAGIC_LEN  8
#define GCOV_DUMP_VERSION    1u
#define GCOV_DUMP_HDR_SIZE   48u
#define GCOV_OBJ_MAGIC       0x424f4758u /* "XGOB" */
#define GCOV_OBJ_HDR_SIZE    20u
#define GCOV_END_MAGIC       0x4e454758u /* "XGEN" */
#define GCOV_DUMP_TRAIL_SIZE 20u

/* CRC32 (IEEE 802.3, reflected, as zlib's crc32()). Start with crc = 0. */
uint32_t gcov_crc32(uint32_t crc, const void *data, size_t len);

/* A byte sink. Returns 0, or non-zero to abort the dump (that value is
 * returned by gcov_dump()). */
typedef int (*gcov_sink_fn)(void *ctx, const void *data, size_t len);

/* The gcov_info of one object; its layout is GCC's and private to the
 * runtime. */
struct gcov_info;

/* Called by the compiler-generated constructor of each instrumented object. */
void __gcov_init(struct gcov_info *info);

/* Number of registered objects. */
unsigned int gcov_object_count(void);

/* Exact size in bytes of the dump gcov_dump() would produce now. */
size_t gcov_dump_size(void);

/* Write a dump through `sink`. Dumps and resets must not run concurrently
 * with each other (the caller holds one lock); counters may change meanwhile.
 * Returns 0, or the sink's non-zero value. */
int gcov_dump(gcov_sink_fn sink, void *ctx);

/* Zero every counter of every registered object. */
void gcov_reset(void);

/* A sink that copies into a buffer; returns GCOV_ENOSPC when full. */
#define GCOV_ENOSPC 28
struct gcov_buf {
    uint8_t *buf;
    size_t size, pos;
};
int gcov_buf_sink(void *ctx, const void *data, size_t len);

/* The `coverage=` command-line option: a comma-separated list of
 *   port=N        I/O port of the dump channel (default 0xe9, QEMU's debugcon;
 *                 0x2f8 is COM2, which the caller drives as a UART)
 *   boot          dump once when the domains are about to start
 *   domain        dump whenever a domain is destroyed (after each test)
 *   exit          dump before the hypervisor powers off or reboots
 *   reset         zero the counters after each dump (each dump is a delta)
 *   reset-boot    zero the counters before the domains start
 * Returns NULL on success or a message naming the problem. */
struct gcov_options {
    uint16_t port;
    bool on_boot, on_domain, on_exit, reset_after, reset_boot;
};
const char *gcov_parse_options(const char *value, struct gcov_options *opts);
extern struct gcov_options gcov_opts;

#endif

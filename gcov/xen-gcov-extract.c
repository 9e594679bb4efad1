/* xen-gcov-extract: turn a coverage dump of the hypervisor into .gcda files.
 *
 * The input is a dump in the format of <xen/gcov.h>: the output of the
 * coverage_op sysctl read, or a capture of the dump channel (debug port or
 * second serial port), possibly with other text around and several dumps in
 * it. The tool checks the framing and every checksum, checks that each
 * object's stamp matches the .gcno file of the build it is given, and only
 * then writes one .gcda per object beside its .gcno. Nothing is written if
 * any check fails.
 *
 * Usage: xen-gcov-extract [--list] [--check] [--dump N|last] [--raw]
 *                         [--map OLD=NEW]... [-q] DUMPFILE */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/gcov.h>

#define PROG "xen-gcov-extract"

#define GCDA_MAGIC       0x67636461u
#define GCNO_MAGIC       0x67636e6fu
#define TAG_COUNTER_BASE 0x01a10000u

struct map {
    const char *from, *to;
};

struct object {
    uint32_t index;
    char *name;          /* as recorded in the dump */
    char *path;          /* after --map */
    const uint8_t *gcda; /* inside the input */
    uint32_t gcda_len;
    uint32_t stamp, version;
};

struct dump {
    size_t offset, total;
    uint32_t gcc_major, gcov_version, count, build_stamp, sequence;
    struct object *objs;
};

struct input {
    const char *file;
    uint8_t *data;
    size_t len;
};

static int quiet;

/* CRC32 as zlib's, computed here independently of the hypervisor's. */
static uint32_t crc32_of(uint32_t crc, const uint8_t *p, size_t len)
{
    static uint32_t table[256];

    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;

            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    }
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        fail("out of memory (%zu bytes)", n);
    return p;
}

static void read_input(struct input *in, const char *file)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
    size_t cap = 1 << 20, n;

    if (!f)
        fail("%s: cannot open: %s", file, strerror(errno));
    in->file = file;
    in->data = xmalloc(cap);
    in->len = 0;
    while ((n = fread(in->data + in->len, 1, cap - in->len, f)) > 0) {
        in->len += n;
        if (in->len == cap) {
            cap *= 2;
            in->data = realloc(in->data, cap);
            if (!in->data)
                fail("out of memory reading %s", file);
        }
    }
    if (ferror(f))
        fail("%s: read error: %s", file, strerror(errno));
    if (f != stdin)
        fclose(f);
}

/* GCC's version word spells the release: 'A' + major / 10, '0' + major % 10,
 * '0' + minor, then a status character, from the most significant byte. */
static unsigned int gcov_major(uint32_t version)
{
    return ((version >> 24) - 'A') * 10 + (((version >> 16) & 0xff) - '0');
}

/* Does the path have a "." or ".." component (so it could leave a tree)? */
static int has_dot_component(const char *path)
{
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return 1;
        p += len;
        while (*p == '/')
            p++;
    }
    return 0;
}

/* The file an object's counters go to: with --map options, only inside a
 * map's NEW tree (an object named outside every OLD prefix is refused), and
 * never through a "." or ".." component, so a dump cannot make the tool
 * write elsewhere. */
static char *apply_maps(const char *name, const struct map *maps, int n_maps)
{
    if (has_dot_component(name))
        fail("object %s: a name with a '.' or '..' component is refused", name);
    for (int i = 0; i < n_maps; i++) {
        size_t fl = strlen(maps[i].from);

        if (!strncmp(name, maps[i].from, fl)) {
            char *out = xmalloc(strlen(maps[i].to) + strlen(name + fl) + 1);

            strcpy(out, maps[i].to);
            strcat(out, name + fl);
            if (has_dot_component(out))
                fail("object %s: maps to %s, which has a '.' or '..' component", name, out);
            return out;
        }
    }
    if (n_maps)
        fail("object %s is outside every --map tree; nothing written", name);
    return strdup(name);
}

/* Parse and check the dump that starts at `off`; on a problem return a
 * message (static buffer) naming where, else NULL. */
static const char *parse_dump(const struct input *in, size_t off, struct dump *d)
{
    static char msg[512];
    const uint8_t *base = in->data + off;
    size_t avail = in->len - off, pos;
    uint32_t crc;

#define BAD(...) (snprintf(msg, sizeof(msg), __VA_ARGS__), msg)
    memset(d, 0, sizeof(*d));
    d->offset = off;
    if (avail < GCOV_DUMP_HDR_SIZE)
        return BAD("truncated: the dump header at offset %zu needs %u bytes, %zu remain", off,
                   GCOV_DUMP_HDR_SIZE, avail);
    if (crc32_of(0, base, 44) != get32(base + 44))
        return BAD("corrupted: bad header checksum in the dump at offset %zu", off);
    if (get32(base + 8) != GCOV_DUMP_VERSION || get32(base + 12) != GCOV_DUMP_HDR_SIZE)
        return BAD("dump at offset %zu has format version %u (this tool reads %u)", off,
                   get32(base + 8), GCOV_DUMP_VERSION);
    d->gcc_major = get32(base + 16);
    d->gcov_version = get32(base + 20);
    d->count = get32(base + 24);
    d->build_stamp = get32(base + 28);
    d->total = get64(base + 32);
    d->sequence = get32(base + 40);
    if (d->total > avail)
        return BAD("truncated: the dump at offset %zu declares %zu bytes but only %zu remain", off,
                   d->total, avail);
    if (d->total < GCOV_DUMP_HDR_SIZE + GCOV_DUMP_TRAIL_SIZE ||
        d->count > d->total / GCOV_OBJ_HDR_SIZE)
        return BAD("corrupted: impossible length or object count in the dump at offset %zu", off);

    d->objs = calloc(d->count ? d->count : 1, sizeof(*d->objs));
    if (!d->objs)
        return BAD("out of memory");
    pos = GCOV_DUMP_HDR_SIZE;
    for (uint32_t i = 0; i < d->count; i++) {
        struct object *o = &d->objs[i];
        const uint8_t *h = base + pos;
        uint32_t name_len, gcda_len;

        if (d->total - pos < GCOV_OBJ_HDR_SIZE)
            return BAD("corrupted: object %u header runs past the end of the dump at offset %zu", i,
                       off);
        if (get32(h) != GCOV_OBJ_MAGIC || crc32_of(0, h, 16) != get32(h + 16))
            return BAD("corrupted: bad header of object %u at offset %zu", i, off + pos);
        if (get32(h + 4) != i)
            return BAD("corrupted: object at offset %zu is numbered %u, expected %u", off + pos,
                       get32(h + 4), i);
        name_len = get32(h + 8);
        gcda_len = get32(h + 12);
        if ((uint64_t)name_len + gcda_len + 4 > d->total - pos - GCOV_OBJ_HDR_SIZE)
            return BAD("corrupted: object %u at offset %zu runs past the end of the dump", i,
                       off + pos);
        crc = crc32_of(0, h + GCOV_OBJ_HDR_SIZE, name_len + gcda_len);
        if (crc != get32(h + GCOV_OBJ_HDR_SIZE + name_len + gcda_len))
            return BAD("corrupted: bad checksum of object %u at offset %zu", i, off + pos);
        o->index = i;
        o->name = xmalloc(name_len + 1);
        memcpy(o->name, h + GCOV_OBJ_HDR_SIZE, name_len);
        o->name[name_len] = 0;
        if (memchr(o->name, 0, name_len) || name_len < 6 || strcmp(o->name + name_len - 5, ".gcda"))
            return BAD("corrupted: object %u has a bad file name", i);
        o->gcda = h + GCOV_OBJ_HDR_SIZE + name_len;
        o->gcda_len = gcda_len;
        if (gcda_len < 12 || get32(o->gcda) != GCDA_MAGIC)
            return BAD("corrupted: object %u (%s) is not a .gcda image", i, o->name);
        o->version = get32(o->gcda + 4);
        o->stamp = get32(o->gcda + 8);
        pos += GCOV_OBJ_HDR_SIZE + name_len + gcda_len + 4;
    }
    if (d->total - pos != GCOV_DUMP_TRAIL_SIZE)
        return BAD("corrupted: the dump at offset %zu has %zu bytes where the trailer should be",
                   off, d->total - pos);
    if (get32(base + pos) != GCOV_END_MAGIC || get32(base + pos + 4) != d->count ||
        get64(base + pos + 8) != d->total)
        return BAD("corrupted: bad trailer of the dump at offset %zu", off);
    if (crc32_of(0, base, pos + 16) != get32(base + pos + 16))
        return BAD("corrupted: bad checksum over the whole dump at offset %zu", off);
    return NULL;
#undef BAD
}

/* Rewrite an image in libgcov's canonical form: from GCC 11 on, a counter
 * array that is all zero is written as its negated length without values.
 * Also checks the image's structure. Returns the new length. */
static size_t canonical_gcda(const struct object *o, uint8_t *out)
{
    unsigned int major = gcov_major(o->version);
    size_t unit = major >= 12 ? 1 : 4; /* bytes per unit of a length field */
    size_t hdr = major >= 12 ? 16 : 12, pos = hdr, n = hdr;
    const uint8_t *in = o->gcda;

    if (o->gcda_len < hdr + 4)
        fail("object %s: .gcda image too short", o->name);
    memcpy(out, in, hdr);
    for (;;) {
        uint32_t tag, len;
        size_t bytes;
        int all_zero = 1;

        if (o->gcda_len - pos < 4)
            fail("object %s: .gcda image ends without its end mark", o->name);
        tag = get32(in + pos);
        if (!tag) {
            put32(out + n, 0);
            n += 4;
            pos += 4;
            break;
        }
        if (o->gcda_len - pos < 8)
            fail("object %s: .gcda record at %zu is cut", o->name, pos);
        len = get32(in + pos + 4);
        bytes = (size_t)len * unit;
        if (bytes > o->gcda_len - pos - 8)
            fail("object %s: .gcda record at %zu (tag 0x%08x) overruns the image", o->name, pos,
                 tag);
        if (tag >= TAG_COUNTER_BASE && tag < 0x01000000u + 0x01000000u &&
            !((tag - TAG_COUNTER_BASE) & 0x1ffff)) {
            for (size_t i = 0; i < bytes; i++)
                all_zero &= !in[pos + 8 + i];
            if (major >= 11 && all_zero && bytes) {
                put32(out + n, tag);
                put32(out + n + 4, (uint32_t) - (int32_t)len);
                n += 8;
                pos += 8 + bytes;
                continue;
            }
        }
        memcpy(out + n, in + pos, 8 + bytes);
        n += 8 + bytes;
        pos += 8 + bytes;
    }
    if (pos != o->gcda_len)
        fail("object %s: %zu bytes after the .gcda end mark", o->name, o->gcda_len - pos);
    return n;
}

static void gcno_path(const char *gcda, char *out, size_t size)
{
    snprintf(out, size, "%.*s.gcno", (int)(strlen(gcda) - 5), gcda);
}

/* Every object must have a .gcno with the same stamp: otherwise the dump
 * comes from another build and its counters would be credited to the wrong
 * lines. Reports every mismatch, then fails. */
static void check_stamps(const struct dump *d)
{
    int bad = 0;
    char path[4096];

    for (uint32_t i = 0; i < d->count; i++) {
        const struct object *o = &d->objs[i];
        uint8_t h[12];
        FILE *f;

        gcno_path(o->path, path, sizeof(path));
        f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, PROG ": %s: no .gcno for object %s (%s); give --map OLD=NEW\n", path,
                    o->name, strerror(errno));
            bad++;
            continue;
        }
        if (fread(h, 1, sizeof(h), f) != sizeof(h) || get32(h) != GCNO_MAGIC) {
            fprintf(stderr, PROG ": %s: not a .gcno file\n", path);
            bad++;
        } else if (get32(h + 8) != o->stamp || get32(h + 4) != o->version) {
            fprintf(stderr,
                    PROG ": %s: stamp mismatch: the .gcno has stamp 0x%08x (version 0x%08x), the "
                         "dump has 0x%08x (version 0x%08x)\n",
                    path, get32(h + 8), get32(h + 4), o->stamp, o->version);
            bad++;
        }
        fclose(f);
    }
    if (bad)
        fail("refusing the dump: %d of %u objects do not match the build's .gcno files (the "
             "dump comes from a different build); nothing written",
             bad, d->count);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    char tmp[4200];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
    f = fopen(tmp, "wb");
    if (!f)
        fail("%s: cannot create: %s", tmp, strerror(errno));
    if (fwrite(data, 1, len, f) != len || fclose(f))
        fail("%s: write error: %s", tmp, strerror(errno));
    if (rename(tmp, path))
        fail("%s: cannot rename into place: %s", path, strerror(errno));
}

static void usage(void)
{
    fputs("usage: " PROG " [--list] [--check] [--dump N|last] [--raw] [--map OLD=NEW]... [-q] "
          "DUMPFILE\n"
          "  Reads a hypervisor coverage dump (sysctl read, or a capture of the dump channel\n"
          "  with other bytes around it), checks it and writes one .gcda beside each .gcno.\n"
          "  --list        list the dumps found and their objects, write nothing\n"
          "  --check       check the selected dump and the stamps, write nothing\n"
          "  --dump N      use the Nth dump of the input (1-based; default: the last)\n"
          "  --raw         write the images as dumped (no compaction of zero counters)\n"
          "  --map OLD=NEW replace the prefix OLD of recorded file names by NEW\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    struct map maps[64];
    int n_maps = 0, list = 0, check = 0, raw = 0;
    long want = -1;
    const char *file = NULL;
    struct input in;
    size_t offsets[4096], n_dumps = 0;
    struct dump d;
    const char *err;
    uint8_t **out;
    size_t *out_len;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            list = 1;
        } else if (!strcmp(argv[i], "--check")) {
            check = 1;
        } else if (!strcmp(argv[i], "--raw")) {
            raw = 1;
        } else if (!strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
            char *end;

            i++;
            want = strcmp(argv[i], "last") ? strtol(argv[i], &end, 10) : -1;
            if (want != -1 && (*end || want < 1))
                fail("--dump wants a number from 1 or 'last', not '%s'", argv[i]);
        } else if (!strcmp(argv[i], "--map") && i + 1 < argc) {
            char *eq = strchr(argv[++i], '=');

            if (!eq || eq == argv[i])
                fail("--map wants OLD=NEW, not '%s'", argv[i]);
            if (n_maps == 64)
                fail("too many --map options");
            *eq = 0;
            maps[n_maps].from = argv[i];
            maps[n_maps++].to = eq + 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            usage();
        } else if (!file) {
            file = argv[i];
        } else {
            usage();
        }
    }
    if (!file)
        usage();

    read_input(&in, file);
    for (size_t off = 0; off + GCOV_DUMP_MAGIC_LEN <= in.len; off++) {
        if (in.data[off] != 'X' || memcmp(in.data + off, GCOV_DUMP_MAGIC, GCOV_DUMP_MAGIC_LEN))
            continue;
        if (n_dumps == sizeof(offsets) / sizeof(offsets[0]))
            fail("%s: more than %zu dumps", file, n_dumps);
        offsets[n_dumps++] = off;
    }
    if (!n_dumps)
        fail("%s: no coverage dump found (no \"%s\" header in %zu bytes)", file, GCOV_DUMP_MAGIC,
             in.len);

    if (list) {
        for (size_t k = 0; k < n_dumps; k++) {
            err = parse_dump(&in, offsets[k], &d);
            printf("dump %zu at offset %zu: ", k + 1, offsets[k]);
            if (err) {
                printf("BAD: %s\n", err);
                continue;
            }
            printf("sequence %u, %u objects, %zu bytes, gcc %u layout, build stamp 0x%08x\n",
                   d.sequence, d.count, d.total, d.gcc_major, d.build_stamp);
            for (uint32_t i = 0; i < d.count; i++)
                printf("  %s (%u bytes, stamp 0x%08x)\n", d.objs[i].name, d.objs[i].gcda_len,
                       d.objs[i].stamp);
        }
        return 0;
    }

    if (want > (long)n_dumps)
        fail("%s: --dump %ld asked, but the input holds %zu dump(s)", file, want, n_dumps);
    {
        size_t k = want == -1 ? n_dumps - 1 : (size_t)want - 1;

        err = parse_dump(&in, offsets[k], &d);
        if (err)
            fail("%s: dump %zu of %zu refused: %s%s", file, k + 1, n_dumps, err,
                 n_dumps > 1 ? " (--list shows the dumps, --dump N picks one)" : "");
    }
    for (uint32_t i = 0; i < d.count; i++) {
        struct object *o = &d.objs[i];

        if (o->version != d.gcov_version)
            fail("%s: object %s has gcov version 0x%08x, the dump 0x%08x", file, o->name,
                 o->version, d.gcov_version);
        if (gcov_major(o->version) != d.gcc_major)
            fail("%s: the runtime was built for the GCC %u layout but %s comes from GCC %u: "
                 "rebuild the coverage runtime with the same compiler",
                 file, d.gcc_major, o->name, gcov_major(o->version));
        o->path = apply_maps(o->name, maps, n_maps);
    }
    check_stamps(&d);

    /* Build (and so check) every image first, then write them all. */
    out = xmalloc(d.count * sizeof(*out));
    out_len = xmalloc(d.count * sizeof(*out_len));
    for (uint32_t i = 0; i < d.count; i++) {
        struct object *o = &d.objs[i];

        out[i] = xmalloc(o->gcda_len);
        out_len[i] = raw ? o->gcda_len : canonical_gcda(o, out[i]);
        if (raw)
            memcpy(out[i], o->gcda, o->gcda_len);
    }
    for (uint32_t i = 0; i < d.count && !check; i++)
        write_file(d.objs[i].path, out[i], out_len[i]);
    if (!quiet)
        printf("%s: dump %zu of %zu (sequence %u, %u objects, %zu bytes): %s\n", file,
               want == -1 ? n_dumps : (size_t)want, n_dumps, d.sequence, d.count, d.total,
               check ? "checked, nothing written" : "wrote the .gcda files");
    return 0;
}

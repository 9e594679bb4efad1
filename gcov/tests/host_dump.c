/* Linked into the sample program in place of libgcov, together with the
 * hypervisor's coverage runtime (xen/common/coverage/gcov.c). At exit it
 * writes what a dump channel would carry: console text, a dump, more text,
 * then (after gcov_reset()) a second dump, then text. It exits with status 3
 * if gcov_dump_size() differs from the bytes gcov_dump() produced. Not
 * instrumented itself. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <xen/gcov.h>

static int file_sink(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : 5;
}

static void dump_checked(FILE *f)
{
    size_t size = gcov_dump_size();
    long start = ftell(f);

    if (gcov_dump(file_sink, f) || (size_t)(ftell(f) - start) != size) {
        fprintf(stderr, "host_dump: dump failed or size %zu differs from %ld written\n", size,
                ftell(f) - start);
        _exit(3);
    }
}

__attribute__((destructor)) static void dump_at_exit(void)
{
    const char *path = getenv("GCOV_DUMP_FILE");
    FILE *f;

    if (!path)
        return;
    f = fopen(path, "wb");
    if (!f) {
        perror(path);
        _exit(4);
    }
    fputs("(XEN) console text before the dump\r\n", f);
    dump_checked(f);
    fputs("\r\n(XEN) text between two dumps\r\n", f);
    gcov_reset();
    dump_checked(f);
    fputs("(XEN) trailing text\r\n", f);
    fclose(f);
}

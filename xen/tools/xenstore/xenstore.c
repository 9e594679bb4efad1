/*
 * Command-line tools for xenstored's socket: xenstore-read, -write, -ls,
 * -list, -rm, -mkdir, -chmod, -watch. Run as "xenstore CMD ARGS" or through
 * a link named xenstore-CMD. The socket comes from -s PATH or
 * $XENSTORED_SOCKET.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_client.h"

static int fail(struct xs_handle *h, const char *cmd, const char *path)
{
    fprintf(stderr, "xenstore-%s: %s: %s\n", cmd, path, xs_error(h));
    return 1;
}

static int cmd_read(struct xs_handle *h, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        char *v = xs_read(h, 0, argv[i], NULL);

        if (!v)
            return fail(h, "read", argv[i]);
        printf("%s\n", v);
        free(v);
    }
    return 0;
}

static int cmd_write(struct xs_handle *h, int argc, char **argv)
{
    if (argc == 0 || argc % 2) {
        fprintf(stderr, "xenstore-write: want PATH VALUE pairs\n");
        return 2;
    }
    for (int i = 0; i < argc; i += 2)
        if (xs_write(h, 0, argv[i], argv[i + 1], (uint32_t)strlen(argv[i + 1])))
            return fail(h, "write", argv[i]);
    return 0;
}

static int each_path(struct xs_handle *h, int argc, char **argv, const char *name,
                     int (*fn)(struct xs_handle *, uint32_t, const char *))
{
    for (int i = 0; i < argc; i++)
        if (fn(h, 0, argv[i]))
            return fail(h, name, argv[i]);
    return 0;
}

static int cmd_list(struct xs_handle *h, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        unsigned n;
        char **d = xs_directory(h, 0, argv[i], &n);

        if (!d)
            return fail(h, "list", argv[i]);
        for (unsigned k = 0; k < n; k++)
            printf("%s\n", d[k]);
        free(d);
    }
    return 0;
}

static int ls_tree(struct xs_handle *h, const char *path, int depth)
{
    unsigned n;
    char **d = xs_directory(h, 0, path, &n);

    if (!d)
        return fail(h, "ls", path);
    for (unsigned k = 0; k < n; k++) {
        size_t len = strlen(path) + strlen(d[k]) + 2;
        char *child = malloc(len);
        char *v;

        if (!child)
            break;
        snprintf(child, len, "%s%s%s", path, strcmp(path, "/") ? "/" : "", d[k]);
        v = xs_read(h, 0, child, NULL);
        printf("%*s%s = \"%s\"\n", depth, "", d[k], v ? v : "");
        free(v);
        if (ls_tree(h, child, depth + 1)) {
            free(child);
            free(d);
            return 1;
        }
        free(child);
    }
    free(d);
    return 0;
}

static int cmd_ls(struct xs_handle *h, int argc, char **argv)
{
    if (argc == 0)
        return ls_tree(h, "/", 0);
    for (int i = 0; i < argc; i++)
        if (ls_tree(h, argv[i], 0))
            return 1;
    return 0;
}

static int cmd_chmod(struct xs_handle *h, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "xenstore-chmod: want PATH PERM... (PERM like b0, r5, n1)\n");
        return 2;
    }
    if (xs_set_perms(h, 0, argv[0], (const char *const *)argv + 1, (unsigned)argc - 1))
        return fail(h, "chmod", argv[0]);
    return 0;
}

static int cmd_watch(struct xs_handle *h, int argc, char **argv)
{
    long count = -1;

    if (argc >= 2 && !strcmp(argv[0], "-n")) {
        count = strtol(argv[1], NULL, 10);
        argc -= 2;
        argv += 2;
    }
    if (argc != 1) {
        fprintf(stderr, "xenstore-watch: want [-n COUNT] PATH\n");
        return 2;
    }
    if (xs_watch(h, argv[0], "cli"))
        return fail(h, "watch", argv[0]);
    while (count != 0) {
        char *path, *token;
        int r = xs_read_watch(h, &path, &token, -1);

        if (r < 0)
            return fail(h, "watch", argv[0]);
        printf("%s\n", path);
        fflush(stdout);
        free(path);
        free(token);
        if (count > 0)
            count--;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    const char *sock = NULL, *cmd;
    struct xs_handle *h;
    int rc;

    argc--;
    argv++;
    if (!strncmp(prog, "xenstore-", 9)) {
        cmd = prog + 9;
    } else {
        if (argc >= 2 && !strcmp(argv[0], "-s")) {
            sock = argv[1];
            argc -= 2;
            argv += 2;
        }
        if (argc < 1)
            goto usage;
        cmd = argv[0];
        argc--;
        argv++;
    }
    if (argc >= 2 && !strcmp(argv[0], "-s")) {
        sock = argv[1];
        argc -= 2;
        argv += 2;
    }
    h = xs_open(sock);
    if (!h) {
        fprintf(stderr, "xenstore: cannot connect to %s (use -s PATH or XENSTORED_SOCKET)\n",
                sock                         ? sock
                : getenv("XENSTORED_SOCKET") ? getenv("XENSTORED_SOCKET")
                                             : "(unset)");
        return 1;
    }
    if (!strcmp(cmd, "read"))
        rc = cmd_read(h, argc, argv);
    else if (!strcmp(cmd, "write"))
        rc = cmd_write(h, argc, argv);
    else if (!strcmp(cmd, "rm"))
        rc = each_path(h, argc, argv, "rm", xs_rm);
    else if (!strcmp(cmd, "mkdir"))
        rc = each_path(h, argc, argv, "mkdir", xs_mkdir);
    else if (!strcmp(cmd, "list"))
        rc = cmd_list(h, argc, argv);
    else if (!strcmp(cmd, "ls"))
        rc = cmd_ls(h, argc, argv);
    else if (!strcmp(cmd, "chmod"))
        rc = cmd_chmod(h, argc, argv);
    else if (!strcmp(cmd, "watch"))
        rc = cmd_watch(h, argc, argv);
    else {
        xs_close(h);
        goto usage;
    }
    xs_close(h);
    return rc;
usage:
    fprintf(stderr, "usage: xenstore [-s SOCKET] read|write|rm|mkdir|list|ls|chmod|watch ARGS\n");
    return 2;
}

/* Console output, panics and assertions. */
#ifndef XEN_LIB_H
#define XEN_LIB_H

#include <xen/types.h>

/* Log levels, as for `loglvl=`: a message prints when its level is at or
 * below the threshold. A message without a prefix is XENLOG_INFO. */
#define XENLOG_ERR     "<0>"
#define XENLOG_WARNING "<1>"
#define XENLOG_INFO    "<2>"
#define XENLOG_DEBUG   "<3>"

void printk(const char *fmt, ...) __printf(1, 2);
/* printk() that does not wait for the serial line (common/console.c). */
void printk_nowait(const char *fmt, ...) __printf(1, 2);
/* Days since 1970-01-01 of year y, month m (1-12), day d (lib/date.c). */
int64_t days_from_civil(int y, unsigned int m, unsigned int d);
void vprintk(const char *fmt, va_list args);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void __noreturn panic(const char *fmt, ...) __printf(1, 2);

#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(c)                                                                                  \
    do {                                                                                           \
        if (unlikely(c))                                                                           \
            panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__);                                  \
    } while (0)
#ifdef CONFIG_DEBUG
#define ASSERT(c)                                                                                  \
    do {                                                                                           \
        if (unlikely(!(c)))                                                                        \
            panic("Assertion '%s' failed at %s:%d", #c, __FILE__, __LINE__);                       \
    } while (0)
#else
#define ASSERT(c) ((void)0)
#endif

/* Parsing helpers shared by the command line and the boot settings. */
unsigned long long simple_strtoull(const char *s, const char **end, unsigned int base);
long long simple_strtoll(const char *s, const char **end, unsigned int base);
/* "16M", "4096", "2G", "64k": bytes. Returns false on a malformed value. */
bool parse_size(const char *s, const char **end, uint64_t *out);

#endif

/* A minimal test harness: each TEST() is a function; CHECK() records a
 * failure with its line and keeps going; the run prints one line per test
 * and ends with "N passed, N failed". */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdio.h>

struct test {
    const char *name;
    void (*fn)(void);
};

extern int test_failures;

#define TEST(n)                                                                                    \
    static void n(void);                                                                           \
    static const struct test test_##n __attribute__((used, section("unit_tests"))) = {#n, n};      \
    static void n(void)

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);                       \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (strcmp(a_, b_)) {                                                                      \
            printf("    %s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, a_, b_);            \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#endif

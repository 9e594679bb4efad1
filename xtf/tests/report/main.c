/**
 * @file
 * Reporting self test, one variation per outcome.  Proves that each way a
 * test can end reaches the runner as the right result: SUCCESS, SUCCESS
 * with warnings, SKIP, ERROR, FAILURE, status only rising (a FAILURE stays
 * a FAILURE after a later SUCCESS), no status reported (ERROR), a panic and
 * an unhandled exception (CRASH: no result line) and a hang (CRASH by
 * timeout).  The make check suite runs it and compares each result.
 *
 * @category special
 * @envs hvm64 hvm32
 * @needs none
 * @needs ~skip absent
 * @variations success warning skip error failure rising nostatus panic fault hang
 */
#include <xtf.h>

const char test_title[] = "Reporting self test";

void test_main(void)
{
    const char *v = test_variation;

    if (!strcmp(v, "success"))
        xtf_success(NULL);
    else if (!strcmp(v, "warning")) {
        xtf_warning("Warning: something odd\n");
        xtf_success(NULL);
    } else if (!strcmp(v, "skip"))
        xtf_skip("Skip: not applicable\n");
    else if (!strcmp(v, "error"))
        xtf_error("Error: broken setup\n");
    else if (!strcmp(v, "failure"))
        xtf_failure("Fail: wrong answer\n");
    else if (!strcmp(v, "rising")) {
        xtf_skip(NULL);
        xtf_failure("Fail: first\n");
        xtf_error(NULL);
        xtf_success(NULL);
    } else if (!strcmp(v, "nostatus"))
        return;
    else if (!strcmp(v, "panic"))
        panic("deliberate panic");
    else if (!strcmp(v, "fault"))
        asm volatile("ud2a");
    else if (!strcmp(v, "hang"))
        for (;;)
            asm volatile("cli; hlt");
}

/**
 * @file
 * Example: the smallest test.  Proves that a test kernel boots in each
 * environment, prints through the console and reports SUCCESS.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs none
 */
#include <xtf.h>

const char test_title[] = "Hello World";

void test_main(void)
{
    printk("Hello World\n");
    xtf_success(NULL);
}

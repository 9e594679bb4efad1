/**
 * @file
 * Hostile boot images.  Bug class: an ELF loader trusting header fields
 * (out-of-bounds reads of the image, writes outside the domain's memory,
 * jumping to a bogus entry).  Proves that truncated images, bad magic or
 * machine, program headers or segments outside the image, segments outside
 * or below the domain's memory, a missing PVH entry note and a malformed
 * note are each refused with a reason, while this domain (built in the same
 * boot, between them) runs to completion, and nothing leaks.
 *
 * @category security
 * @envs hvm64
 * @needs hypervisor
 * @companion truncated image=hostile-truncated refused
 * @companion badmagic image=hostile-badmagic refused
 * @companion badmachine image=hostile-badmachine refused
 * @companion phoff image=hostile-phoff refused
 * @companion phnum image=hostile-phnum refused
 * @companion filesz image=hostile-filesz refused
 * @companion memsz image=hostile-memsz refused
 * @companion lowload image=hostile-lowload refused
 * @companion highload image=hostile-highload refused
 * @companion noentry image=hostile-noentry refused
 * @companion badnote image=hostile-badnote refused
 * @companion good test=example
 */
#include <xtf.h>

const char test_title[] = "Hostile ELF images refused";

void test_main(void)
{
    xtf_require_hypervisor();
    /* Reaching here while the hostile modules were refused is the proof;
     * the runner checks each refusal on the hypervisor's console. */
    xtf_success(NULL);
}

/* Host-side environment for the emulator tests: a small sparse guest memory
 * (4 KiB pages at chosen linear addresses, optionally read-only), an I/O port
 * log, CPUID/CR/MSR stand-ins, and helpers to set up processor modes. */
#ifndef EMULATE_HARNESS_H
#define EMULATE_HARNESS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <xen/x86-emulate.h>

#define ENV_PAGES 16

struct env_page {
    uint64_t va; /* page-aligned linear address */
    bool used;
    bool ro;
    uint8_t data[4096];
};

struct env {
    struct env_page pages[ENV_PAGES];
    char iolog[1024]; /* "o1:80=12,i2:60," ... */
    uint64_t crs[9];
    uint64_t msr_index, msr_value; /* one MSR that exists */
    unsigned int fetches, reads, writes;
    unsigned int cmpxchgs; /* atomic replacements asked for */
    bool cmpxchg_fail;     /* pretend another CPU changed the memory */
};

extern const struct x86_emulate_ops env_ops;

void env_init(struct env *env);
struct env_page *env_map(struct env *env, uint64_t va); /* maps (zeroed) if needed */
struct env_page *env_find(struct env *env, uint64_t va);
int env_poke(struct env *env, uint64_t va, const void *buf, size_t n);
int env_peek(struct env *env, uint64_t va, void *buf, size_t n);
uint32_t env_io_value(uint16_t port, unsigned int bytes);

/* Register file presets. */
void regs_mode64(struct x86_regs *r);
void regs_mode32(struct x86_regs *r); /* flat protected mode, CPL 0 */
void regs_compat(struct x86_regs *r); /* long mode, 32-bit code segment */
void regs_mode16(struct x86_regs *r); /* real mode */

#endif

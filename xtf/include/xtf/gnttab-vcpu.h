/*
 * Guest ABI beyond xtf/xen.h for the grant table, vcpu_op and domctl tests:
 * GNTTABOP_copy, runstate info, the HVM vCPU start context and the domctl
 * header with getdomaininfo. Layouts are Xen's, for the build's word size.
 */
#ifndef XTF_GNTTAB_VCPU_H
#define XTF_GNTTAB_VCPU_H

#include <xtf.h>

#ifndef GNTST_bad_page
#define GNTST_bad_page     (-9)
#define GNTST_bad_copy_arg (-10)
#endif
#define GNTMAP_application_map (1u << 3)
#define GNTCOPY_source_gref    (1u << 0)
#define GNTCOPY_dest_gref      (1u << 1)

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        xen_pfn_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
};

struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
};

#define VCPUOP_register_runstate_memory_area 5
#define XEN_RUNSTATE_running                 0
#define XEN_RUNSTATE_offline                 3
#define VCPU_SSHOTTMR_future                 (1u << 0)

/* 48 bytes for 64-bit guests, 44 for 32-bit ones (4-byte aligned u64). */
struct vcpu_runstate_info {
    int state;
    uint64_t state_entry_time;
    uint64_t time[4];
};

struct vcpu_hvm_x86_32 {
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t eip, eflags;
    uint32_t cr0, cr3, cr4;
    uint32_t pad1;
    uint64_t efer __attribute__((aligned(8)));
    uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
    uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
    uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar;
    uint16_t pad2[3];
};

struct vcpu_hvm_x86_64 {
    uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
    uint64_t rip, rflags;
    uint64_t cr0, cr3, cr4, efer;
} __attribute__((aligned(8)));

#define VCPU_HVM_MODE_32B 0
#define VCPU_HVM_MODE_64B 1

struct vcpu_hvm_context {
    uint32_t mode;
    uint32_t pad;
    union {
        struct vcpu_hvm_x86_32 x86_32;
        struct vcpu_hvm_x86_64 x86_64;
    } cpu_regs;
};

#define XEN_DOMCTL_INTERFACE_VERSION 0x00000017
#define XEN_DOMCTL_pausedomain       3
#define XEN_DOMCTL_unpausedomain     4
#define XEN_DOMCTL_getdomaininfo     5
#define XEN_DOMINF_dying             (1u << 0)
#define XEN_DOMINF_hvm_guest         (1u << 1)
#define XEN_DOMINF_running           (1u << 5)

typedef uint64_t uint64_aligned_t __attribute__((aligned(8)));

struct xen_domctl_getdomaininfo {
    domid_t domain;
    uint16_t pad;
    uint32_t flags;
    uint64_aligned_t tot_pages, max_pages, outstanding_pages, shr_pages, paged_pages;
    uint64_aligned_t shared_info_frame, cpu_time;
    uint32_t nr_online_vcpus, max_vcpu_id, ssidref;
    uint8_t handle[16];
    uint32_t cpupool;
    uint8_t gpaddr_bits;
    uint8_t pad2[7];
    uint32_t emulation_flags, misc_flags;
};

struct xen_domctl {
    uint32_t cmd;
    uint32_t interface_version;
    domid_t domain;
    uint16_t pad[3];
    union {
        struct xen_domctl_getdomaininfo getdomaininfo;
        uint8_t raw[128];
    } u __attribute__((aligned(8)));
};

static inline long hypercall_domctl(struct xen_domctl *op)
{
    return hypercall1(__HYPERVISOR_domctl, op);
}

#endif

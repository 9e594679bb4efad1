/* The guest ABI: hypercall numbers, errno values and common structures,
 * as Xen's public interface defines them. Only public ABI lives here. */
#ifndef PUBLIC_XEN_H
#define PUBLIC_XEN_H

#include <xen/types.h>

#define __HYPERVISOR_set_trap_table          0
#define __HYPERVISOR_mmu_update              1
#define __HYPERVISOR_set_gdt                 2
#define __HYPERVISOR_stack_switch            3
#define __HYPERVISOR_set_callbacks           4
#define __HYPERVISOR_fpu_taskswitch          5
#define __HYPERVISOR_sched_op_compat         6
#define __HYPERVISOR_platform_op             7
#define __HYPERVISOR_set_debugreg            8
#define __HYPERVISOR_get_debugreg            9
#define __HYPERVISOR_update_descriptor       10
#define __HYPERVISOR_memory_op               12
#define __HYPERVISOR_multicall               13
#define __HYPERVISOR_update_va_mapping       14
#define __HYPERVISOR_set_timer_op            15
#define __HYPERVISOR_event_channel_op_compat 16
#define __HYPERVISOR_xen_version             17
#define __HYPERVISOR_console_io              18
#define __HYPERVISOR_physdev_op_compat       19
#define __HYPERVISOR_grant_table_op          20
#define __HYPERVISOR_vm_assist               21
#define __HYPERVISOR_iret                    23
#define __HYPERVISOR_vcpu_op                 24
#define __HYPERVISOR_set_segment_base        25
#define __HYPERVISOR_mmuext_op               26
#define __HYPERVISOR_xsm_op                  27
#define __HYPERVISOR_nmi_op                  28
#define __HYPERVISOR_sched_op                29
#define __HYPERVISOR_callback_op             30
#define __HYPERVISOR_xenoprof_op             31
#define __HYPERVISOR_event_channel_op        32
#define __HYPERVISOR_physdev_op              33
#define __HYPERVISOR_hvm_op                  34
#define __HYPERVISOR_sysctl                  35
#define __HYPERVISOR_domctl                  36
#define __HYPERVISOR_kexec_op                37
#define __HYPERVISOR_argo_op                 39
#define __HYPERVISOR_xenpmu_op               40
#define __HYPERVISOR_dm_op                   41
#define __HYPERVISOR_hypfs_op                42
#define NR_HYPERCALLS                        64

/* Errno values returned (negated) by hypercalls. */
#define EPERM      1
#define ENOENT     2
#define ESRCH      3
#define EINTR      4
#define EIO        5
#define ENXIO      6
#define E2BIG      7
#define EAGAIN     11
#define ENOMEM     12
#define EACCES     13
#define EFAULT     14
#define EBUSY      16
#define EEXIST     17
#define EXDEV      18
#define ENODEV     19
#define EINVAL     22
#define ENOSPC     28
#define EDOM       33
#define ERANGE     34
#define ENOSYS     38
#define ENODATA    61
#define EILSEQ     84
#define EOPNOTSUPP 95
#define ENOBUFS    105
#define ETIMEDOUT  110
#define EALREADY   114

typedef uint16_t domid_t;
#define DOMID_FIRST_RESERVED 0x7FF0U
#define DOMID_SELF           0x7FF0U
#define DOMID_IO             0x7FF1U
#define DOMID_XEN            0x7FF2U
#define DOMID_COW            0x7FF3U
#define DOMID_INVALID        0x7FF4U
#define DOMID_IDLE           0x7FFFU

/* console_io */
#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

/* vm_assist */
#define VMASST_CMD_enable  0
#define VMASST_CMD_disable 1

/* Shared info page and per-vCPU info (x86-64 layout). */
#define XEN_LEGACY_MAX_VCPUS 32

struct arch_vcpu_info {
    uint64_t cr2;
    uint64_t pad;
};

struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad1[2];
};

struct vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint8_t pad0[6];
    uint64_t evtchn_pending_sel;
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};

struct arch_shared_info {
    uint64_t max_pfn;
    uint64_t pfn_to_mfn_frame_list_list;
    uint64_t nmi_reason;
    uint64_t p2m_cr3;
    uint64_t p2m_vaddr;
    uint64_t p2m_generation;
};

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[64];
    uint64_t evtchn_mask[64];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
    struct arch_shared_info arch;
};

#endif

/* Grant tables (versions 1 and 2), as Xen's public interface defines them: the
 * grant_table_op sub-ops, their argument structures (64-bit layout; 32-bit
 * callers' layouts are handled where they are read), status codes and the
 * flags of a shared grant entry. */
#ifndef PUBLIC_GRANT_TABLE_H
#define PUBLIC_GRANT_TABLE_H

#include <xen/types.h>
#include <public/xen.h>

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/* A shared entry of a version 1 table: written by the granting guest. */
struct grant_entry_v1 {
    uint16_t flags;
    domid_t domid;  /* the domain allowed to use the grant */
    uint32_t frame; /* the granted frame (a gfn for translated guests) */
};

/* A shared entry of a version 2 table (16 bytes): the header as in v1;
 * a full-page grant has its frame at offset 8, a sub-page grant its offset
 * and length at 4 and 6. The busy bits (GTF_reading/GTF_writing) live in
 * separate status frames, one 16-bit word per entry. */
struct grant_entry_header {
    uint16_t flags;
    domid_t domid;
};

union grant_entry_v2 {
    struct grant_entry_header hdr;
    struct {
        struct grant_entry_header hdr;
        uint32_t pad0;
        uint64_t frame;
    } full_page;
    struct {
        struct grant_entry_header hdr;
        uint16_t page_off;
        uint16_t length;
        uint64_t frame;
    } sub_page;
    struct {
        struct grant_entry_header hdr;
        domid_t trans_domid;
        uint16_t pad0;
        grant_ref_t gref;
    } transitive;
    uint32_t spacer[4];
};

typedef uint16_t grant_status_t;

#define GTF_transitive 3

struct gnttab_get_status_frames {
    uint32_t nr_frames;  /* in */
    domid_t dom;         /* in */
    int16_t status;      /* out */
    uint64_t frame_list; /* in: guest handle of uint64_t[nr_frames] */
};

/* 32-bit callers: the handle is 4 bytes. */
struct compat_gnttab_get_status_frames {
    uint32_t nr_frames;
    domid_t dom;
    int16_t status;
    uint32_t frame_list;
};

#define GTF_invalid            0
#define GTF_permit_access      1
#define GTF_accept_transfer    2
#define GTF_transfer_completed 2
#define GTF_type_mask          3
#define GTF_readonly           (1u << 2)
#define GTF_reading            (1u << 3)
#define GTF_writing            (1u << 4)
#define GTF_PWT                (1u << 5)
#define GTF_PCD                (1u << 6)
#define GTF_PAT                (1u << 7)
#define GTF_sub_page           (1u << 8)

#define GNTTABOP_map_grant_ref     0
#define GNTTABOP_unmap_grant_ref   1
#define GNTTABOP_setup_table       2
#define GNTTABOP_dump_table        3
#define GNTTABOP_transfer          4
#define GNTTABOP_copy              5
#define GNTTABOP_query_size        6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version       8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version       10
#define GNTTABOP_swap_grant_ref    11
#define GNTTABOP_cache_flush       12

#define GNTMAP_device_map      (1u << 0)
#define GNTMAP_host_map        (1u << 1)
#define GNTMAP_readonly        (1u << 2)
#define GNTMAP_application_map (1u << 3)
#define GNTMAP_contains_pte    (1u << 4)

#define GNTST_okay              0
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)
#define GNTST_address_too_big   (-11)
#define GNTST_eagain            (-12)
#define GNTST_no_space          (-13)

struct gnttab_map_grant_ref {
    uint64_t host_addr;    /* in: guest-physical address for HVM callers */
    uint32_t flags;        /* in: GNTMAP_* */
    grant_ref_t ref;       /* in */
    domid_t dom;           /* in: the granting domain */
    int16_t status;        /* out: GNTST_* */
    grant_handle_t handle; /* out */
    uint64_t dev_bus_addr; /* out */
};

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;    /* in */
    uint64_t dev_bus_addr; /* in */
    grant_handle_t handle; /* in */
    int16_t status;        /* out */
};

struct gnttab_setup_table {
    domid_t dom;         /* in */
    uint32_t nr_frames;  /* in */
    int16_t status;      /* out */
    uint64_t frame_list; /* in: guest handle to an array of xen_pfn_t */
};
/* The same for 32-bit callers (4-byte handle, 4-byte xen_pfn_t). */
struct compat_gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status;
    uint32_t frame_list;
};

struct gnttab_query_size {
    domid_t dom;            /* in */
    uint32_t nr_frames;     /* out */
    uint32_t max_nr_frames; /* out */
    int16_t status;         /* out */
};

struct gnttab_set_version {
    uint32_t version; /* in/out */
};

struct gnttab_get_version {
    domid_t dom; /* in */
    uint16_t pad;
    uint32_t version; /* out */
};

#define GNTCOPY_source_gref (1u << 0)
#define GNTCOPY_dest_gref   (1u << 1)

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        uint64_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
};
struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags; /* GNTCOPY_* */
    int16_t status; /* out */
};
/* 32-bit callers: xen_pfn_t is 4 bytes. */
struct compat_gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        uint32_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
};
struct compat_gnttab_copy {
    struct compat_gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
};

#endif

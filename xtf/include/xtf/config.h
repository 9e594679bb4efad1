/* Per-environment configuration, selected by -DCONFIG_ENV_<env> at build time. */
#ifndef XTF_CONFIG_H
#define XTF_CONFIG_H

#if defined(CONFIG_ENV_hvm64)
#define CONFIG_64BIT         1
#define CONFIG_PAGING_LEVELS 4
#define ENVIRONMENT_NAME     "hvm64"
#define ENVIRONMENT_DESC     "HVM 64bit (Long mode 4 levels)"
#elif defined(CONFIG_ENV_hvm32pae)
#define CONFIG_PAGING_LEVELS 3
#define ENVIRONMENT_NAME     "hvm32pae"
#define ENVIRONMENT_DESC     "HVM 32bit (PAE 3 levels)"
#elif defined(CONFIG_ENV_hvm32pse)
#define CONFIG_PAGING_LEVELS 2
#define ENVIRONMENT_NAME     "hvm32pse"
#define ENVIRONMENT_DESC     "HVM 32bit (PSE 2 levels)"
#elif defined(CONFIG_ENV_hvm32)
#define CONFIG_PAGING_LEVELS 0
#define ENVIRONMENT_NAME     "hvm32"
#define ENVIRONMENT_DESC     "HVM 32bit (No paging)"
#else
#error "No environment selected (CONFIG_ENV_<env>)"
#endif

#define CONFIG_HVM 1

/* Segment selectors (the GDT is in arch/x86/head.S). */
#define GDTE_KERN_CS64 1
#define GDTE_KERN_CS32 2
#define GDTE_KERN_DS   3
#define GDTE_USER_CS64 4
#define GDTE_USER_CS32 5
#define GDTE_USER_DS   6
#define GDTE_TSS       7

#define KERN_CS64 (GDTE_KERN_CS64 << 3)
#define KERN_CS32 (GDTE_KERN_CS32 << 3)
#define KERN_DS   (GDTE_KERN_DS << 3)
#define USER_CS64 ((GDTE_USER_CS64 << 3) | 3)
#define USER_CS32 ((GDTE_USER_CS32 << 3) | 3)
#define USER_DS   ((GDTE_USER_DS << 3) | 3)
#define TSS_SEL   (GDTE_TSS << 3)

#ifdef CONFIG_64BIT
#define KERN_CS KERN_CS64
#define USER_CS USER_CS64
#else
#define KERN_CS KERN_CS32
#define USER_CS USER_CS32
#endif

/* Interrupt vectors used by the framework itself. */
#define X86_VEC_RET2KERN 0x20 /* user mode returns to the kernel (DPL 3) */
#define X86_VEC_USER     0x21 /* spare vector a test may hook (DPL 3) */
#define X86_NR_VECTORS   0x30

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096

#endif /* XTF_CONFIG_H */

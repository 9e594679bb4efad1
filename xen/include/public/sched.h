/* sched_op and its argument structures. */
#ifndef PUBLIC_SCHED_H
#define PUBLIC_SCHED_H

#include <public/xen.h>

#define SCHEDOP_yield           0
#define SCHEDOP_block           1
#define SCHEDOP_shutdown        2
#define SCHEDOP_poll            3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code   5
#define SCHEDOP_watchdog        6
#define SCHEDOP_pin_override    7

#define SHUTDOWN_poweroff   0
#define SHUTDOWN_reboot     1
#define SHUTDOWN_suspend    2
#define SHUTDOWN_crash      3
#define SHUTDOWN_watchdog   4
#define SHUTDOWN_soft_reset 5
#define SHUTDOWN_MAX        5

struct sched_shutdown {
    uint32_t reason;
};

struct sched_poll {
    uint64_t ports; /* guest handle to evtchn_port_t[] */
    uint32_t nr_ports;
    uint32_t pad;
    uint64_t timeout;
};

struct sched_remote_shutdown {
    domid_t domain_id;
    uint16_t pad;
    uint32_t reason;
};

struct sched_watchdog {
    uint32_t id;
    uint32_t timeout;
};

#endif

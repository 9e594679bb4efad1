/**
 * @file
 * SCHEDOP_remote_shutdown, privileged and not.  Bug class: a guest shutting
 * down other domains without privilege.  A privileged primary proves bad
 * reasons give -EINVAL, a bad pointer -EFAULT, an absent domain -ESRCH, and
 * that remote_shutdown(poweroff) of its companion (victim, which would
 * otherwise block for 20 s and fail) ends that domain: getdomaininfo stops
 * reporting it.  An unprivileged companion (unpriv) proves it gets -EPERM
 * for the primary and the victim, and that both stay alive.
 *
 * @category security
 * @envs hvm64 hvm32
 * @needs hypervisor memory
 * @domain priv=1
 * @companion victim
 * @companion unpriv
 */
#include <xtf.h>
#include <xtf/evtchn.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "SCHEDOP_remote_shutdown";

#define TRIES 200000

static long remote(domid_t dom, unsigned int reason)
{
    struct sched_remote_shutdown rs = {.domain_id = dom, .reason = reason};

    return hypercall_sched_op(SCHEDOP_remote_shutdown, &rs);
}

static domid_t one_domid(const char *role)
{
    domid_t id;

    if (xtf_domids(role, &id, 1) != 1)
        panic("no domid for role %s on the command line\n", role);
    return id;
}

/* True while getdomaininfo still reports `dom` (and it is not dying). */
static bool alive(domid_t dom)
{
    struct xen_domctl op = {.cmd = XEN_DOMCTL_getdomaininfo,
                            .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
                            .domain = dom};

    if (hypercall_domctl(&op))
        return false;
    return op.u.getdomaininfo.domain == dom &&
           !(op.u.getdomaininfo.flags & (XEN_DOMINF_dying | (1u << 2) /* shutdown */));
}

static void victim(void)
{
    struct shared_info *s;
    long rc;

    s = map_shared_info(&rc);
    if (!s)
        return xtf_failure("Fail: shared info: %ld\n", rc);
    set_timer_op(xen_system_time(s) + 20000000000ull);
    for (;;) {
        hypercall_sched_op(SCHEDOP_block, NULL);
        if (xen_system_time(s) > 19000000000ull)
            break;
    }
    xtf_failure("Fail: nobody shut this domain down\n");
}

static void unpriv(void)
{
    xtf_expect_rc("remote_shutdown of the primary", remote(one_domid("primary"), SHUTDOWN_poweroff),
                  -EPERM);
    xtf_expect_rc("remote_shutdown of the victim", remote(one_domid("victim"), SHUTDOWN_crash),
                  -EPERM);
    if (xtf_status_is_success())
        xtf_success(NULL);
}

static void primary(void)
{
    domid_t v = one_domid("victim");
    unsigned int i;

    xtf_expect_rc("bad reason", remote(v, 77), -EINVAL);
    xtf_expect_rc("bad pointer", hypercall_sched_op(SCHEDOP_remote_shutdown, XTF_BAD_PTR), -EFAULT);
    xtf_expect_rc("absent domain", remote(4000, SHUTDOWN_poweroff), -ESRCH);
    if (!alive(v))
        return xtf_failure("Fail: the victim d%u is not there to begin with\n", v);
    xtf_expect_rc("remote_shutdown of the victim", remote(v, SHUTDOWN_poweroff), 0);
    for (i = 0; i < TRIES && alive(v); i++)
        hypercall_yield();
    if (alive(v))
        xtf_failure("Fail: the victim d%u still runs\n", v);
    if (xtf_status_is_success())
        xtf_success(NULL);
}

void test_main(void)
{
    const char *role;

    xtf_require_hypervisor();
    role = xtf_role();
    if (!strcmp(role, "victim"))
        victim();
    else if (!strcmp(role, "unpriv"))
        unpriv();
    else
        primary();
}

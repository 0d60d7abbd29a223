// libc calls that Swift's Glibc module leaves out because they need _GNU_SOURCE or a header it
// does not include: ppoll (wait for a socket with signals atomically unblocked), prctl (a worker's
// parent-death signal) and mallopt (give large buffers back to the system, keep small ones).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>

static inline int csystem_ppoll_one(int fd, short events, const sigset_t *mask) {
    struct pollfd entry = { .fd = fd, .events = events, .revents = 0 };
    return ppoll(&entry, 1, NULL, mask);
}

static inline int csystem_ppoll_one_timeout(int fd, short events, long milliseconds, const sigset_t *mask) {
    struct pollfd entry = { .fd = fd, .events = events, .revents = 0 };
    struct timespec timeout = { .tv_sec = milliseconds / 1000, .tv_nsec = (milliseconds % 1000) * 1000000L };
    return ppoll(&entry, 1, &timeout, mask);
}

#include <fcntl.h>
#include <unistd.h>

static inline int csystem_pipe_nonblocking(int fds[2]) {
    return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}

// A pipe closed on exec whose ends block: a child's standard input and output (CommandRunner).
static inline int csystem_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

static inline int csystem_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

static inline int csystem_set_mmap_threshold(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes);
}

static inline int csystem_set_trim_threshold(int bytes) {
    return mallopt(M_TRIM_THRESHOLD, bytes);
}

// The version every program prints with --version: `make release` passes
// -Xcc -DHUBSYNC_VERSION='"<git describe>"'; other builds say they are development builds.
#ifndef HUBSYNC_VERSION
#define HUBSYNC_VERSION "0.1.0-dev"
#endif

static inline const char *csystem_version(void) {
    return HUBSYNC_VERSION;
}

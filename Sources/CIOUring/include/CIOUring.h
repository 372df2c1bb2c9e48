/*
 * CIOUring: the few C shims the Swift io_uring backend (IOSimURing) cannot express.
 *
 * Everything here is Linux-only and guarded by __linux__, so the package still builds elsewhere (the Swift
 * side then reports io_uring as unavailable). No liburing: the kernel's own <linux/io_uring.h> describes the
 * ring layout and the three syscalls are called through syscall(2).
 *
 * Return convention (liburing's): the ciouring_setup/enter/register wrappers return the syscall's result
 * (>= 0) on success and -errno on failure; they never leave the answer in the global errno, which a Swift
 * caller could not read reliably across the call boundary.
 */
#ifndef CIOURING_H
#define CIOURING_H

#ifdef __linux__

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/io_uring.h>

/* Why: old libc headers (before 5.1) lack the numbers; they are the same on every architecture since the
 * syscall table unification (liburing's arch/syscall-defs.h does the same). */
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

/* io_uring_setup(2): creates a ring of `entries` SQEs described by `p`; returns the ring fd or -errno. */
static inline int ciouring_setup(unsigned entries, struct io_uring_params *p) {
    long r = syscall(__NR_io_uring_setup, entries, p);
    return r < 0 ? -errno : (int)r;
}

/* io_uring_enter(2) without a signal mask: submits `to_submit` SQEs and, with IORING_ENTER_GETEVENTS, waits
 * for `min_complete` CQEs. Returns the number of SQEs consumed or -errno. */
static inline int ciouring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags) {
    long r = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, (void *)0, (size_t)(_NSIG / 8));
    return r < 0 ? -errno : (int)r;
}

/* io_uring_register(2): registers buffers, files, ... Returns >= 0 or -errno. */
static inline int ciouring_register(int fd, unsigned opcode, const void *arg, unsigned nr_args) {
    long r = syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);
    return r < 0 ? -errno : (int)r;
}

/* getdents64(2), for the thread census's cheap listing of /proc/self/task (Swift's Glibc module does not
 * export SYS_getdents64). Returns the bytes of `struct linux_dirent64` records read, 0 at the end, or -errno. */
static inline long ciouring_getdents64(int fd, void *buffer, size_t count) {
    long r = syscall(SYS_getdents64, fd, buffer, count);
    return r < 0 ? -errno : r;
}

/*
 * Ring index barriers. The kernel documents (io_uring/io_uring.c, "Shared application/kernel submission and
 * completion ring pairs"):
 *   - the application must load the CQ tail with ACQUIRE before reading CQEs, and store the CQ head with
 *     RELEASE after it is done with them, so the kernel does not overwrite an entry still being read;
 *   - the application must fill SQEs and the SQ array before storing the SQ tail with RELEASE, so the kernel
 *     never sees a tail covering a half-written SQE.
 * Swift has no portable atomics on memory it did not allocate (the ring is mmap'ed, shared with the
 * kernel), hence these shims. On x86-64 both compile to plain moves plus a compiler barrier.
 */
static inline uint32_t ciouring_load_acquire_u32(const uint32_t *p) {
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
static inline void ciouring_store_release_u32(uint32_t *p, uint32_t v) {
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}
/* A plain load the compiler may not cache or tear (READ_ONCE): for sq_flags, which the kernel changes. */
static inline uint32_t ciouring_load_relaxed_u32(const uint32_t *p) {
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}
/* Full barrier. Why: with SQPOLL the tail store must be visible to the poller before we read
 * IORING_SQ_NEED_WAKEUP, or both sides can miss each other and the poller sleeps on a full ring
 * (liburing's sq_ring_needs_enter uses io_uring_smp_mb for the same reason). */
static inline void ciouring_full_barrier(void) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Fills a read/write-style SQE. Why in C: io_uring_sqe is a struct of anonymous unions (off/addr2,
 * rw_flags/..., buf_index/buf_group), which Swift imports awkwardly; here it is one memset and seven stores,
 * and `static inline` lets the Swift optimizer inline it into the submission loop.
 */
static inline void ciouring_prep_rw(struct io_uring_sqe *sqe, uint8_t opcode, int32_t fd, uint64_t addr,
                                    uint32_t len, uint64_t offset, uint8_t sqe_flags, uint16_t buf_index,
                                    uint64_t user_data) {
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = opcode;
    sqe->flags = sqe_flags;
    sqe->fd = fd;
    sqe->off = offset;
    sqe->addr = addr;
    sqe->len = len;
    sqe->buf_index = buf_index;
    sqe->user_data = user_data;
}

/* O_DIRECT, read from the .c file. Why: glibc's <fcntl.h> defines O_DIRECT only under _GNU_SOURCE, which is
 * set when this target's .c files compile but not when Swift imports this header. */
extern const int ciouring_o_direct;

/*
 * Cleanup on a fatal signal (SIGINT, SIGTERM). Why in C: a signal handler may only make async-signal-safe
 * calls, and Swift code gives no such guarantee (it may retain, release or allocate). The registry is a fixed
 * table of strdup'ed paths filled before any signal can need it; the handler walks it with unlink(2)/rmdir(2),
 * restores the previous disposition and re-raises, so the process still dies "of" the signal.
 * All functions return 0 on success or -errno.
 */

/* Registers a path to remove on SIGINT/SIGTERM (`is_directory` selects rmdir). Installs the handlers on the
 * first registration. Returns a slot id (>= 0) for ciouring_cleanup_forget, or -ENOSPC if the table is full. */
int ciouring_cleanup_register(const char *path, int is_directory);
/* Forgets a slot (its path was removed normally); uninstalls the handlers when the table becomes empty. */
void ciouring_cleanup_forget(int slot);
/* Number of registered paths (for tests). */
int ciouring_cleanup_count(void);

#endif /* __linux__ */
#endif /* CIOURING_H */

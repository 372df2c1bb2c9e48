/*
 * Removal of the files a real-IO run created when SIGINT or SIGTERM arrives (see CIOUring.h for why in C).
 *
 * Concurrency: registration and forgetting happen on ordinary threads under a mutex; the handler takes no
 * lock (a lock is not async-signal-safe) and reads each slot with an atomic load, so a slot is either seen
 * whole or not at all. Paths are never freed while registered, and a forgotten slot's string is leaked on
 * purpose if a handler could still be reading it (it is a few bytes, once per run).
 */
#ifdef __linux__
#include "CIOUring.h"
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>

const int ciouring_o_direct = O_DIRECT;

enum { CIOURING_CLEANUP_SLOTS = 256 };

struct ciouring_cleanup_slot {
    char *path;        /* NULL: free */
    int is_directory;
};

static struct ciouring_cleanup_slot slots[CIOURING_CLEANUP_SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static int registered;
static int installed;
static struct sigaction previous_int, previous_term;

static void ciouring_cleanup_handler(int sig) {
    int saved = errno;
    /* Files first, then directories (newest first), so a directory is empty when its rmdir comes. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = CIOURING_CLEANUP_SLOTS - 1; i >= 0; i--) {
            char *p = __atomic_load_n(&slots[i].path, __ATOMIC_ACQUIRE);
            if (p == NULL || slots[i].is_directory != pass) continue;
            if (pass == 0) unlink(p); else rmdir(p);
        }
    }
    /* Re-raise with the previous disposition: the default terminates the process with this signal, a
     * program's own handler (a CLI's) still runs. */
    sigaction(sig, sig == SIGINT ? &previous_int : &previous_term, NULL);
    errno = saved;
    raise(sig);
}

int ciouring_cleanup_register(const char *path, int is_directory) {
    char *copy = strdup(path);
    if (copy == NULL) return -ENOMEM;
    pthread_mutex_lock(&slots_lock);
    int slot = -1;
    for (int i = 0; i < CIOURING_CLEANUP_SLOTS; i++) {
        if (slots[i].path == NULL) { slot = i; break; }
    }
    if (slot < 0) {
        pthread_mutex_unlock(&slots_lock);
        free(copy);
        return -ENOSPC;
    }
    slots[slot].is_directory = is_directory;
    __atomic_store_n(&slots[slot].path, copy, __ATOMIC_RELEASE);
    registered++;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = ciouring_cleanup_handler;
        sigemptyset(&sa.sa_mask);
        sigaddset(&sa.sa_mask, SIGINT);
        sigaddset(&sa.sa_mask, SIGTERM);
        sa.sa_flags = SA_RESETHAND;  /* a second Ctrl-C while cleaning up kills at once */
        sigaction(SIGINT, &sa, &previous_int);
        sigaction(SIGTERM, &sa, &previous_term);
        installed = 1;
    }
    pthread_mutex_unlock(&slots_lock);
    return slot;
}

void ciouring_cleanup_forget(int slot) {
    if (slot < 0 || slot >= CIOURING_CLEANUP_SLOTS) return;
    pthread_mutex_lock(&slots_lock);
    char *p = slots[slot].path;
    if (p != NULL) {
        __atomic_store_n(&slots[slot].path, (char *)NULL, __ATOMIC_RELEASE);
        registered--;
        /* The handler may be running on another thread right now (it takes no lock); freeing would race,
         * so the string is leaked unless no handler is installed any more. */
        if (registered == 0 && installed) {
            sigaction(SIGINT, &previous_int, NULL);
            sigaction(SIGTERM, &previous_term, NULL);
            installed = 0;
        }
    }
    pthread_mutex_unlock(&slots_lock);
}

int ciouring_cleanup_count(void) {
    pthread_mutex_lock(&slots_lock);
    int n = registered;
    pthread_mutex_unlock(&slots_lock);
    return n;
}
#endif /* __linux__ */

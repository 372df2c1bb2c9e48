//! Plain POSIX threads for the job, pool and census threads.
//!
//! Why not Swift concurrency or Foundation's Thread: the measurement is about OS threads (their count,
//! names, context switches and CPU), so each must be exactly one named pthread that blocks in the kernel
//! when the workload says so, never a task hopping between executor threads.

import Glibc
import IOSimURing

/// A joinable pthread running a closure.
final class JoinableThread {
    private var thread: pthread_t = 0
    private var joined = false

    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept by the kernel).
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        let r = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            setCurrentThreadName(box.name)
            box.body()
            return nil
        }, box)
        precondition(r == 0, "pthread_create(\(name)) failed: \(Errno(rawValue: r))")
    }

    /// Waits for the thread to end.
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    deinit { precondition(joined, "a JoinableThread was dropped without join()") }
}

/// A pthread barrier for `count` threads.
final class Barrier: @unchecked Sendable {
    private let barrier = UnsafeMutablePointer<pthread_barrier_t>.allocate(capacity: 1)
    init(count: Int) { pthread_barrier_init(barrier, nil, UInt32(count)) }
    /// Blocks until `count` threads have called `wait`.
    func wait() { pthread_barrier_wait(barrier) }
    deinit {
        pthread_barrier_destroy(barrier)
        barrier.deallocate()
    }
}

/// The calling thread's kernel thread id, from the /proc/thread-self link ("PID/task/TID").
/// Why not gettid(): glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not set.
func currentThreadID() -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let n = readlink("/proc/thread-self", &buffer, buffer.count - 1)
    guard n > 0 else { return "" }
    let link = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return link.split(separator: "/").last.map(String.init) ?? ""
}

/// Names the calling thread (what /proc/self/task/TID/comm shows; 15 bytes kept).
/// Why /proc: pthread_setname_np is a GNU extension Swift's Glibc module does not declare.
func setCurrentThreadName(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}


import IOSimCore
import IOSimModel
import Testing

/// Where a buffered io_uring read that misses the page cache copies its data into the program's buffer. The
/// interrupt's deferred routine only unlocks the page and wakes the read's page waiter (io_async_buf_func),
/// which queues the read again as task work; the retried read copies in the context that runs the task work:
/// the owner's io_uring_enter (COOP/DEFER_TASKRUN), the SQ thread (SQPOLL), or the io-wq worker that did the
/// read (IOSQE_ASYNC). Only the model's default task-run mode, which posts the CQE in the deferred routine,
/// copies there too. A 4 KiB copy at the constant scenario's 10 GB/s is 410 ns; a buffered miss costs nothing
/// else more than an O_DIRECT read of one page (pageCacheMiss 0), so the copy is the whole difference.
@Suite struct RingCopyTests {
    static let copy = SimDuration.nanoseconds(410)

    func oneRead(buffered: Bool, taskRun: TaskRunMode, sqpoll: Bool = false, async: Bool = false) throws -> SimulationResult {
        var s = constantCostScenario(cpus: 2)
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20, cached: false, buffered: buffered)]
        s.rings = [RingSpec(name: "ring", entries: 8, sqpoll: sqpoll, taskRun: taskRun)]
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4_096, offset: .fixed(0), ios: 1, async: async))])
        ]
        return try Simulator(s).run()
    }

    /// Kernel time outside interrupts: the syscalls, and the SQ thread's or the worker's work.
    func kernelTime(_ r: SimulationResult) -> SimDuration { r.totalCPU[.syscall] }

    @Test(arguments: [TaskRunMode.cooperative, .deferred])
    func theOwnersTaskWorkCopies(taskRun: TaskRunMode) throws {
        let direct = try oneRead(buffered: false, taskRun: taskRun)
        let buffered = try oneRead(buffered: true, taskRun: taskRun)
        #expect(buffered.totalCPU[.deferred] == direct.totalCPU[.deferred])
        #expect(kernelTime(buffered) - kernelTime(direct) == Self.copy)
    }

    /// With SQPOLL the SQ thread runs the task work, whatever the task-run mode says (the kernel takes none
    /// with SQPOLL but the default): it copies, not the deferred routine.
    @Test(arguments: [TaskRunMode.interrupt, .deferred])
    func theSQThreadCopies(taskRun: TaskRunMode) throws {
        let direct = try oneRead(buffered: false, taskRun: taskRun, sqpoll: true)
        let buffered = try oneRead(buffered: true, taskRun: taskRun, sqpoll: true)
        #expect(buffered.totalCPU[.deferred] == direct.totalCPU[.deferred])
        #expect(kernelTime(buffered) - kernelTime(direct) == Self.copy)
    }

    /// The worker blocks on the device for a buffered miss and copies once it is woken: once, not also in the
    /// deferred routine (which did: 2,410 against 2,000) nor in the owner's task work. With DEFER_TASKRUN the
    /// owner posts the CQE of either read (the worker queues it as task work); the worker's switches are not
    /// kernel time here. So the copy is the whole difference.
    @Test func theWorkerCopiesOnce() throws {
        let direct = try oneRead(buffered: false, taskRun: .deferred, async: true)
        let buffered = try oneRead(buffered: true, taskRun: .deferred, async: true)
        #expect(buffered.totalCPU[.deferred] == direct.totalCPU[.deferred])
        #expect(kernelTime(buffered) - kernelTime(direct) == Self.copy)
    }

    /// Without DEFER_TASKRUN the worker posts the CQE of a read it finished itself (io_req_complete_post), and
    /// the owner has no task work for it: the CQE is paid once, by the worker.
    @Test func aWorkerPostsItsOwnCQEOnlyWithoutDeferTaskrun() throws {
        for taskRun in [TaskRunMode.interrupt, .cooperative, .deferred] {
            var s = constantCostScenario(cpus: 2)
            s.kernel.uringCompletePerCQE = .nanoseconds(500)
            s.files = [FileSpec(name: "data", sizeBytes: 1 << 20, cached: true, buffered: true)]
            s.rings = [RingSpec(name: "ring", entries: 8, taskRun: taskRun)]
            s.threads = [
                ThreadSpec(
                    name: "main",
                    program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4_096, offset: .fixed(0), ios: 1, async: true))])
            ]
            let once = try Simulator(s).run().totalCPU[.syscall]
            s.kernel.uringCompletePerCQE = .zero
            let none = try Simulator(s).run().totalCPU[.syscall]
            #expect(once - none == .nanoseconds(500), "\(taskRun)")
        }
    }

    /// The default task-run mode: the deferred routine posts the CQE, and copies.
    @Test func theDefaultModeCopiesInTheDeferredRoutine() throws {
        let direct = try oneRead(buffered: false, taskRun: .interrupt)
        let buffered = try oneRead(buffered: true, taskRun: .interrupt)
        #expect(buffered.totalCPU[.deferred] - direct.totalCPU[.deferred] == Self.copy)
        #expect(kernelTime(buffered) == kernelTime(direct))
    }
}

import Glibc
import IOSimCore
@testable import IOSimReal
import IOSimURing
import Testing

@Suite("Short real runs of every engine")
struct SmokeTests {
    @Test func blockingPreadReadsTheRequestedNumberOfBlocks() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.blocking, in: dir.path))
        expectSane(m, ios: 300, in: dir)
        #expect(m.threads?.ioWorkersDistinct == 0)
    }

    @Test func aThreadPoolOfFourWorkersReadsTheRequestedNumberOfBlocks() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.threadPool(workers: 4), in: dir.path))
        expectSane(m, ios: 300, in: dir)
        #expect((m.threads?.threadsMax ?? 0) >= 5, "job thread + 4 workers (+ the test runner's)")
    }

    @Test func blockingAndPoolEnginesWriteOnlyTheirOwnFile() throws {
        for engine in [RealJob.Engine.blocking, .threadPool(workers: 2)] {
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            var job = smallJob(engine, in: dir.path, count: 200)
            job.direction = .write
            job.pattern = .sequential
            expectSane(try RealRunner().run(job), ios: 200, in: dir)
        }
    }

    @Test func twoJobThreadsSplitTheIOCount() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path, count: 301)
        job.threads = 2
        let m = try RealRunner().run(job)
        expectSane(m, ios: 301, in: dir)
    }

    @Test func aDurationStopRunsAtLeastThatLongAndCountsEveryIO() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path)
        job.stop = .duration(.milliseconds(150))
        let m = try RealRunner().run(job)
        expectSane(m, in: dir)
        #expect(m.elapsedNanoseconds >= 150_000_000)
    }

    @Test func computePerIOCostsCalibratedCPUOnTheJobThread() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path, count: 40)
        job.computePerIO = .microseconds(500)
        job.caching = .bufferedWarm
        let before = BusyWork.iterationsSpun
        let m = try RealRunner().run(job)
        expectSane(m, ios: 40, in: dir)
        // 40 x 500 us = 20 ms of busy work: every IO's iterations were spun (other tests may spin too, so at
        // least), and they took CPU time on the job threads. The CPU time is held loosely: it moves with the
        // host's load (6.5 ms for these 20 ms once, on a host slowed between calibration and run).
        let perIO = Int(500 * BusyWork.calibrated.iterationsPerMicrosecond)
        #expect(BusyWork.iterationsSpun - before >= 40 * perIO)
        #expect(m.jobThreadsCPUNanoseconds >= 2_000_000, "busy work ran: \(m.jobThreadsCPUNanoseconds) ns of job CPU")
    }

    @Test func busyWorkCalibrationIsPositive() {
        #expect(BusyWork.calibrated.iterationsPerMicrosecond > 0)
    }

    @Test(arguments: [RealJob.Caching.bufferedCold, .bufferedWarm])
    func bufferedReadsRunColdAndWarm(caching: RealJob.Caching) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path)
        job.caching = caching
        expectSane(try RealRunner().run(job), ios: 300, in: dir)
    }

    @Test func theJSONLineCarriesTheKeyFigures() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.blocking, in: dir.path, count: 50))
        let line = m.jsonLine
        for key in ["\"engine\":\"blocking\"", "\"ios\":50", "\"iops\":", "\"lat_p99_ns\":", "\"cpu_per_io_ns\":",
                    "\"sys_softirq_ns\":", "\"disk_irqs\":", "\"ctx_system\":", "\"iou_wrk_distinct\":"] {
            #expect(line.contains(key), "\(key) in \(line)")
        }
        #expect(line.hasPrefix("{") && line.hasSuffix("}") && !line.contains("\n"))
    }
}

@Suite("Short real runs through io_uring", .enabled(if: URingAvailability.isAvailable, URingAvailability.skipReason))
struct URingSmokeTests {
    static let variants: [(String, RealJob.URingOptions)] = [
        ("default (fio's flags, wait for one)", .init()),
        ("peek and spin with DEFER_TASKRUN", .init(waitMode: .peekAndSpin)),
        ("peek and spin without task-run flags", .init(deferTaskRun: false, waitMode: .peekAndSpin)),
        ("registered buffers and files", .init(registeredBuffers: true, registeredFiles: true)),
        ("no DEFER_TASKRUN", .init(deferTaskRun: false)),
        ("fio's loop: each SQE in its own io_uring_enter", .init(waitMode: .submitEach)),
        ("fio's loop without DEFER_TASKRUN", .init(deferTaskRun: false, waitMode: .submitEach)),
    ]

    @Test(arguments: 0..<variants.count)
    func readsCompleteWithSaneMeasurements(variant: Int) throws {
        let (name, options) = Self.variants[variant]
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.ioUring(options), in: dir.path))
        expectSane(m, ios: 300, in: dir)
        #expect(m.threads?.ioWorkersDistinct == 0, "\(name): O_DIRECT reads complete inline, no iou-wrk thread")
    }

    /// fio's loop enters the kernel once per SQE (and to wait when the CQ is empty); the batching loop once per
    /// round of up to queue-depth SQEs: at queue depth 8, at least one enter per IO against clearly fewer.
    @Test func fiosLoopMakesAnEnterPerIOAndTheBatchLoopFewer() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        func enters(_ mode: RealJob.URingOptions.WaitMode) throws -> RealMeasurement {
            var job = smallJob(.ioUring(.init(waitMode: mode)), in: dir.path)
            job.queueDepth = 8
            let m = try RealRunner().run(job)
            expectSane(m, ios: 300, in: dir)
            return m
        }
        let each = try enters(.submitEach)
        let batch = try enters(.waitForOne)
        #expect(each.ringEnters >= each.ios, "fio's loop: \(each.ringEnters) enters for \(each.ios) IOs")
        #expect(batch.ringEnters > 0)
        #expect(batch.ringEnters * 3 < batch.ios * 2, "batch loop: \(batch.ringEnters) enters for \(batch.ios) IOs")
        #expect(each.jsonLine.contains("\"ring_enters\":\(each.ringEnters)"))
    }

    @Test func sqPollingShowsItsPollerThread() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.ioUring(.init(submissionQueuePolling: true, sqThreadIdleMilliseconds: 50)), in: dir.path))
        expectSane(m, ios: 300, in: dir)
        #expect((m.threads?.sqPollThreadsDistinct ?? 0) == 1)
    }

    @Test func theAsyncFlagShowsIOWorkerThreads() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.ioUring(.init(asyncFlag: true)), in: dir.path))
        expectSane(m, ios: 300, in: dir)
        #expect((m.threads?.ioWorkersDistinct ?? 0) >= 1)
    }

    @Test func bufferedRandomWritesWithRegisteredBuffersComplete() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init(registeredBuffers: true)), in: dir.path)
        job.direction = .write
        job.caching = .bufferedCold
        expectSane(try RealRunner().run(job), ios: 300, in: dir)
    }

    @Test func sequentialReadsAtQueueDepthOneWithComputeComplete() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init()), in: dir.path, count: 100)
        job.pattern = .sequential
        job.queueDepth = 1
        job.computePerIO = .microseconds(20)
        expectSane(try RealRunner().run(job), ios: 100, in: dir)
    }

    @Test func aDefaultJobUsesANewTemporaryDirectoryAndRemovesIt() throws {
        var job = RealJob()
        job.fileBytes = 4 << 20
        job.stop = .ioCount(50)
        let m = try RealRunner().run(job)
        #expect(m.ios == 50)
        let directory = String(m.path[..<m.path.lastIndex(of: "/")!])
        #expect(directory.contains("/iosim-real-"))
        #expect(!fileExists(m.path))
        #expect(!fileExists(directory), "the temporary directory was removed")
    }
}

/// `RealJob.cpus` and `sqThreadCPU`: the job threads and the SQPOLL thread are bound where the job says, as the
/// kernel reports back (sched_getaffinity, and the poller's Cpus_allowed_list); CPUs this process may not use
/// are refused before anything is laid out.
@Suite("CPU affinity of real runs")
struct RealAffinityTests {
    @Test func jobThreadsRunOnTheirCPUs() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let cpu = try #require(Affinity.allowedCPUs().last)
        var job = smallJob(.blocking, in: dir.path, count: 200)
        job.threads = 2
        job.cpus = [cpu]
        let m = try RealRunner().run(job)
        expectSane(m, ios: 200, in: dir)
        #expect(m.jobThreadCPUs == [[cpu], [cpu]])
        #expect(m.sqThreadCPUs.isEmpty)
    }

    @Test func unpinnedJobThreadsKeepTheProcesssCPUs() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.blocking, in: dir.path, count: 100))
        #expect(m.jobThreadCPUs == [Affinity.allowedCPUs()])
    }

    @Test(.enabled(if: URingAvailability.isAvailable, URingAvailability.skipReason))
    func theSQPollThreadIsBoundToItsCPU() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let allowed = Affinity.allowedCPUs()
        let cpu = try #require(allowed.first)
        var options = RealJob.URingOptions(submissionQueuePolling: true, sqThreadIdleMilliseconds: 10)
        options.sqThreadCPU = cpu
        var job = smallJob(.ioUring(options), in: dir.path, count: 300)
        job.cpus = [try #require(allowed.last)]
        job.threads = 2  // a ring and a poller each: each job thread reads its own poller's (iou-sqp-<its TID>)
        let m = try RealRunner().run(job)
        expectSane(m, ios: 300, in: dir)
        #expect(m.sqThreadCPUs == [[cpu], [cpu]], "the pollers' Cpus_allowed_list")
        let last = try #require(allowed.last)
        #expect(m.jobThreadCPUs == [[last], [last]])
    }

    /// A CPU beyond the process's affinity (1023 when the process may use it all is out of any small machine).
    var forbiddenCPU: Int? {
        let allowed = Affinity.allowedCPUs()
        return (0..<1024).reversed().first { !allowed.contains($0) }
    }

    @Test func aCPUTheProcessMayNotUseIsRefusedBeforeAnythingIsLaidOut() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let cpu = try #require(forbiddenCPU)
        var job = smallJob(.blocking, in: dir.path)
        job.cpus = [cpu]
        let e = try expectFailure(job)
        #expect(e.kind == .cpusUnavailable)
        #expect(e.description == "CPU \(cpu), named for a job thread, is not one this process may run on")
        #expect(e.hint.contains(RealError.cpuList(Affinity.allowedCPUs())))
        #expect(dir.entries.isEmpty)

        var ring = RealJob.URingOptions(submissionQueuePolling: true)
        ring.sqThreadCPU = cpu
        let e2 = try expectFailure(smallJob(.ioUring(ring), in: dir.path))
        #expect(e2.kind == .cpusUnavailable)
        #expect(e2.description == "CPU \(cpu), named for the SQPOLL thread, is not one this process may run on")
        #expect(dir.entries.isEmpty)

        // sqThreadCPU binds the SQPOLL thread: without SQPOLL it is an invalid job, as the model refuses it.
        var plain = RealJob.URingOptions()
        plain.sqThreadCPU = try #require(Affinity.allowedCPUs().first)
        #expect(try expectFailure(smallJob(.ioUring(plain), in: dir.path)).kind == .invalidJob)
        #expect(dir.entries.isEmpty)
    }

    @Test func cpuListsReadAndWrite() {
        #expect(RealError.cpuList([3, 0, 1, 2, 6]) == "0-3,6")
        #expect(RealError.cpuList([]) == "(none)")
        #expect(Affinity.parseCPUList("\t0-3,6\n") == [0, 1, 2, 3, 6])
    }
}

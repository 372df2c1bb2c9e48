import IOSimCore
import IOSimModel
import IOSimScenario
import Testing

@testable import IOSimReal
@testable import IOSimValidation

/// `Validation.compare`: what it takes from a real measurement.
@Suite struct ComparisonTests {
    /// The thread census's sampler is the measurement's own work: its user and system time come out of the
    /// machine-wide figures before they are divided by the IOs.
    /// The model's run of one blocking 4 KiB read (what it predicts does not matter to these tests).
    func oneRead() throws -> SimulationResult {
        var s = Scenario(name: "one read")
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20)]
        s.threads = [ThreadSpec(name: "main", program: [.io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: .fixed(0), style: .blocking))])]
        return try Simulator(s).run()
    }

    /// A real measurement of 1,000 IOs over 100 ms with `cpu` machine-wide and the census `census`.
    func thousandIOs(cpu: IOSimReal.CPUTime, census: ThreadCensusResult?) -> RealMeasurement {
        RealMeasurement(
            job: RealJob(), path: "data", fileWasCreated: true, ios: 1_000, bytes: 4_096_000, elapsedNanoseconds: 100_000_000,
            latency: Histogram(), processUserNanoseconds: 0, processSystemNanoseconds: 0, jobThreadsCPUNanoseconds: 0,
            voluntaryContextSwitches: 0, involuntaryContextSwitches: 0, systemContextSwitches: 0, systemCPU: cpu, perCPU: [],
            diskInterrupts: 0, diskIRQLines: DiskIRQLines(numbers: [], names: [], method: .none, note: ""), threads: census)
    }

    @Test func theCensusSamplerIsLeftOut() throws {
        let model = try oneRead()
        var cpu = CPUTime()
        cpu.userNanoseconds = 5_000_000
        cpu.systemNanoseconds = 30_000_000
        var census = ThreadCensusResult()
        census.samplerUserNanoseconds = 1_000_000
        census.samplerSystemNanoseconds = 10_000_000
        census.samplerCPUNanoseconds = 11_000_000
        let real = thousandIOs(cpu: cpu, census: census)
        let rows = Validation.compare(model: model, real: real)
        let user = try #require(rows.first { $0.name == "CPU user per IO" })
        let system = try #require(rows.first { $0.name == "CPU system per IO" })
        #expect(user.measured == 4.0)  // (5 ms - 1 ms) / 1,000 IOs, in us
        #expect(system.measured == 20.0)  // (30 ms - 10 ms) / 1,000
    }

    /// With the interrupt time traced, the system time is the busy time the idle time leaves less the traced
    /// interrupt time and the ticks' user time (the ticks' system and softirq are not used); without, the ticks'.
    @Test func tracedSystemTimeComesFromTheIdleTime() throws {
        let model = try oneRead()
        var cpu = CPUTime()
        cpu.userNanoseconds = 5_000_000
        cpu.systemNanoseconds = 30_000_000  // the ticks'
        cpu.softirqNanoseconds = 20_000_000
        cpu.idleNanoseconds = 140_000_000  // of 200 ms on 2 CPUs: 60 ms busy, less 10 ms of steal
        cpu.stealNanoseconds = 10_000_000
        var real = thousandIOs(cpu: cpu, census: nil)
        real.perCPU = [CPUTime(), CPUTime()]
        #expect(real.machineSystemNanoseconds == 30_000_000)  // ticks, untraced
        var traced = InterruptTime()
        traced.irqNanoseconds = 1_000_000
        traced.softirqNanoseconds = 4_000_000
        real.tracedInterruptTime = traced
        // 50 ms busy from the idle time, less 5 ms traced and 5 ms of user time.
        #expect(real.machineSystemNanoseconds == 40_000_000)
        let rows = Validation.compare(model: model, real: real)
        #expect(rows.first { $0.name == "CPU system per IO" }?.measured == 40.0)
        #expect(rows.first { $0.name == "CPU irq+softirq per IO" }?.measured == 5.0)
        // `iosim real` shows it beside the ticks' when traced.
        #expect(real.document(scenario: "s", seed: 1).lookup("system.systemFromIdlePerIONs") == .double(40_000))
        #expect(real.textReport(scenario: "s").contains("system from the idle time, less those and the user time: 40us per IO (the ticks above: 30us per IO)"))
        // More interrupt and user time than the idle time leaves: none, not a negative time.
        traced.softirqNanoseconds = 60_000_000
        real.tracedInterruptTime = traced
        #expect(real.machineSystemNanoseconds == 0)
    }

    /// io_uring workloads are also compared by io_uring_enter calls per IO; the others have no such row.
    @Test func ringEntersAreComparedForIOUringWorkloadsOnly() throws {
        var s = Scenario(name: "ring")
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 20)]
        s.rings = [RingSpec(name: "ring", entries: 8)]
        s.threads = [ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .fixed(0), queueDepth: 1, ios: 10))])]
        let model = try Simulator(s).run()
        #expect(model.ringEnters == 10)  // queue depth 1: each enter submits one read and waits for it
        func real(_ engine: RealJob.Engine, enters: Int) -> RealMeasurement {
            var job = RealJob()
            job.engine = engine
            var m = RealMeasurement(
                job: job, path: "data", fileWasCreated: true, ios: 10, bytes: 40_960, elapsedNanoseconds: 1_000_000,
                latency: Histogram(), processUserNanoseconds: 0, processSystemNanoseconds: 0, jobThreadsCPUNanoseconds: 0,
                voluntaryContextSwitches: 0, involuntaryContextSwitches: 0, systemContextSwitches: 0, systemCPU: CPUTime(), perCPU: [],
                diskInterrupts: 0, diskIRQLines: DiskIRQLines(numbers: [], names: [], method: .none, note: ""), threads: nil)
            m.ringEnters = enters
            return m
        }
        let ring = Validation.compare(model: model, real: real(.ioUring(.init()), enters: 14))
        let row = try #require(ring.first { $0.name == "io_uring_enter per IO" })
        #expect(row.predicted == 1.0 && row.measured == 1.4)
        #expect(!row.passes)
        let blocking = Validation.compare(model: model, real: real(.blocking, enters: 0))
        #expect(!blocking.contains { $0.name == "io_uring_enter per IO" })
    }

    /// Several seeds' runs pooled as one long run: IOs and counts added up, IOPS over the summed time, the p99
    /// of all their IOs together (not of one run, nor a mean of the runs' p99s), kernel threads per run. One run
    /// pooled compares as the run itself.
    @Test func runsWithSeveralSeedsArePooled() throws {
        // Two runs of 200 random reads with a device that stalls now and then: the seeds draw different stalls.
        var s = Scenario(name: "stalls")
        s.files = [FileSpec(name: "data", sizeBytes: 1 << 24)]
        s.rings = [RingSpec(name: "ring", entries: 16)]
        s.device.stallInterval = .microseconds(500)
        s.device.stallDuration = .microseconds(300)
        s.threads = [ThreadSpec(name: "job", program: [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, offset: .random, queueDepth: 8, ios: 200))])]
        let first = try Simulator(s).run()
        s.seed = 2
        let second = try Simulator(s).run()
        #expect(first.iops != second.iops && first.latency.p99 != second.latency.p99)
        let real = thousandIOs(cpu: CPUTime(), census: nil)
        func row(_ rows: [MetricComparison], _ name: String) throws -> Double { try #require(rows.first { $0.name == name }).predicted }

        #expect(Validation.compare(model: ModelPrediction([first]), real: real) == Validation.compare(model: first, real: real))
        let alone = Validation.compare(model: first, real: real)
        #expect(try row(alone, "IOPS") == first.iops)
        #expect(try row(alone, "p99 latency") == (Double(first.latency.p99) + first.stage(.delivery).mean) / 1_000)

        let pooled = ModelPrediction([first, second])
        #expect(pooled.runs == 2 && pooled.iosCompleted == 400)
        let rows = Validation.compare(model: pooled, real: real)
        let elapsed = Double(first.elapsed.nanoseconds + second.elapsed.nanoseconds)
        #expect(try row(rows, "IOPS") == 400 * 1e9 / elapsed)
        var all = first.latencyHistogram
        all.merge(second.latencyHistogram)
        #expect(all.count == 400)
        let delivery = (first.stage(.delivery).mean + second.stage(.delivery).mean) / 2  // 200 IOs each
        #expect(abs(try row(rows, "mean latency") - (all.mean + delivery) / 1_000) < 1e-9)
        #expect(abs(try row(rows, "p99 latency") - (Double(all.percentile(partsPerMillion: 990_000)) + delivery) / 1_000) < 1e-9)
        #expect(try row(rows, "interrupts per IO") == Double(first.interrupts + second.interrupts) / 400)
        #expect(try row(rows, "io_uring_enter per IO") == Double(first.ringEnters + second.ringEnters) / 400)
        // The stalls summed, their times apart pooled.
        #expect(first.deviceStalls > 2 && second.deviceStalls > 2)
        #expect(pooled.deviceStalls == first.deviceStalls + second.deviceStalls)
        #expect(pooled.deviceStallIntervals.count == first.deviceStallIntervals.count + second.deviceStallIntervals.count)
        #expect(pooled.deviceStallIntervals.sumNanoseconds == first.deviceStallIntervals.sumNanoseconds + second.deviceStallIntervals.sumNanoseconds)
        let system = first.totalCPU[.syscall] + second.totalCPU[.syscall] + first.totalCPU[.contextSwitch]
            + second.totalCPU[.contextSwitch] + first.totalCPU[.polling] + second.totalCPU[.polling]
        #expect(abs(try row(rows, "CPU system per IO") - Double(system.nanoseconds) / 400 / 1_000) < 1e-9)
        // Kernel threads: per run (two runs with 2 and 3 make 2.5).
        var withWorkers = (first, second)
        withWorkers.0.threads.kernelCreated = 2
        withWorkers.1.threads.kernelCreated = 3
        #expect(try row(Validation.compare(model: ModelPrediction([withWorkers.0, withWorkers.1]), real: real), "kernel threads") == 2.5)
    }

    /// Interrupt time is the traced one when the run traced it, /proc/stat's ticks otherwise.
    @Test func tracedInterruptTimeReplacesTheTicks() throws {
        let model = try oneRead()
        var cpu = CPUTime()
        cpu.irqNanoseconds = 1_000_000
        cpu.softirqNanoseconds = 500_000
        var real = thousandIOs(cpu: cpu, census: nil)
        func measured() throws -> Double {
            try #require(Validation.compare(model: model, real: real).first { $0.name == "CPU irq+softirq per IO" }).measured
        }
        #expect(try measured() == 1.5)  // (1 ms + 0.5 ms) / 1,000 IOs, in us
        var traced = InterruptTime()
        traced.irqNanoseconds = 900_000
        traced.softirqNanoseconds = 2_900_000
        real.tracedInterruptTime = traced
        #expect(try measured() == 3.8)
    }

    /// The busy time from the idle side: 100 ms on each of two CPUs less idle, iowait and steal, whatever the
    /// ticks counted busy; shown in the report and the JSON beside the ticks' figure.
    @Test func busyTimeFromTheIdleTime() throws {
        var cpu = CPUTime()
        cpu.userNanoseconds = 10_000_000
        cpu.systemNanoseconds = 40_000_000  // the ticks' busy time: 50 ms
        cpu.idleNanoseconds = 90_000_000
        cpu.iowaitNanoseconds = 30_000_000
        cpu.stealNanoseconds = 10_000_000
        var real = thousandIOs(cpu: cpu, census: nil)
        real.perCPU = [CPUTime(), CPUTime()]
        #expect(real.busyFromIdleNanoseconds == 70_000_000)  // 200 ms - 90 - 30 - 10
        #expect(real.jsonLine.contains("\"sys_busy_from_idle_ns\":70000000"))
        #expect(real.textReport(scenario: "s").contains("busy CPU per IO 50us (70us from the idle time)"))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.busyFromIdlePerIONs") == .double(70_000))
        // Never below 0, where /proc/stat's 10 ms units put idle past the elapsed time.
        real.systemCPU.idleNanoseconds = 300_000_000
        #expect(real.busyFromIdleNanoseconds == 0)
    }

    /// The device's stalls of an io_uring run: two gaps of 3.5 ms among 998 of 100 us between the job's reaps, in
    /// a 0.1 s run, are 2 stalls (20 a second); shown in the report, the JSON and the JSON line. A run without
    /// gaps (the blocking engines) shows none of it.
    @Test func theDevicesStallsAreReported() throws {
        var real = thousandIOs(cpu: CPUTime(), census: nil)
        #expect(!real.textReport(scenario: "s").contains("stalls"))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.deviceStalls") == nil)
        #expect(!real.jsonLine.contains("stall"))
        for _ in 0..<998 { real.completionGaps.record(100_000) }
        for _ in 0..<2 { real.completionGaps.record(3_500_000) }
        #expect(real.completionStalls.count == 2)
        let text = real.textReport(scenario: "s")
        let median = real.completionStalls.medianGapNanoseconds
        #expect(abs(Double(median) / 3_500_000 - 1) < 0.02)  // the bucket's middle
        #expect(text.contains("stalls     2 (20.0 a second): gaps between reaps of completions of 1ms or more, median \(Units.formatDuration(nanoseconds: median))"))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.deviceStalls") == .int(2))
        #expect(real.jsonLine.contains("\"stalls\":2,\"stall_gap_median_ns\":"))
        // Two stalls make one interval: no coefficient of variation, so nothing of their times apart.
        real.longCompletionGaps = [[CompletionGap(startNanoseconds: 0, nanoseconds: 3_500_000), CompletionGap(startNanoseconds: 60_000_000, nanoseconds: 3_500_000)]]
        #expect(real.completionStalls.intervals.count == 1)
        #expect(!real.textReport(scenario: "s").contains("apart"))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.deviceStallIntervalCV") == nil)
        #expect(!real.jsonLine.contains("stall_interval_cv"))
        // Three, 40 and 60 ms apart: a mean of 50 ms, a coefficient of variation of 14.14 / 50.
        real.completionGaps.record(3_500_000)
        real.longCompletionGaps = [[-40_000_000, 0, 60_000_000].map { CompletionGap(startNanoseconds: $0, nanoseconds: 3_500_000) }]
        let cv = 200.0.squareRoot() / 50
        #expect(real.textReport(scenario: "s").contains("; 50ms apart on average (coefficient of variation 0.28)"))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.deviceStallIntervalMeanNs") == .double(50_000_000))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.deviceStallIntervalCV") == .double(cv))
        #expect(real.jsonLine.contains("\"stall_interval_cv\":0.283"))
    }

    /// The stalls beside a validation's table, not judged: the model's rate over its pooled runs and their times
    /// apart, the machine's median rate over the repeats whose job could see them and their times apart pooled.
    /// Nothing when neither side stalls; "not seen" for a job that cannot see them (the blocking engines).
    @Test func theStallsAreShownBesideTheTable() throws {
        var model = ModelPrediction(try oneRead())
        let blocking = thousandIOs(cpu: CPUTime(), census: nil)
        #expect(StallComparison(model: model, real: [blocking]) == nil)

        // The model: 10 stalls over two runs of 0.5 s, 40, 60 and 80 ms apart in the intervals it pooled.
        model.elapsedNanoseconds = 1_000_000_000
        model.deviceStalls = 10
        model.deviceStallIntervals = IntervalSpread(instants: [0, 40_000_000, 100_000_000, 180_000_000])
        let unseen = try #require(StallComparison(model: model, real: [blocking]))
        #expect(unseen.measuredPerSecond == nil)
        #expect(unseen.text == "device stalls (not judged): the model's 10.0 a second, 60ms apart on average (coefficient of variation 0.33); "
            + "the machine's not seen (only an io_uring job thread's reaps tell them)\n")
        #expect(unseen.document == .object([JSONMember("modelPerSecond", .double(10)), JSONMember("modelIntervalCV", .double(1.0 / 3))]))

        // The machine: three repeats of 0.1 s with 1, 2 and 4 stalls (10, 20 and 40 a second: the median 20), the
        // second and third with their times apart (50 ms; 20, 20 and 50 ms), pooled.
        func repeatWith(_ starts: [Int64]) -> RealMeasurement {
            var r = thousandIOs(cpu: CPUTime(), census: nil)
            for _ in 0..<996 { r.completionGaps.record(100_000) }
            for _ in starts { r.completionGaps.record(3_500_000) }
            r.longCompletionGaps = [starts.map { CompletionGap(startNanoseconds: $0 * 1_000_000, nanoseconds: 3_500_000) }]
            return r
        }
        let repeats = [repeatWith([0]), repeatWith([0, 50]), repeatWith([0, 20, 40, 90])]
        let both = try #require(StallComparison(model: model, real: repeats + [blocking]))
        #expect(both.measuredPerSecond == 20)
        #expect(both.measuredIntervals.count == 4 && both.measuredIntervals.meanNanoseconds == 35_000_000)
        let cv = try #require(both.measuredIntervals.coefficientOfVariation)
        #expect(abs(cv - 300.0.squareRoot() / 35) < 1e-9)  // 50, 20, 20, 50: a sample deviation of 17.3 ms
        #expect(both.text.hasSuffix("; the machine's 20.0 a second, 35ms apart on average (0.49)\n"))
        #expect(both.document.lookup("measuredPerSecond") == .double(20))
        #expect(both.document.lookup("measuredIntervalCV") == .double(cv))
        // The model without stalls, the machine with: shown.
        model.deviceStalls = 0
        model.deviceStallIntervals = IntervalSpread()
        let machineOnly = try #require(StallComparison(model: model, real: repeats))
        #expect(machineOnly.text.hasPrefix("device stalls (not judged): the model's 0.0 a second; the machine's 20.0 a second, 35ms apart on average (coefficient of variation 0.49)"))
    }

    /// Where the threads could run: the "affinity" line only for a pinned job (what the kernel reported back, the
    /// distinct sets), the JSON's lists always.
    @Test func theAffinityIsReported() throws {
        var real = thousandIOs(cpu: CPUTime(), census: nil)
        real.jobThreadCPUs = [[0, 1]]
        #expect(!real.textReport(scenario: "s").contains("affinity"))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.jobThreadCPUs") == .array([.array([.int(0), .int(1)])]))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.sqThreadCPUs") == .array([]))
        real.job.cpus = [1]
        var options = RealJob.URingOptions(submissionQueuePolling: true)
        options.sqThreadCPU = 0
        real.job.engine = .ioUring(options)
        real.jobThreadCPUs = [[1], [1]]
        real.sqThreadCPUs = [[0], [0]]
        #expect(real.textReport(scenario: "s").contains("affinity   job threads on CPUs 1, iou-sqp on CPUs 0\n"))
        real.jobThreadCPUs = [[1], [2, 3]]
        #expect(real.textReport(scenario: "s").contains("affinity   job threads on CPUs 1; 2-3, iou-sqp on CPUs 0\n"))
        #expect(real.document(scenario: "s", seed: 1).lookup("system.sqThreadCPUs") == .array([.array([.int(0)]), .array([.int(0)])]))
    }
}

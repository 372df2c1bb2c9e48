//! Calibration: the fit from figures to model parameters, the profile's round trip through the scenario
//! loader, and one quick real run.

import Glibc
import IOSimCore
import IOSimModel
import IOSimReal
import IOSimScenario
import Testing

@testable import IOSimValidation

/// Figures close to shared/reference/costs/costs.txt and baseline.md (this machine class), as `run` names them.
func referenceFigures(interruptsAtQD16: Double = 0.2) -> [CalibrationFigure] {
    func f(_ name: String, _ unit: String, _ median: Double, _ spread: Double = 0.05) -> CalibrationFigure {
        CalibrationFigure(name: name, unit: unit, median: median, minimum: median * (1 - spread), maximum: median * (1 + spread), repeats: 5)
    }
    return [
        f(FigureName.nullSyscall, "ns", 271.6),
        f(FigureName.contextSwitch, "ns", 4283.6),
        f(FigureName.crossCPUWakeup, "ns", 7291.1),
        f(FigureName.uringNop, "ns", 550.5),
        f(FigureName.memcpy, "GB/s", 31.8),
        f(FigureName.pageCachePread, "ns", 1126.7),
        f(FigureName.pageCacheCopy, "GB/s", 4096 / (1126.7 - 271.6)),
        f(FigureName.readLatency(bytes: 4096), "ns", 39_000),
        f(FigureName.readLatency(bytes: 65_536), "ns", 80_000),
        f(FigureName.readLatency(bytes: 1 << 20), "ns", 700_000),
        f(FigureName.iops(depth: 1), "IOPS", 25_000),
        f(FigureName.iops(depth: 4), "IOPS", 60_000),
        f(FigureName.iops(depth: 16), "IOPS", 82_000),
        f(FigureName.iops(depth: 64), "IOPS", 100_000),
        f(FigureName.bandwidth(depth: 1), "GB/s", 0.1024),
        f(FigureName.bandwidth(depth: 4), "GB/s", 0.2458),
        f(FigureName.bandwidth(depth: 16), "GB/s", 0.3359),
        f(FigureName.bandwidth(depth: 64), "GB/s", 0.4096),
        f(FigureName.interrupts(depth: 1), "per IO", 1.0),
        f(FigureName.interrupts(depth: 4), "per IO", 0.3),
        f(FigureName.interrupts(depth: 16), "per IO", interruptsAtQD16),
        f(FigureName.interrupts(depth: 64), "per IO", 0.1),
        // On the line 5,000 ns per interrupt + 1,200 ns per request.
        f(FigureName.irqSoftirq(depth: 1), "ns", 6_200),
        f(FigureName.irqSoftirq(depth: 4), "ns", 2_700),
        f(FigureName.irqSoftirq(depth: 16), "ns", 1_000 + interruptsAtQD16 * 5_000 + 200),
        f(FigureName.irqSoftirq(depth: 64), "ns", 1_700),
    ]
}

/// A fresh directory under /tmp, removed with its files (one level) by `remove()`.
struct ScratchDirectory {
    let path: String
    init() {
        var template = Array("/tmp/iosim-calibration-test-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp failed")
        path = String(cString: p!)
    }
    var entries: [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
    func write(_ name: String, _ text: String) {
        let fd = open("\(path)/\(name)", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "open failed")
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        precondition(n == bytes.count, "short write")
        close(fd)
    }
    func remove() {
        for name in entries { unlink("\(path)/\(name)") }
        rmdir(path)
    }
}

/// Writes `profile` beside a scenario that extends it, loads the scenario, returns what was decoded.
func loadThroughExtends(_ profile: String) throws -> Scenario {
    let dir = ScratchDirectory()
    defer { dir.remove() }
    dir.write("profile.json5", profile)
    dir.write(
        "scenario.json5",
        """
        { extends: "profile.json5", name: "uses the profile", threads: [{ name: "main", program: [{ compute: "1us" }] }] }
        """)
    return try ScenarioLoader.load(path: "\(dir.path)/scenario.json5").scenario
}

@Suite("Calibration fit and profile")
struct CalibrationFitTests {
    @Test("each parameter is derived from its figure as documented")
    func fitFromReferenceFigures() {
        let report = Calibration.fit(referenceFigures(), cpuCount: 2)
        #expect(report.machine.cpuCount == 2)
        #expect(report.kernel.personality == .linux)
        // Half the null syscall each.
        #expect(report.kernel.syscallEntry.nanoseconds + report.kernel.syscallExit.nanoseconds == 272)
        #expect(abs(report.kernel.syscallEntry.nanoseconds - report.kernel.syscallExit.nanoseconds) <= 1)
        // Same-CPU hop minus two null syscalls; cross minus same.
        #expect(report.machine.contextSwitch.nanoseconds == 4284 - 2 * 272)
        #expect(report.machine.wakeupLatency.nanoseconds == Int64((7291.1 - 4283.6).rounded()))
        #expect(report.machine.wakeupAfterIdle.isEmpty)  // no wake-ups after idle among the figures
        // 4 KiB / (1126.7 - 271.6) ns = 4.79 GB/s, to 1 MB/s.
        #expect(report.kernel.pageCacheCopyBytesPerSecond == 4_790_000_000)
        // Slope: (64 KiB - 4 KiB) over (80 - 39) us less the default per-page costs of the 15 further pages,
        // 15 x (420 + 370) ns = 11.85 us: 2.108 GB/s (through 1 MiB it would be 2.273: the comment says so).
        #expect(report.kernel.directIOPerPage == KernelConfig().directIOPerPage)
        #expect(report.interrupts.deferredPerPage == InterruptConfig().deferredPerPage)
        #expect(report.device.bandwidthBytesPerSecond == 2_108_000_000)
        #expect(report.profileText.contains("read latency 1MiB QD1 700us (665us - 735us, 5 repeats) it is 2.273GB/s, not used"))
        // Latency: 39 us minus the software path and the 4 KiB transfer.
        let path = Calibration.softwarePath(machine: report.machine, kernel: report.kernel, interrupts: report.interrupts)
        let transfer = (4096 * 1e9 / 2.108e9).rounded()
        guard case .logNormal(let mean, let sigma) = report.device.readLatency else {
            Issue.record("expected a log-normal, got \(report.device.readLatency)")
            return
        }
        #expect(sigma == 0.45)
        #expect(abs(Double(mean) - (39_000 - Double(path.nanoseconds) - transfer)) <= 1)
        // Little's law at 100k IOPS.
        #expect(report.device.channels == Int((100_000 * (Double(mean) + transfer) / 1e9).rounded()))
        #expect(report.device.queueDepth == 256)
        #expect(report.device.completionBatching == .pass && report.interrupts.suppressWhileServicing)
        // The line through irq + softirq per IO against interrupts per IO: 5,000 per interrupt, 1,200 per IO.
        #expect(report.interrupts.isr == .nanoseconds(5_000))
        #expect(report.interrupts.deferredPerRequest == .nanoseconds(1_200))
        // Not measured: defaults.
        #expect(report.kernel.requestCreate == KernelConfig().requestCreate)
        #expect(report.kernel.driverSubmit == KernelConfig().driverSubmit)
        #expect(report.interrupts.deliveryLatency == InterruptConfig().deliveryLatency)
        #expect(report.figures == referenceFigures())
    }

    @Test("the per-page costs are the slopes of CPU per IO against pages, and the bandwidth gives them up")
    func perPageCostsRecovered() {
        // Known parameters: 500 ns per further page at submission, 200 at completion, a 2 GB/s device.
        var figures = referenceFigures()
        func f(_ name: String, _ median: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: "ns", median: median, minimum: median, maximum: median, repeats: 5)
        }
        let latency4K = figures.median(FigureName.readLatency(bytes: 4096))!
        let irq4K = figures.median(FigureName.irqSoftirq(depth: 1))!
        for (size, further) in [(4096, 0.0), (65_536, 15.0), (1 << 20, 255.0)] {
            figures.append(f(FigureName.systemPerIO(bytes: size), 12_000 + further * 500))
            if size != 4096 { figures.append(f(FigureName.irqSoftirqPerIO(bytes: size), irq4K + further * 200)) }
        }
        for (size, further) in [(65_536, 15.0), (1 << 20, 255.0)] {
            let i = figures.firstIndex { $0.name == FigureName.readLatency(bytes: size) }!
            figures[i] = f(FigureName.readLatency(bytes: size), latency4K + further * 700 + Double(size - 4096) / 2)
        }
        let report = Calibration.fit(figures, cpuCount: 2)
        #expect(report.kernel.directIOPerPage == .nanoseconds(500))
        #expect(report.interrupts.deferredPerPage == .nanoseconds(200))
        #expect(report.device.bandwidthBytesPerSecond == 2_000_000_000)
        // Without the 64 KiB latency the slope runs through 1 MiB; a slower 1 MiB is not used beside 64 KiB.
        #expect(Calibration.fit(figures.filter { $0.name != FigureName.readLatency(bytes: 65_536) }, cpuCount: 2)
            .device.bandwidthBytesPerSecond == 2_000_000_000)
        var slowLarge = figures
        let l = slowLarge.firstIndex { $0.name == FigureName.readLatency(bytes: 1 << 20) }!
        slowLarge[l].median += 100_000
        #expect(Calibration.fit(slowLarge, cpuCount: 2).device.bandwidthBytesPerSecond == 2_000_000_000)
        #expect(report.profileText.contains("directIOPerPage: \"500ns\""))
        #expect(report.profileText.contains("deferredPerPage: \"200ns\""))
        #expect(FigureName.all.contains(FigureName.systemPerIO(bytes: 65_536)))
        #expect(FigureName.irqSoftirqPerIO(bytes: 4096) == FigureName.irqSoftirq(depth: 1))
        #expect(report.profileText.contains(
            "directIOPerPage: \"500ns\",      // slope of system per IO against 4KiB pages per IO beyond the first (system"))
        // Noise that makes a slope negative floors it at 0.
        var noisy = figures
        let j = noisy.firstIndex { $0.name == FigureName.systemPerIO(bytes: 1 << 20) }!
        noisy[j] = f(FigureName.systemPerIO(bytes: 1 << 20), 1_000)
        #expect(Calibration.fit(noisy, cpuCount: 2).kernel.directIOPerPage == .zero)

        // With 4 KiB and 64 KiB measured at queue depth 4, the submission's cost is their difference over the 15
        // further pages (here 150 ns a page), whatever the QD1 slope; the completion's stays the QD1 slope.
        var atDepth = figures
        atDepth.append(f(FigureName.systemPerIOAtDepth(bytes: 4096), 7_000))
        atDepth.append(f(FigureName.systemPerIOAtDepth(bytes: 65_536), 7_000 + 15 * 150))
        let fromDepth = Calibration.fit(atDepth, cpuCount: 2)
        #expect(fromDepth.kernel.directIOPerPage == .nanoseconds(150))
        #expect(fromDepth.interrupts.deferredPerPage == .nanoseconds(200))
        #expect(fromDepth.profileText.contains(
            "directIOPerPage: \"150ns\",      // system per IO 64KiB QD4 9.25us (9.25us - 9.25us, 5 repeats) less"
                + " system per IO 4KiB QD4 7us (7us - 7us, 5 repeats), over the 15 further pages; the QD1 slope of"
                + " system per IO against 4KiB pages per IO beyond the first (system per IO 4KiB QD1 12us"))
        #expect(fromDepth.profileText.contains("5 repeats)) is 500ns, not used; floor 0\n"))
        // The bandwidth gives up the smaller per-page cost: more of the 64 KiB read's time is the device's.
        #expect(fromDepth.device.bandwidthBytesPerSecond < report.device.bandwidthBytesPerSecond)
        // A 64 KiB run cheaper than the 4 KiB one (noise) floors it at 0.
        atDepth[atDepth.count - 1] = f(FigureName.systemPerIOAtDepth(bytes: 65_536), 6_000)
        #expect(Calibration.fit(atDepth, cpuCount: 2).kernel.directIOPerPage == .zero)
        #expect(FigureName.all.contains(FigureName.systemPerIOAtDepth(bytes: 65_536)))
        // A given per-page cost is kept; the comment gives what was measured, as it did before the depth-4 figures.
        let given = [GivenCost(key: .directIOPerPage, value: .nanoseconds(150))]
        #expect(Calibration.fit(figures, cpuCount: 2, given: given).profileText.contains(
            "given (--given kernel.directIOPerPage); the slope of system per IO against 4KiB pages per IO at QD1 is 500ns\n"))
        let depthFigures = figures + [
            f(FigureName.systemPerIOAtDepth(bytes: 4096), 7_000), f(FigureName.systemPerIOAtDepth(bytes: 65_536), 7_000 + 15 * 150),
        ]
        let givenAtDepth = Calibration.fit(depthFigures, cpuCount: 2, given: given)
        #expect(givenAtDepth.kernel.directIOPerPage == .nanoseconds(150))
        #expect(givenAtDepth.profileText.contains("given (--given kernel.directIOPerPage); measured: 150ns, system per IO 64KiB QD4"))
    }

    @Test("the per-CQE cost is half of the NOP round trip less the null syscall and the probe's loop")
    func uringCompleteCostFromTheNop() {
        // costs.txt: a NOP round trip 550.5 ns, a null syscall 271.6 (fitted as 136 + 136): (550.5 - 272 - 20) / 2.
        let report = Calibration.fit(referenceFigures(), cpuCount: 2)
        #expect(report.kernel.uringCompletePerCQE == .nanoseconds(130))
        #expect(report.profileText.contains("uringCompletePerCQE: \"130ns\""))
        #expect(report.profileText.contains("half of (io_uring NOP round trip 551ns"))
        // A NOP faster than the syscall it makes (noise) floors it at 0; without the NOP the default stays.
        var figures = referenceFigures()
        let i = figures.firstIndex { $0.name == FigureName.uringNop }!
        figures[i] = CalibrationFigure(name: FigureName.uringNop, unit: "ns", median: 250, minimum: 240, maximum: 260, repeats: 5)
        #expect(Calibration.fit(figures, cpuCount: 2).kernel.uringCompletePerCQE == .zero)
        figures.remove(at: i)
        #expect(Calibration.fit(figures, cpuCount: 2).kernel.uringCompletePerCQE == KernelConfig().uringCompletePerCQE)
    }

    @Test("the per-SQE cost is the io_uring page-cache read less the pread, the CQE and the reap")
    func uringSubmitCostRecovered() throws {
        // costs.txt: an io_uring READ of a cached 4 KiB page 2,146 ns, a pread of one 1,126.7 ns; CQE 130 (from the
        // NOP, above), reap 20.
        var figures = referenceFigures()
        figures.append(CalibrationFigure(name: FigureName.uringPageCacheRead, unit: "ns", median: 2_146, minimum: 2_100, maximum: 2_200, repeats: 5))
        let report = Calibration.fit(figures, cpuCount: 2)
        #expect(report.kernel.uringSubmitPerSQE == .nanoseconds(870))
        // requestCreate gives up the 810 ns the SQE gained over its default 60: an O_DIRECT submission costs what
        // it did.
        #expect(report.kernel.requestCreate == .nanoseconds(4_000 - 810))
        let plain = Calibration.fit(referenceFigures(), cpuCount: 2)
        #expect(
            Calibration.softwarePath(machine: report.machine, kernel: report.kernel, interrupts: report.interrupts)
                == Calibration.softwarePath(machine: plain.machine, kernel: plain.kernel, interrupts: plain.interrupts))
        #expect(report.profileText.contains("uringSubmitPerSQE: \"870ns\""))
        // The model's inline io_uring read of a cached page then takes what was measured, less the syscall
        // and the copy fitted from the pread: entry, SQE, copy, CQE, exit and reap.
        let k = report.kernel
        let copy = (4096 * 1e9 / Double(k.pageCacheCopyBytesPerSecond)).rounded(.up)
        let modelled = Double((k.syscallEntry + k.uringSubmitPerSQE + k.uringCompletePerCQE + k.syscallExit + k.uringReapPerCQE).nanoseconds) + copy
        #expect(abs(modelled - 2_146) < 20, "model \(modelled) ns")
        let s = try loadThroughExtends(report.profileText)
        #expect(s.kernel == report.kernel)
        // The program's loop per IO: the backend's loop over cached pages (2,580 ns per IO) less the probe's
        // round trip (2,146), plus the probe's own 20; the SQE fit keeps the default reap of its probe.
        figures.append(CalibrationFigure(name: FigureName.uringLoopOverCache, unit: "ns", median: 2_580, minimum: 2_500, maximum: 2_700, repeats: 5))
        let withLoop = Calibration.fit(figures, cpuCount: 2)
        #expect(withLoop.kernel.uringReapPerCQE == .nanoseconds(450))
        #expect(withLoop.kernel.uringSubmitPerSQE == .nanoseconds(870))
        // With the loop's user time per IO (150 ns) the program's work is that; the other 300 ns of the 450 are
        // kernel time, added to the copy: 4 KiB at the pread's rate plus 300 ns.
        figures.append(CalibrationFigure(name: FigureName.uringLoopUser, unit: "ns", median: 150, minimum: 140, maximum: 160, repeats: 5))
        let split = Calibration.fit(figures, cpuCount: 2)
        #expect(split.kernel.uringReapPerCQE == .nanoseconds(150))
        let before = 4096 * 1e9 / Double(withLoop.kernel.pageCacheCopyBytesPerSecond)
        let after = 4096 * 1e9 / Double(split.kernel.pageCacheCopyBytesPerSecond)
        #expect(abs(after - before - 300) < 5, "copy \(before) ns -> \(after) ns")
        #expect(split.profileText.contains("the rest is kernel time, in pageCacheCopy"))
        #expect(split.kernel.uringPreparePerSQE == .zero)
        // With the loop's mean latency (2,490 ns) its time per IO outside the latency, 90 ns, is the reap; the
        // other 60 ns of its user time are inside the latency: writing the SQE. The copy stays where it was, and
        // the QD1 path, inside the latency, now holds the SQE's writing.
        figures.append(CalibrationFigure(name: FigureName.uringLoopLatency, unit: "ns", median: 2_490, minimum: 2_400, maximum: 2_600, repeats: 5))
        let inside = Calibration.fit(figures, cpuCount: 2)
        #expect(inside.kernel.uringReapPerCQE == .nanoseconds(90))
        #expect(inside.kernel.uringPreparePerSQE == .nanoseconds(60))
        #expect(inside.kernel.pageCacheCopyBytesPerSecond == split.kernel.pageCacheCopyBytesPerSecond)
        #expect(
            Calibration.softwarePath(machine: inside.machine, kernel: inside.kernel, interrupts: inside.interrupts)
                == Calibration.softwarePath(machine: inside.machine, kernel: split.kernel, interrupts: inside.interrupts)
                + .nanoseconds(60))
        #expect(inside.profileText.contains("uringPreparePerSQE: \"60ns\""))
        #expect(try loadThroughExtends(inside.profileText).kernel == inside.kernel)
        // A loop latency longer than the time per IO leaves no reap: all the user time is inside.
        figures.removeLast()
        figures.append(CalibrationFigure(name: FigureName.uringLoopLatency, unit: "ns", median: 2_600, minimum: 2_600, maximum: 2_600, repeats: 1))
        let none = Calibration.fit(figures, cpuCount: 2)
        #expect(none.kernel.uringReapPerCQE == .zero && none.kernel.uringPreparePerSQE == .nanoseconds(150))
    }

    /// `uringSubmitFour` less `uringSubmitOne` is three further requests (each its SQE and requestCreate); the one
    /// read's time less the syscall, its SQE and its request is the driver's hand-off with the doorbell, split by
    /// what is given.
    @Test("the timed submissions give the request's cost and the hand-off")
    func theSubmissionsGiveTheRequestAndTheHandOff() throws {
        var figures = referenceFigures()
        // An io_uring read of a cached page of 2,146 ns: uringSubmitPerSQE 870 ns (above).
        figures.append(CalibrationFigure(name: FigureName.uringPageCacheRead, unit: "ns", median: 2_146, minimum: 2_100, maximum: 2_200, repeats: 5))
        let before = Calibration.fit(figures, cpuCount: 2)
        figures.append(CalibrationFigure(name: FigureName.uringSubmitOne, unit: "ns", median: 13_000, minimum: 12_000, maximum: 14_000, repeats: 5))
        figures.append(CalibrationFigure(name: FigureName.uringSubmitFour, unit: "ns", median: 20_500, minimum: 19_000, maximum: 21_000, repeats: 5))
        func fit(_ given: [GivenCost] = []) -> CalibrationReport { Calibration.fit(figures, cpuCount: 2, given: given) }
        let plain = fit()
        let k = plain.kernel
        #expect(k.uringSubmitPerSQE == .nanoseconds(870))
        // 2,500 ns a further request, less the SQE's 870.
        #expect(k.requestCreate == .nanoseconds(1_630))
        let syscall = (k.syscallEntry + k.syscallExit).nanoseconds
        #expect(syscall == (before.kernel.syscallEntry + before.kernel.syscallExit).nanoseconds && syscall > 0)
        let handOff = 13_000 - syscall - 870 - 1_630
        #expect(plain.submissionFit == SubmissionFit(perRequest: 2_500, handOff: Double(handOff)))
        // Nothing given: the driver's hand-off holds the doorbell, as by default.
        #expect(k.driverSubmit == .nanoseconds(Calibration.tensOfNanoseconds(Double(handOff))))
        #expect(k.doorbell == .zero)
        #expect(plain.profileText.contains("per further request (a third of io_uring submit of 4 4KiB O_DIRECT reads"))
        #expect(plain.profileText.contains("the doorbell inside it; floor 0"))
        // The model's submission of one read then takes what was measured, to the rounding.
        let modelled = k.syscallEntry + k.uringSubmitPerSQE + k.requestCreate + k.driverSubmit + k.doorbell + k.syscallExit
        #expect(abs(modelled.nanoseconds - 13_000) <= 5)

        let driver = fit([GivenCost(key: .driverSubmit, value: .nanoseconds(1_300))])
        #expect(driver.kernel.driverSubmit == .nanoseconds(1_300))
        #expect(driver.kernel.doorbell == .nanoseconds(Calibration.tensOfNanoseconds(Double(handOff - 1_300))))
        #expect(driver.kernel.requestCreate == .nanoseconds(1_630))
        #expect(driver.profileText.contains("less the given driverSubmit; floor 0"))
        let bell = fit([GivenCost(key: .doorbell, value: .nanoseconds(9_000))])
        #expect(bell.kernel.doorbell == .nanoseconds(9_000))
        #expect(bell.kernel.driverSubmit == .nanoseconds(Calibration.tensOfNanoseconds(Double(handOff - 9_000))))
        #expect(bell.profileText.contains("less the given doorbell; floor 0"))
        // A given request cost is kept, and the hand-off is what the one read leaves beyond it.
        let both = fit([
            GivenCost(key: .requestCreate, value: .nanoseconds(1_700)), GivenCost(key: .driverSubmit, value: .nanoseconds(1_300)),
        ])
        #expect(both.kernel.requestCreate == .nanoseconds(1_700))
        #expect(both.kernel.doorbell == .nanoseconds(Calibration.tensOfNanoseconds(Double(handOff - 70 - 1_300))))
        #expect(both.profileText.contains("given (--given kernel.requestCreate); measured: 2.5us per further request"))
        // All three given: nothing is fitted from the submissions.
        let all = fit([
            GivenCost(key: .requestCreate, value: .nanoseconds(1_700)), GivenCost(key: .driverSubmit, value: .nanoseconds(1_300)),
            GivenCost(key: .doorbell, value: .nanoseconds(15_000)),
        ])
        #expect(all.kernel.requestCreate == .nanoseconds(1_700) && all.kernel.driverSubmit == .nanoseconds(1_300))
        #expect(all.kernel.doorbell == .nanoseconds(15_000))
        // Floors: a submission faster than the rest of the model's path leaves no doorbell.
        figures[figures.count - 2].median = 1_000
        #expect(fit([GivenCost(key: .driverSubmit, value: .nanoseconds(1_300))]).kernel.doorbell == .zero)
        #expect(try loadThroughExtends(driver.profileText).kernel == driver.kernel)
    }

    /// The round trip pinned to another CPU than the interrupts' is longer by the wake-up across CPUs less the
    /// local one: localWakeup is the model's wake-up across CPUs less that excess.
    @Test("the local wake-up is the wake-up across CPUs less the round trip's excess off the interrupts' CPU")
    func theLocalWakeupFromThePinnedRoundTrips() throws {
        func f(_ name: String, _ unit: String, _ median: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: unit, median: median, minimum: median, maximum: median, repeats: 5)
        }
        var figures = referenceFigures()
        // The curve, less the same-CPU hop of 4,283.6 ns: 8 us after 5 us of idle, 18 after 20, 19 after 50.
        figures += [(5_000, 8_000.0), (20_000, 18_000), (50_000, 19_000)].map {
            f(FigureName.wakeupAfterIdle($0.0), "ns", 4_283.6 + $0.1)
        }
        figures += [
            f(FigureName.uringSubmitOne, "ns", 13_000), f(FigureName.uringSubmitFour, "ns", 20_500),
            f(FigureName.roundTrip(cpu: 0), "ns", 65_000), f(FigureName.roundTrip(cpu: 1), "ns", 50_000),
        ]
        let withoutTarget = Calibration.fit(figures, cpuCount: 2)
        #expect(withoutTarget.localWakeupFit == nil)
        #expect(withoutTarget.machine.localWakeup == withoutTarget.machine.wakeupLatency)
        figures += [f(FigureName.interruptCPU, "CPU", 1), f(FigureName.interruptCPUShare, "share", 1)]
        let report = Calibration.fit(figures, cpuCount: 2)
        // Idle 50,000 - 13,000 = 37,000 ns: 18,000 + 17/30 x 1,000 = 18,567 across CPUs; less the 15,000 excess.
        let fit = try #require(report.localWakeupFit)
        #expect(fit.interruptCPU == 1 && fit.otherCPU == 0 && fit.idle == 37_000 && fit.acrossCPUs == 18_567)
        #expect(report.machine.localWakeup == .nanoseconds(3_570))
        #expect(report.profileText.contains("localWakeup: \"3.57us\""))
        #expect(report.profileText.contains("less the round trip's excess on another CPU: read round trip 4KiB QD1 pinned to CPU 0 65us"))
        #expect(try loadThroughExtends(report.profileText).machine == report.machine)
        // The remote run pays the deferred routine's IPI too: with it, localWakeup is that much longer.
        #expect(fit.wakeIPI == report.interrupts.deferredWakeRemote.nanoseconds)
        #expect(fit.withWakeIPI(fit.wakeIPI + 2_000).localWakeup == 5_570)
        #expect(fit.withWakeIPI(0).withWakeIPI(-20_000).localWakeup == 0)  // the floor
        // The names: only the one spelling of each CPU's figure.
        #expect(FigureName.roundTripCPU(FigureName.roundTrip(cpu: 12)) == 12)
        for name in ["01", "+1", "-1", " 1", "1 "].map({ FigureName.roundTripPrefix + $0 }) + [FigureName.uringSubmitOne] {
            #expect(FigureName.roundTripCPU(name) == nil, "\(name)")
        }
        // The interrupts on CPU 0 instead: the "remote" run is the faster one, so the local wake-up comes out
        // longer than the one across CPUs by the difference.
        figures[figures.count - 2].median = 0
        figures[figures.count - 2].minimum = 0
        figures[figures.count - 2].maximum = 0
        let swapped = Calibration.fit(figures, cpuCount: 2)
        #expect(swapped.localWakeupFit?.interruptCPU == 0)
        #expect(swapped.machine.localWakeup == .nanoseconds(Calibration.tensOfNanoseconds(Double(swapped.localWakeupFit!.acrossCPUs) + 15_000)))
        // A given local wake-up is kept; the profile names the measured one beside it.
        let given = Calibration.fit(figures, cpuCount: 2, given: [GivenCost(key: .localWakeup, value: .microseconds(18))])
        #expect(given.machine.localWakeup == .microseconds(18))
        #expect(given.profileText.contains("given (--given machine.localWakeup); measured: "))
    }

    @Test("floors, one interrupt per IO, and missing figures keep the defaults")
    func floorsAndDefaults() {
        var figures = referenceFigures(interruptsAtQD16: 0.95)
        func set(_ name: String, _ value: Double) {
            let i = figures.firstIndex { $0.name == name }!
            figures[i] = CalibrationFigure(name: name, unit: figures[i].unit, median: value, minimum: value, maximum: value, repeats: 1)
        }
        set(FigureName.contextSwitch, 700)  // below two syscalls + 0.5 us
        set(FigureName.crossCPUWakeup, 600)  // faster than the same-CPU hop
        set(FigureName.readLatency(bytes: 4096), 5_000)  // less than the software path
        let report = Calibration.fit(figures, cpuCount: 2)
        #expect(report.machine.contextSwitch == .nanoseconds(500))
        #expect(report.machine.wakeupLatency == .zero)
        #expect(report.device.readLatency == .logNormal(mean: 1_000, sigma: 0.45))
        #expect(report.device.completionBatching == .none && !report.interrupts.suppressWhileServicing)

        let empty = Calibration.fit([], cpuCount: 1)
        #expect(empty.machine.contextSwitch == MachineConfig().contextSwitch)
        #expect(empty.machine.wakeupLatency == MachineConfig().wakeupLatency)
        #expect(empty.kernel.syscallEntry == KernelConfig().syscallEntry)
        #expect(empty.device.readLatency == DeviceConfig().readLatency)
        #expect(empty.device.bandwidthBytesPerSecond == DeviceConfig().bandwidthBytesPerSecond)
        #expect(empty.device.channels == DeviceConfig().channels)
        #expect(empty.device.completionBatching == .none)
        #expect(empty.profileText.contains("not measured"))
    }

    @Test("the wake-ups after idle, less the same-CPU hop, are the wake-up latency by idle time")
    func wakeupAfterIdle() throws {
        var figures = referenceFigures()
        for (idle, ns) in zip(FigureName.wakeupIdles, [3_000.0, 9_000, 10_000, 12_500, 15_000, 20_000]) {
            figures.append(CalibrationFigure(name: FigureName.wakeupAfterIdle(idle), unit: "ns", median: ns, minimum: ns, maximum: ns, repeats: 5))
        }
        let report = Calibration.fit(figures, cpuCount: 2)
        // Less the same-CPU hop (4,283.6 ns), floored at 0.
        #expect(report.machine.wakeupAfterIdle.map(\.latency.nanoseconds) == [0, 4_716, 5_716, 8_216, 10_716, 15_716])
        #expect(report.machine.wakeupAfterIdle.map(\.idle.nanoseconds) == FigureName.wakeupIdles)
        #expect(report.machine.wakeupLatency.nanoseconds == Int64((7291.1 - 4283.6).rounded()))  // as before
        #expect(FigureName.wakeupIdles.map { FigureName.wakeupAfterIdle($0) }.first == "cross-CPU wake-up after 5us idle")
        #expect(FigureName.wakeupAfterIdle(1_000_000) == "cross-CPU wake-up after 1ms idle")
        // Written with its figures, and read back the same.
        #expect(report.profileText.contains(
            #"wakeupAfterIdle: { "5us": "0", "20us": "4.716us", "50us": "5.716us", "100us": "8.216us", "200us": "10.716us", "1ms": "15.716us" },"#))
        #expect(report.profileText.contains("// the cross-CPU wake-ups after idle (cross-CPU wake-up after 5us idle 3us"))
        let s = try loadThroughExtends(report.profileText)
        #expect(s.machine == report.machine)
        // Recorded, the figures read back, and a refit from them gives the same table.
        let recorded = try Calibration.recordedFigures(text: report.profileText, path: "p.json5")
        #expect(Calibration.fit(recorded.figures, cpuCount: 2).machine.wakeupAfterIdle == report.machine.wakeupAfterIdle)
    }

    @Test("a profile's wake-up curve replaces a scenario's whole, through --profile and extends")
    func wakeupCurveReplacesWhole() throws {
        let dir = ScratchDirectory()
        defer { dir.remove() }
        let scenario = #"""
            {
              extends: "base.json5",
              machine: { wakeupAfterIdle: { "1us": "3us", "2ms": "90us" } },
              files: [{ name: "data", size: "1MiB" }],
              threads: [{ name: "main", program: [{ read: "data", size: "4KiB" }] }],
            }
            """#
        dir.write("base.json5", #"{ machine: { cpus: 2, wakeupAfterIdle: { "3us": "7us" } } }"#)
        dir.write("scenario.json5", scenario)
        dir.write("profile.json5", #"{ machine: { wakeupAfterIdle: { "5us": "20us", "1ms": "40us" } } }"#)
        let own = try ScenarioLoader.load(path: "\(dir.path)/scenario.json5").scenario.machine
        #expect(own.cpuCount == 2)  // the base's other keys still merge
        #expect(own.wakeupAfterIdle.map(\.idle) == [.microseconds(1), .milliseconds(2)])
        let profiled = try ScenarioLoader.load(path: "\(dir.path)/scenario.json5", profile: "\(dir.path)/profile.json5")
        #expect(
            profiled.scenario.machine.wakeupAfterIdle == [
                WakeupAfterIdle(idle: .microseconds(5), latency: .microseconds(20)),
                WakeupAfterIdle(idle: .milliseconds(1), latency: .microseconds(40)),
            ])
    }

    @Test("the profile round-trips through extends and ScenarioLoader")
    func profileRoundTrip() throws {
        let report = Calibration.fit(referenceFigures(), cpuCount: 2)
        let s = try loadThroughExtends(report.profileText)
        #expect(s.machine == report.machine)
        #expect(s.kernel == report.kernel)
        #expect(s.device == report.device)
        #expect(s.interrupts == report.interrupts)
        // Deterministic: the same report formats to the same text.
        #expect(Calibration.profile(for: report) == report.profileText)
        #expect(Calibration.fit(referenceFigures(), cpuCount: 2).profileText == report.profileText)
        // A comment per value, naming its figure or saying it is a default.
        let valueLines = report.profileText.split(separator: "\n").filter { $0.hasPrefix("    ") }
        #expect(!valueLines.isEmpty)
        for line in valueLines { #expect(line.contains("// "), "no comment: \(line)") }
        #expect(report.profileText.contains("null syscall 272ns"))
        // Only machine, kernel, device and interrupts.
        let topKeys = report.profileText.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .map { $0.trimmingPrefix("  ").split(separator: ":").first.map(String.init) ?? "" }.filter { !$0.hasPrefix("}") }
        #expect(topKeys == ["machine", "kernel", "device", "interrupts"])
    }

    @Test("every value the model has round-trips, not only the fitted ones")
    func exoticValuesRoundTrip() throws {
        var report = Calibration.fit(referenceFigures(), cpuCount: 2)
        report.machine.timeSlice = .nanoseconds(1_234_567)
        report.machine.threadStackBytes = 8 << 20
        report.kernel.pageCacheCopyBytesPerSecond = 12_345_678_901
        report.kernel.pollCheck = .nanoseconds(37)
        report.device.writeLatency = .empirical([.init(percentile: 50, value: 30_000), .init(percentile: 99.9, value: 70_001)])
        report.device.readLatency = .uniform(min: 1_001, max: 2_000_000_001)
        report.device.transfer = .pio(bytesPerSecond: 16_700_000)
        report.device.hdd = HDDGeometry(rpm: 7_200, trackToTrackSeek: .microseconds(800), fullStrokeSeek: .milliseconds(16))
        report.device.bandwidthBytesPerSecond = 0
        report.interrupts.target = .submittingCPU
        report.interrupts.coalesceCount = 8
        report.interrupts.coalesceTime = .microseconds(50)
        for latency in [Distribution.constant(25_123), .exponential(mean: 80_000), .normal(mean: 80_000, standardDeviation: 10_500)] {
            var r = report
            r.device.readLatency = latency
            let s = try loadThroughExtends(Calibration.profile(for: r))
            #expect(s.device.readLatency == latency)
        }
        let s = try loadThroughExtends(Calibration.profile(for: report))
        #expect(s.machine == report.machine)
        #expect(s.kernel == report.kernel)
        #expect(s.device == report.device)
        #expect(s.interrupts == report.interrupts)
    }

    @Test("the fitted model reproduces the QD1 mean latencies it was fitted to", arguments: [4096, 65_536])
    func modelReproducesLatency(blockBytes: Int) throws {
        let report = Calibration.fit(referenceFigures(), cpuCount: 2)
        let dir = ScratchDirectory()
        defer { dir.remove() }
        dir.write("profile.json5", report.profileText)
        dir.write(
            "qd1.json5",
            """
            {
              extends: "profile.json5",
              files: [{ name: "data", size: "1GiB" }],
              rings: [{ name: "ring", entries: 128, taskRun: "defer" }],
              threads: [{ name: "job", program: [{ uring: "ring", file: "data", size: \(blockBytes), offset: "random", queueDepth: 1, ios: 4000 }] }],
            }
            """)
        let scenario = try ScenarioLoader.load(path: "\(dir.path)/qd1.json5").scenario
        let result = try Simulator(scenario).run()
        let measured = referenceFigures().first { $0.name == FigureName.readLatency(bytes: blockBytes) }!.median
        // The real latency runs from the submit to the CQE reaped; the model's `latency` ends when the softirq
        // completes the request, and its `delivery` stage (wake-up, switch, task work, syscall exit) follows.
        let modelled = result.latency.mean + result.stage(.delivery).mean
        #expect(abs(modelled - measured) / measured < 0.1, "model \(modelled) ns against the \(measured) ns it was fitted to")
        // At queue depth 1 an IO's whole cycle is its latency, so the IOPS follow.
        #expect(abs(result.iops - 1e9 / measured) / (1e9 / measured) < 0.1, "model \(result.iops) IOPS at QD1")
    }

    @Test("exact spellings of durations and rates")
    func spellings() {
        #expect(Calibration.duration(.nanoseconds(37_213)) == "37.213us")
        #expect(Calibration.duration(.nanoseconds(150)) == "150ns")
        #expect(Calibration.duration(.milliseconds(3)) == "3ms")
        #expect(Calibration.duration(.zero) == "0")
        #expect(Calibration.duration(.nanoseconds(1_000_000_001)) == "1.000000001s")
        #expect(Calibration.rate(4_790_000_000) == "4.79GB/s")
        #expect(Calibration.rate(250_000_000) == "250MB/s")
        #expect(Calibration.rate(512) == "512B/s")
        #expect(Calibration.rate(0) == "0B/s")
    }

    @Test("the table lists every figure with its spread")
    func table() {
        let report = Calibration.fit(referenceFigures(), cpuCount: 2)
        let lines = report.table.split(separator: "\n")
        #expect(lines.count == referenceFigures().count + 1)
        #expect(lines[0].hasPrefix("figure"))
        #expect(lines[1].hasPrefix("null syscall") && lines[1].contains("271.6") && lines[1].contains("ns"))
    }

    @Test("figures from samples: median, minimum, maximum")
    func figureFromSamples() {
        let odd = CalibrationFigure(name: "x", unit: "ns", samples: [5, 1, 3])
        #expect(odd.median == 3 && odd.minimum == 1 && odd.maximum == 5 && odd.repeats == 3)
        let even = CalibrationFigure(name: "x", unit: "ns", samples: [4, 1, 3, 2])
        #expect(even.median == 2.5 && even.repeats == 4)
    }

    @Test("bad options are refused before anything is created")
    func badOptions() {
        var options = CalibrationOptions()
        options.repeats = 0
        #expect(throws: RealError.self) { try Calibration.run(options) }
        options.repeats = 3
        options.fileBytes = 1 << 20
        #expect(throws: RealError.self) { try Calibration.run(options) }
        options.fileBytes = 8 << 20
        options.directory = "/nonexistent-iosim-calibration-dir"
        let error = #expect(throws: RealError.self) { try Calibration.run(options) }
        if Calibration.ioUringUnavailableReason() == nil { #expect(error?.kind == .directoryUnusable) }
    }
}

@Suite("Calibration's run lengths")
struct CalibrationEffortTests {
    /// The run that counts the stalls lasts about as long as the suite's run at that depth (300,000 reads, 4-5 s
    /// here): one-second runs counted a third fewer stalls a second. The other device runs last a second, and a
    /// quick calibration runs each for 60 ms.
    @Test func theStallRunIsFiveSecondsAndTheOthersOne() throws {
        let full = try Effort(CalibrationOptions())
        let quick = try Effort({ var o = CalibrationOptions(); o.quick = true; return o }())
        var stallRuns = 0
        for (size, depth) in Probes.deviceConfigurations {
            let counts = size == 4096 && depth == FigureName.stallDepth
            if counts { stallRuns += 1 }
            #expect(full.runLength(blockBytes: size, depth: depth) == (counts ? .seconds(5) : .seconds(1)))
            #expect(quick.runLength(blockBytes: size, depth: depth) == .milliseconds(60))
        }
        #expect(stallRuns == 1)
    }
}

@Suite("Calibration on this machine")
struct CalibrationRealTests {
    @Test(
        "a quick run measures every figure, positive, min <= median <= max, and leaves nothing behind",
        .enabled(if: Calibration.ioUringUnavailableReason() == nil, "io_uring is unavailable here"))
    func quickRun() throws {
        let dir = ScratchDirectory()
        defer { dir.remove() }
        var options = CalibrationOptions()
        options.quick = true
        options.directory = dir.path
        options.fileBytes = 16 << 20
        let report = try Calibration.run(options)
        let names = report.figures.map(\.name)
        var expected = FigureName.all
        // The round trips name the first two CPUs this process may use (0 and 1 in `all`).
        let roundTrips = Affinity.allowedCPUs().prefix(2).map { FigureName.roundTrip(cpu: $0) }
        expected.removeAll { FigureName.roundTripCPU($0) != nil }
        expected.insert(contentsOf: roundTrips, at: try #require(expected.firstIndex(of: FigureName.uringSubmitFour)) + 1)
        // So do the placement probe's shares, with two CPUs or more.
        let placements = Affinity.allowedCPUs().count < 2 ? [] : Affinity.allowedCPUs().prefix(2).map { FigureName.wokenElsewhere(cpu: $0) }
        expected.removeAll { FigureName.wokenElsewhereCPU($0) != nil }
        expected.insert(contentsOf: placements, at: try #require(expected.firstIndex(of: roundTrips.last!)) + 1)
        if Affinity.allowedCPUs().count < 2 {  // as calibrate decides: the CPUs this process may use
            let crossCPU = [FigureName.crossCPUWakeup, FigureName.iopsBesideBusyCPU, FigureName.iopsSQPOLL]
                + FigureName.wakeupIdles.map { FigureName.wakeupAfterIdle($0) }
            expected.removeAll { crossCPU.contains($0) }
        }
        // Reported only where the kernel accounts IRQ time (CONFIG_IRQ_TIME_ACCOUNTING; this machine does).
        if !names.contains(FigureName.irqSoftirq(depth: 1)) {
            expected.removeAll { $0.hasPrefix("irq+softirq") }
        }
        // CPU time per IO by size counts /proc/stat ticks of 10 ms: a quick run's short runs may see none in a
        // repeat, and then the figure is left out.
        let ticked = FigureName.latencySizes.map { FigureName.systemPerIO(bytes: $0) }
            + FigureName.pageCostSizes.map { FigureName.systemPerIOAtDepth(bytes: $0) }
            + [FigureName.bufferedColdSystemPerIO, FigureName.uringLoopUser, FigureName.preadSystemPerIO]
        expected.removeAll { ticked.contains($0) && !names.contains($0) }
        // The four threads' figures need IRQ time accounted and the disk's lines found.
        if !names.contains(FigureName.poolIrqSoftirq) { expected.removeAll { $0 == FigureName.poolInterrupts } }
        // Counted by CPU only where the disk's interrupt lines were found.
        if !names.contains(FigureName.interrupts(depth: 1)) {
            expected.removeAll { $0 == FigureName.interruptCPU || $0 == FigureName.interruptCPUShare }
        }
        // The stalls' gap only where a repeat saw a stall (here some 15 a second: a quick run's 60 ms may see none).
        if !names.contains(FigureName.deviceStallGap) { expected.removeAll { $0 == FigureName.deviceStallGap } }
        // Their times apart where a repeat saw enough of them (a quick run sees one at most).
        if !names.contains(FigureName.deviceStallIntervalCV) { expected.removeAll { $0 == FigureName.deviceStallIntervalCV } }
        #expect(names == expected)
        // irq + softirq, with IRQ time accounted, may read 0 ticks in a repeat: a reading, kept. So may the
        // machine-wide user time at depth 1 (ticks of 4 ms here; a quick run's 60 ms at depth 1 has about 0.6 ms),
        // and the device's stalls a second (none in a repeat is a reading), and the share of reads woken elsewhere.
        for f in report.figures {
            let mayBeZero = f.name.hasPrefix("irq+softirq") || f.name == FigureName.interruptCPU || f.name == FigureName.userPerIOQD1
                || f.name == FigureName.deviceStalls || FigureName.wokenElsewhereCPU(f.name) != nil
            if !mayBeZero {  // interruptCPU is a CPU number: 0 is one
                #expect(f.median > 0, "\(f.name): median \(f.median)")
                #expect(f.minimum > 0, "\(f.name): minimum \(f.minimum)")
            }
            #expect(f.minimum >= 0, "\(f.name): minimum \(f.minimum)")
            #expect(f.minimum <= f.median && f.median <= f.maximum, "\(f.name): \(f.minimum) \(f.median) \(f.maximum)")
            #expect(f.repeats >= 1 && f.repeats <= 3)
            #expect(f.median.isFinite && f.maximum.isFinite)
        }
        #expect(dir.entries.isEmpty, "left behind: \(dir.entries)")
        let s = try loadThroughExtends(report.profileText)
        #expect(s.machine == report.machine && s.kernel == report.kernel)
        #expect(s.device == report.device && s.interrupts == report.interrupts)
        #expect(!report.table.isEmpty)
    }
}

@Suite("Device parallelism fitted by simulation")
struct ParallelismFitTests {
    /// IOPS made by the model itself with 3 channels and a 4 us pass dispatch: the search over a grid that
    /// holds them finds them again, with no error at any depth.
    @Test("the search recovers the channels and dispatch that made the IOPS")
    func recoversKnownParameters() throws {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        #expect(base.device.completionBatching == .pass)
        var measured: [(Int, Double)] = []
        for depth in [1, 4, 16] {
            let s = Calibration.deviceWorkload(
                depth: depth, machine: base.machine, kernel: base.kernel,
                device: Calibration.withParallelism(base.device, 3, .microseconds(4)), interrupts: base.interrupts)
            measured.append((depth, try Simulator(s).run().iops))
        }
        let fit = try #require(
            Calibration.fitParallelism(
                machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts,
                measured: measured, channels: [2, 3, 4], dispatches: [.zero, .microseconds(4), .microseconds(8)]))
        #expect(fit.channels == 3)
        #expect(fit.passDispatch == .microseconds(4))
        #expect(fit.worstError == 0)
        #expect(fit.rows.map(\.depth) == [1, 4, 16])
    }

    /// IOPS and interrupts per IO made by the model with `.asyncPass` (3 channels, a 4 us dispatch, an 8 us
    /// wake-up): the search tries both kinds of pass and finds that one again, with no error, and says how far
    /// the best `.pass` came; a workload made with `.pass` gives `.pass` back.
    @Test("the search tells the kinds of pass apart")
    func recoversTheKindOfPass() throws {
        var base = Calibration.fit(referenceFigures(), cpuCount: 2)
        try #require(base.device.completionBatching.hasPasses)  // else the search tries one kind only
        base.device.readLatency = .logNormal(mean: 30_000, sigma: 0.45)  // room for the dispatch and the wake-up
        func figures(_ kind: CompletionBatching) throws -> (
            iops: [(Int, Double)], interrupts: [(Int, Double)], pool: Double, poolIOPS: Double
        ) {
            var device = base.device
            device.completionBatching = kind
            device = Calibration.withParallelism(device, 3, .microseconds(4), .microseconds(8))
            var iops: [(Int, Double)] = [], interrupts: [(Int, Double)] = []
            for depth in [1, 4, 16, 64] {
                let s = Calibration.deviceWorkload(
                    depth: depth, machine: base.machine, kernel: base.kernel, device: device, interrupts: base.interrupts)
                let r = try Simulator(s).run()
                iops.append((depth, r.iops))
                interrupts.append((depth, Double(r.interrupts) / Double(r.iosCompleted)))
            }
            let pool = try Simulator(
                Calibration.poolWorkload(machine: base.machine, kernel: base.kernel, device: device, interrupts: base.interrupts)
            ).run()
            return (iops, interrupts, Double(pool.interrupts) / Double(pool.iosCompleted), pool.iops)
        }
        for kind in [CompletionBatching.asyncPass, .pass] {
            let made = try figures(kind)
            let fit = try #require(
                Calibration.fitParallelism(
                    machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts,
                    measured: made.iops, interruptsPerIO: made.interrupts, poolInterruptsPerIO: made.pool,
                    poolIOPS: made.poolIOPS, channels: [2, 3], dispatches: [.zero, .microseconds(4)],
                    wakeups: [.microseconds(8), .microseconds(16)]))
            #expect(fit.completionBatching == kind)
            #expect(fit.channels == 3 && fit.passDispatch == .microseconds(4) && fit.passWakeup == .microseconds(8))
            #expect(fit.worstError == 0 && fit.score == 0)
            #expect(fit.pool?.measured == made.poolIOPS && fit.pool?.modelled == made.poolIOPS)
            #expect((fit.otherScore ?? 0) > 0)
        }
    }

    /// The four blocking threads' IOPS is scored as the depths' are: a measured pool IOPS that the model
    /// overshoots by 15% scores one tolerance more, and the profile names the pool's row.
    @Test("the search scores the blocking threads' IOPS")
    func scoresThePoolIOPS() throws {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        let device = Calibration.withParallelism(base.device, 2, .zero)
        var iops: [(Int, Double)] = []
        for depth in [1, 16] {
            let s = Calibration.deviceWorkload(depth: depth, machine: base.machine, kernel: base.kernel, device: device, interrupts: base.interrupts)
            iops.append((depth, try Simulator(s).run().iops))
        }
        let pool = try Simulator(
            Calibration.poolWorkload(machine: base.machine, kernel: base.kernel, device: device, interrupts: base.interrupts)
        ).run().iops
        func fit(poolIOPS: Double?) throws -> ParallelismFit {
            try #require(
                Calibration.fitParallelism(
                    machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts,
                    measured: iops, poolIOPS: poolIOPS, channels: [2], dispatches: [.zero]))
        }
        let without = try fit(poolIOPS: nil)
        #expect(without.score == 0 && without.pool == nil)
        let exact = try fit(poolIOPS: pool)
        #expect(exact.score == 0 && exact.pool?.modelled == pool)
        let off = try fit(poolIOPS: pool / 1.15)
        #expect(abs(off.score - 1) < 1e-9, "\(off.score)")
        var report = base
        report.parallelismFit = off
        #expect(Calibration.profile(for: report).contains(", 4 blocking threads \(Int(pool.rounded())) vs \(Int((pool / 1.15).rounded())); worst"))
    }

    /// The QD32 run through fio's loop is a check of the fitted model, not a figure it is fitted to: the report
    /// carries the measured figure and the model's, made with the fitted device, and the profile names both; the
    /// device does not move with the figure.
    @Test("the run through fio's loop is checked against the fitted model")
    func checksTheFioLoop() throws {
        let grid = Calibration.ParallelismGrid(channels: [1, 2], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0])
        let without = Calibration.fit(referenceFigures(), cpuCount: 2, parallelism: grid)
        #expect(without.fioLoopCheck == nil)
        var figures = referenceFigures()
        figures.append(CalibrationFigure(name: "IOPS 4KiB QD32 fio's loop", unit: "IOPS", median: 99_000, minimum: 98_000, maximum: 100_000, repeats: 5))
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        #expect(report.device == without.device)
        let check = try #require(report.fioLoopCheck)
        #expect(check.measured == 99_000)
        let s = Calibration.deviceWorkload(
            depth: 32, machine: report.machine, kernel: report.kernel, device: report.device, interrupts: report.interrupts,
            submitEach: true)
        #expect(check.modelled == (try Simulator(s).run().iops))
        #expect(report.profileText.contains("a check, not fitted: IOPS 4KiB QD32 fio's loop 99000 IOPS"))
    }

    /// The 64 KiB depth-4 IOPS the model makes with a 700 MB/s device: the bisection finds 700 MB/s again (the
    /// lowest whole MB/s that reaches them); IOPS no rate in the range reaches, or that the rate hardly moves, fit
    /// nothing. A 4 KiB request keeps its service: the model's QD1 latency stays within a few ns. Through `fit`
    /// with the figure the device takes the rate, the device's search runs again on it, the report's rows are the
    /// final device's, the profile names the figure and the slope's rate, and without the figure the slope's rate
    /// stays.
    @Test("the bandwidth is fitted by simulation to the 64 KiB reads at depth 4")
    func fitsTheBandwidthToThe64KiBRun() throws {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        func iops(_ r: CalibrationReport, _ device: DeviceConfig, bytes: Int64 = 65_536, depth: Int = 4) throws -> Double {
            let s = Calibration.deviceWorkload(
                depth: depth, machine: r.machine, kernel: r.kernel, device: device, interrupts: r.interrupts, bytes: bytes)
            return try Simulator(s).run().iops
        }
        let slow = Calibration.withBandwidth(base.device, 700_000_000)
        #expect(slow.bandwidthBytesPerSecond == 700_000_000)
        // The 4 KiB service is kept: the latency mean took the transfer's change (5,852 - 1,944 ns here).
        let qd1 = { (d: DeviceConfig) in
            Calibration.modelQD1Latency(machine: base.machine, kernel: base.kernel, device: d, interrupts: base.interrupts)
        }
        let (qd1Before, qd1Slow) = (try #require(qd1(base.device)), try #require(qd1(slow)))
        #expect(base.device.readLatency.mean - slow.readLatency.mean == 5_852 - 1_944)
        // The distribution's mean keeps the service exactly; the run's 1,040 draws scale with it, so their mean
        // moves by their own deviation from it (2.5% here) of the 3,908 ns.
        #expect(abs(qd1Slow - qd1Before) < 0.05 * 3_908, "\(qd1Slow) against \(qd1Before)")
        let measured = try iops(base, slow)
        #expect(measured < (try iops(base, base.device)) * 0.9)  // the rate matters at 64 KiB
        let fit = try #require(
            Calibration.fitBandwidth(
                measured: measured, machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts))
        #expect(fit.bytesPerSecond == 700_000_000)
        #expect(fit.modelled == measured)
        #expect(fit.before == base.device.bandwidthBytesPerSecond)
        #expect(fit.modelledBefore == (try iops(base, base.device)))
        for outOfReach in [10.0, 10_000_000] {
            #expect(
                Calibration.fitBandwidth(
                    measured: outOfReach, machine: base.machine, kernel: base.kernel, device: base.device,
                    interrupts: base.interrupts) == nil)
        }
        // With a device whose 64 KiB service is mostly its latency (1 ms), the rate is told by IOPS made at 700
        // MB/s (a 94 us transfer), but not by IOPS made at 10 GB/s (twice the rate gives under 1% more): nothing
        // is fitted then. IOPS reached only at the range's top tell no rate either.
        var latent = base.device
        latent.readLatency = .logNormal(mean: 1_000_000, sigma: 0.45)
        func fitted(_ measured: Double) -> BandwidthFit? {
            Calibration.fitBandwidth(
                measured: measured, machine: base.machine, kernel: base.kernel, device: latent, interrupts: base.interrupts)
        }
        #expect(fitted(try iops(base, Calibration.withBandwidth(latent, 700_000_000)))?.bytesPerSecond == 700_000_000)
        #expect(fitted(try iops(base, Calibration.withBandwidth(latent, 10_000_000_000))) == nil)
        #expect(fitted(try iops(base, Calibration.withBandwidth(latent, 100_000_000_000))) == nil)
        // No rate so slow that the 4 KiB service could not be kept: the latency mean stops at 1 us.
        let slowest = try #require(Calibration.slowestKeepingService(base.device))
        let atSlowest = Calibration.withBandwidth(base.device, slowest * 1_000_000)
        #expect(atSlowest.readLatency.mean >= 1_000)
        #expect(Calibration.withBandwidth(base.device, (slowest - 1) * 1_000_000).readLatency.mean == 1_000)

        let grid = Calibration.ParallelismGrid(channels: [1, 2], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0])
        let without = Calibration.fit(referenceFigures(), cpuCount: 2, parallelism: grid)
        #expect(without.bandwidthFit == nil)
        var figures = referenceFigures()
        let measuredThere = try iops(without, Calibration.withBandwidth(without.device, 700_000_000))
        figures.append(
            CalibrationFigure(
                name: FigureName.iopsForBandwidth, unit: "IOPS", median: measuredThere, minimum: measuredThere,
                maximum: measuredThere, repeats: 5))
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        let b = try #require(report.bandwidthFit)
        #expect(report.device.bandwidthBytesPerSecond == b.bytesPerSecond)
        #expect(b.before == without.device.bandwidthBytesPerSecond)
        // The report's figures are the final device's: the 64 KiB IOPS, within 1% of the measured (the second fit,
        // on the searched device, moved the rate by whole MB/s), and the depths' rows.
        #expect(b.modelled == (try iops(report, report.device)))
        #expect(abs(b.modelled - measuredThere) / measuredThere < 0.01)
        // The 4 KiB transfers hold the link three times as long: the search ran again on the new rate, and chose 2
        // channels where the slope's rate had 1, closer to the measured depths.
        let searched = try #require(report.parallelismFit), before = try #require(without.parallelismFit)
        #expect(report.device.channels == 2 && without.device.channels == 1)
        #expect(searched.worstError < before.worstError)
        for row in searched.rows {
            #expect(row.modelled == (try iops(report, report.device, bytes: 4096, depth: row.depth)), "QD\(row.depth)")
        }
        #expect(try #require(report.latencyFit).afterBandwidthFit)
        #expect(report.profileText.contains("by simulation: the model's 64KiB random reads at QD4 make"))
        #expect(report.profileText.contains("against IOPS 64KiB QD4 "))
        #expect(report.profileText.contains("At \(Calibration.rate(without.device.bandwidthBytesPerSecond)) (slope between"))
        #expect(report.profileText.contains("(the bandwidth fitted after)"))
        #expect(try loadThroughExtends(report.profileText).device.bandwidthBytesPerSecond == b.bytesPerSecond)
    }

    /// The QD1 check's text says whether the model's QD1 latency is within 1% of the measured one, and whether it
    /// was taken again after the bandwidth's fit.
    @Test("the QD1 latency check says whether it held")
    func theLatencyCheckSaysWhetherItHeld() {
        var f = LatencyFit(measured: 50_000, before: 50_400, after: 50_400, gaveUp: .zero, steps: 0)
        #expect(Calibration.latencyCheck(f) == "; by simulation the model's QD1 latency is 50.4us, as measured")
        f.after = 51_000
        f.afterBandwidthFit = true
        #expect(
            Calibration.latencyCheck(f)
                == "; by simulation the model's QD1 latency is 51us (the bandwidth fitted after) against 50us measured")
        f.steps = 2
        f.gaveUp = .nanoseconds(700)
        f.after = 50_100
        #expect(
            Calibration.latencyCheck(f)
                == "; by simulation the model's QD1 latency was 50.4us, 50.1us after the mean gave up 700ns in 2 steps, "
                + "hostCPUs refitted each (the bandwidth fitted after), as measured")
    }

    /// The IOPS beside a busy CPU that the model gives with 1.2 host CPUs: the search finds 1.2; the IOPS it
    /// gives without sharing: the search keeps 0 (not shared). The profile carries the value and loads.
    @Test("the search recovers the host CPUs the device shares")
    func recoversKnownHostCPUs() throws {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        func iops(_ milli: Int64) throws -> Double {
            var m = base.machine
            m.hostMilliCPUs = milli
            let s = Calibration.besideBusyCPUWorkload(machine: m, kernel: base.kernel, device: base.device, interrupts: base.interrupts)
            return try Simulator(s).run().iops
        }
        let shared = try iops(1_200), unshared = try iops(0)
        #expect(shared < unshared * 0.9)  // the busy CPU slows the device
        func fit(_ measured: Double) throws -> HostFit {
            try #require(
                Calibration.fitHostCPUs(
                    machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts,
                    probe: .besideBusyCPU, measured: measured, candidates: [0, 1_000, 1_200, 1_500]))
        }
        #expect(try fit(shared).milliCPUs == 1_200)
        #expect(try fit(shared).modelled == shared)
        #expect(try fit(unshared).milliCPUs == 0)
        #expect(try fit(shared).unshared == unshared)
        // Through `fit` with the figure measured: the profile says 1.20 and loads as 1,200 thousandths.
        var figures = referenceFigures()
        figures.append(CalibrationFigure(name: "IOPS 4KiB QD1 beside a busy CPU", unit: "IOPS", median: shared, minimum: shared, maximum: shared, repeats: 5))
        let grid = Calibration.ParallelismGrid(channels: [1], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0, 1_200])
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        #expect(report.hostFit != nil)
        #expect(report.profileText.contains("hostCPUs: "))
        let loaded = try loadThroughExtends(report.profileText)
        #expect(loaded.machine.hostMilliCPUs == report.machine.hostMilliCPUs)
    }

    /// The SQPOLL run's IOPS that the model gives with 1.5 host CPUs: the search finds 1.5, and without sharing 0.
    /// Through `fit`, that run is preferred to the spinner's, whose run becomes a check on the final model; a
    /// profile with the spinner's run alone (recorded before) is fitted to it, with no check.
    @Test("the host CPUs are fitted to the SQPOLL run, the spinner's run a check")
    func fitsTheHostToTheSQPOLLRun() throws {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        func iops(_ milli: Int64, _ probe: HostProbe = .sqpoll) throws -> Double {
            var m = base.machine
            m.hostMilliCPUs = milli
            let s = Calibration.hostProbeWorkload(probe, machine: m, kernel: base.kernel, device: base.device, interrupts: base.interrupts)
            return try Simulator(s).run().iops
        }
        let shared = try iops(1_500), unshared = try iops(0)
        #expect(shared < unshared * 0.95)  // the poller's busy CPU slows the device
        let s = Calibration.sqpollWorkload(machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts)
        let run = try Simulator(s).run()
        #expect(run.threads.kernelCreated == 1 && run.iosCompleted == 1_040)  // one SQ thread, depth 1's IOs
        func fit(_ measured: Double) throws -> HostFit {
            try #require(
                Calibration.fitHostCPUs(
                    machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts,
                    probe: .sqpoll, measured: measured, candidates: [0, 1_000, 1_500, 2_000]))
        }
        #expect(try fit(shared).milliCPUs == 1_500 && fit(shared).probe == .sqpoll)
        #expect(try fit(shared).modelled == shared && fit(shared).unshared == unshared)
        #expect(try fit(unshared).milliCPUs == 0)

        let grid = Calibration.ParallelismGrid(channels: [1], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0, 1_500])
        func figure(_ name: String, _ value: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: "IOPS", median: value, minimum: value, maximum: value, repeats: 5)
        }
        var figures = referenceFigures()
        figures.append(figure(FigureName.iopsBesideBusyCPU, 18_000))
        figures.append(figure(FigureName.iopsSQPOLL, shared))
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        let host = try #require(report.hostFit)
        #expect(host.probe == .sqpoll && host.measured == shared)
        #expect(report.machine.hostMilliCPUs == host.milliCPUs)
        // Its modelled and unshared IOPS are the final model's.
        func final(_ r: CalibrationReport, _ milli: Int64) throws -> Double {
            var m = r.machine
            m.hostMilliCPUs = milli
            return try Simulator(Calibration.sqpollWorkload(machine: m, kernel: r.kernel, device: r.device, interrupts: r.interrupts))
                .run().iops
        }
        #expect(try host.modelled == final(report, host.milliCPUs) && host.unshared == final(report, 0))
        let check = try #require(host.besideBusyCheck)
        let beside = Calibration.besideBusyCPUWorkload(
            machine: report.machine, kernel: report.kernel, device: report.device, interrupts: report.interrupts)
        let besideIOPS = try Simulator(beside).run().iops
        #expect(check.measured == 18_000 && check.modelled == besideIOPS)
        let line = try #require(report.profileText.split(separator: "\n").first { $0.contains("hostCPUs: ") })
        #expect(line.contains("// IOPS 4KiB QD1 SQPOLL "))
        #expect(line.contains("; a check: IOPS 4KiB QD1 beside a busy CPU 18000 IOPS"))
        let loaded = try loadThroughExtends(report.profileText)
        #expect(loaded.machine.hostMilliCPUs == report.machine.hostMilliCPUs)

        // Recorded before the SQPOLL run: the spinner's run is the one fitted, and nothing is checked.
        figures.removeLast()
        let older = try #require(Calibration.fit(figures, cpuCount: 2, parallelism: grid).hostFit)
        #expect(older.probe == .besideBusyCPU && older.measured == 18_000 && older.besideBusyCheck == nil)

        // With the device's bandwidth fitted after the search, the host's IOPS are taken again on the final device.
        let slower = Calibration.withBandwidth(report.device, 700_000_000)
        let atRate = try Simulator(
            Calibration.bandwidthWorkload(machine: report.machine, kernel: report.kernel, device: slower, interrupts: report.interrupts)
        ).run().iops
        figures.append(figure(FigureName.iopsSQPOLL, shared * 0.9))  // so that the host is shared on any device
        figures.append(figure(FigureName.iopsForBandwidth, atRate))
        let refitted = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        let refreshed = try #require(refitted.hostFit)
        #expect(refreshed.milliCPUs == 1_500)
        #expect(refitted.bandwidthFit != nil && refitted.device.bandwidthBytesPerSecond != report.device.bandwidthBytesPerSecond)
        #expect(try refreshed.modelled == final(refitted, refreshed.milliCPUs) && refreshed.unshared == final(refitted, 0))
    }

    /// The buffered cold run's system time per IO that the model gives with a 3 us miss: the fit gives 3 us back
    /// (to 10 ns), the page's copy being in the task's work on both sides; it names the figure in the profile,
    /// and keeps the default without it.
    @Test("the page-cache miss is fitted from the buffered cold run")
    func recoversThePageCacheMiss() throws {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        #expect(base.kernel.pageCacheMiss == KernelConfig().pageCacheMiss)
        var k = base.kernel
        k.pageCacheMiss = .microseconds(3)
        let s = Calibration.bufferedColdWorkload(machine: base.machine, kernel: k, device: base.device, interrupts: base.interrupts)
        let perIO = try #require(Calibration.modelSystemPerIO(s))
        var figures = referenceFigures()
        figures.append(
            CalibrationFigure(name: "system per IO 4KiB buffered cold QD1", unit: "ns", median: perIO, minimum: perIO, maximum: perIO, repeats: 5))
        let report = Calibration.fit(figures, cpuCount: 2)
        #expect(abs(report.kernel.pageCacheMiss.nanoseconds - 3_000) <= 10)
        #expect(report.profileText.contains("system per IO 4KiB buffered cold QD1"))
    }

    /// The same with a device that takes 8 us to wake for a kick: the search over wake-ups finds it too.
    @Test("the search recovers the device's wake-up")
    func recoversKnownWakeup() throws {
        var base = Calibration.fit(referenceFigures(), cpuCount: 2)
        base.device.readLatency = .logNormal(mean: 30_000, sigma: 0.45)  // room for 4 us of dispatch and 8 of wake-up
        var measured: [(Int, Double)] = []
        for depth in [1, 4, 16] {
            let s = Calibration.deviceWorkload(
                depth: depth, machine: base.machine, kernel: base.kernel,
                device: Calibration.withParallelism(base.device, 2, .microseconds(4), .microseconds(8)), interrupts: base.interrupts)
            measured.append((depth, try Simulator(s).run().iops))
        }
        let fit = try #require(
            Calibration.fitParallelism(
                machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts,
                measured: measured, channels: [1, 2], dispatches: [.zero, .microseconds(4)],
                wakeups: [.zero, .microseconds(8), .microseconds(16)]))
        #expect(fit.channels == 2)
        #expect(fit.passDispatch == .microseconds(4))
        #expect(fit.passWakeup == .microseconds(8))
        #expect(fit.worstError == 0)
        // With a mean that cannot give up 4 + 8 us, that pair is not tried (queue depth 1 would lose its latency).
        base.device.readLatency = .logNormal(mean: 10_000, sigma: 0.45)
        let tight = try #require(
            Calibration.fitParallelism(
                machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts,
                measured: measured, channels: [1, 2], dispatches: [.zero, .microseconds(4)],
                wakeups: [.zero, .microseconds(8), .microseconds(16)]))
        #expect(tight.passDispatch.nanoseconds + tight.passWakeup.nanoseconds <= 9_000)
    }

    /// With only the QD1 figure (or depths whose interrupts per IO hardly differ), only the deferred routine is
    /// fitted: the QD1 time minus the default ISR.
    @Test("one depth fits the deferred routine only")
    func oneDepthFitsDeferredOnly() throws {
        let figures = referenceFigures().filter { !$0.name.hasPrefix("irq+softirq") || $0.name.hasSuffix("QD1") }
        let costs = try #require(Calibration.interruptCosts(figures))
        #expect(costs.isr == nil)
        #expect(costs.deferred == 6_200 - InterruptConfig().isr.nanoseconds)
        #expect(Calibration.interruptCosts(figures.filter { !$0.name.hasPrefix("irq+softirq") }) == nil)
    }

    /// The dispatch is taken out of the latency mean, so a lone request's time in the device is unchanged.
    @Test("the latency mean gives up the dispatch")
    func latencyGivesUpTheDispatch() {
        var d = DeviceConfig()
        d.readLatency = .logNormal(mean: 30_000, sigma: 0.45)
        let with = Calibration.withParallelism(d, 4, .microseconds(6))
        #expect(with.readLatency == .logNormal(mean: 24_000, sigma: 0.45))
        #expect(with.channels == 4 && with.passDispatch == .microseconds(6))
        #expect(Calibration.withParallelism(d, 2, .microseconds(40)).readLatency == .logNormal(mean: 1_000, sigma: 0.45))
    }
}

/// IRQ time counts as accounted when most queue-depth-1 repeats read some: one zero among five is a reading.
@Test func irqTimeIsAccountedWhenMostRepeatsReadSome() {
    #expect(Calibration.irqTimeAccounted(queueDepth1: [1_500, 0, 1_200, 1_700, 900]))
    #expect(Calibration.irqTimeAccounted(queueDepth1: [1_500, 1_200, 0]))
    #expect(!Calibration.irqTimeAccounted(queueDepth1: [0, 0, 0, 0, 0]))
    #expect(!Calibration.irqTimeAccounted(queueDepth1: [0, 1_000, 0, 0, 1_000]))
    #expect(!Calibration.irqTimeAccounted(queueDepth1: [0, 1_000]))
    #expect(!Calibration.irqTimeAccounted(queueDepth1: []))
}

@Suite("Validation medians")
struct ValidationMedianTests {
    /// Each metric's measured value becomes its median over the runs; the prediction and tolerances stay.
    @Test func medianPerMetric() {
        func row(_ name: String, _ measured: Double) -> MetricComparison {
            MetricComparison(name: name, unit: "", predicted: 10, measured: measured, tolerance: 0.15, slack: 0)
        }
        let runs = [[row("a", 9), row("b", 1)], [row("a", 30), row("b", 3)], [row("a", 10), row("b", 2)]]
        let rows = Validation.medianRows(runs)
        #expect(rows.map(\.measured) == [10, 2])
        #expect(rows.map(\.name) == ["a", "b"])
        #expect(rows.map(\.predicted) == [10, 10])
        #expect(Validation.medianRows(Array(runs.prefix(2))).map(\.measured) == [19.5, 2])
        #expect(Validation.medianRows([]).isEmpty)
        #expect(rows.map(\.measuredRange) == [9...30, 1...3])
        #expect(Validation.medianRows([[row("a", 9)]]).first?.measuredRange == nil)
    }

    /// The table's last column gives each measured range as errors from the median; one run has no column.
    @Test func tableShowsTheMeasuredSpread() {
        func row(_ measured: Double) -> MetricComparison {
            MetricComparison(name: "IOPS", unit: "IO/s", predicted: 10, measured: measured, tolerance: 0.15, slack: 0)
        }
        let rows = Validation.medianRows([[row(8)], [row(10)], [row(11)]])
        let table = Validation.table(rows, title: "t")
        #expect(table.contains("measured spread"))
        #expect(table.contains("-20.0% .. +10.0%"))
        let single = Validation.table([row(10)], title: "t")
        #expect(!single.contains("spread"))
        #expect(single.split(separator: "\n").allSatisfy { !$0.hasSuffix(" ") })
        // A row without a range among rows with one: no trailing spaces either.
        let mixed = Validation.table(rows + [row(10)], title: "t")
        #expect(mixed.split(separator: "\n").allSatisfy { !$0.hasSuffix(" ") })
        #expect(Validation.spread(0...2, around: 0) == "0.00 .. 2.00")
    }

    /// The summary counts the metrics off and names their scenarios, and counts and names the figures off apart.
    @Test func summaryCountsTheMetricsAndTheFiguresOff() {
        func row(_ name: String, figure: Bool, passes: Bool) -> MetricComparison {
            var r = MetricComparison(name: name, unit: "", predicted: passes ? 10 : 20, measured: 10, tolerance: 0.15, slack: 0)
            r.isFigure = figure
            return r
        }
        let all = [
            (name: "a", rows: [row("IOPS", figure: true, passes: true), row("kernel threads", figure: false, passes: false)]),
            (name: "b", rows: [row("IOPS", figure: true, passes: false), row("p99 latency", figure: false, passes: true)]),
            (name: "c", rows: [row("IOPS", figure: true, passes: true)]),
        ]
        #expect(
            Validation.summary(all)
                == "summary: 2 of 5 metrics off, in 2 of 3 scenarios (a, b); the figures (IOPS and mean latency within 15%, "
                + "CPU per IO within 25% or 1 us, interrupts per IO within 25% or 0.05): 1 of 3 off (b IOPS)\n")
        #expect(
            Validation.summary([all[2]])
                == "summary: 0 of 1 metrics off; the figures (IOPS and mean latency within 15%, CPU per IO within 25% or "
                + "1 us, interrupts per IO within 25% or 0.05): 0 of 1 off\n")
        // Two figures off in one scenario are both named, in order.
        let two = [(name: "d", rows: [row("IOPS", figure: true, passes: false), row("mean latency", figure: true, passes: false)])]
        #expect(Validation.summary(two).hasSuffix(": 2 of 2 off (d IOPS; d mean latency)\n"))
        // With repeats, the widest spread of the measured IOPS (here e's: 9 to 12 around 10, 30%; f's 10%).
        var e = row("IOPS", figure: true, passes: true), f = e
        e.measuredRange = 9...12
        f.measuredRange = 9.5...10.5
        #expect(
            Validation.summary([(name: "f", rows: [f]), (name: "e", rows: [e])]).hasSuffix(
                "0 of 2 off; the measured IOPS moved by up to 30.0% of its median over the repeats (e)\n"))
    }
}

/// Costs given to the calibration (`iosim calibrate --given`) are kept, named in the profile, and the device is
/// fitted around them.
@Suite("Calibration with given costs")
struct GivenCostTests {
    @Test func givenKernelCostsAreKeptAndNamed() throws {
        let given = [
            GivenCost(key: .requestCreate, value: .nanoseconds(3_100)), GivenCost(key: .driverSubmit, value: .nanoseconds(4_400)),
            GivenCost(key: .doorbell, value: .nanoseconds(4_000)),
        ]
        let plain = Calibration.fit(referenceFigures(), cpuCount: 2)
        let report = Calibration.fit(referenceFigures(), cpuCount: 2, given: given)
        #expect(report.kernel.requestCreate == .nanoseconds(3_100))
        #expect(report.kernel.driverSubmit == .nanoseconds(4_400))
        #expect(report.kernel.doorbell == .nanoseconds(4_000))
        #expect(report.profileText.contains("doorbell: \"4us\","))
        #expect(report.profileText.contains("given (--given kernel.doorbell)"))
        // The device's latency gives up what the software path gained: QD1 stays the measured figure.
        let path = Calibration.softwarePath(machine: report.machine, kernel: report.kernel, interrupts: report.interrupts)
        let plainPath = Calibration.softwarePath(machine: plain.machine, kernel: plain.kernel, interrupts: plain.interrupts)
        #expect(path != plainPath)
        #expect(
            (report.device.readLatency.mean + Double(path.nanoseconds)).rounded()
                == (plain.device.readLatency.mean + Double(plainPath.nanoseconds)).rounded())
        let s = try loadThroughExtends(report.profileText)
        #expect(s.kernel == report.kernel)
    }

    /// A busy CPU's stall at an interrupt, given, is kept and named; the profile loads back with it. Without it,
    /// it stays 0 and says where a trace tells it.
    @Test func aGivenBusyStallIsKeptAndNamed() throws {
        let report = Calibration.fit(referenceFigures(), cpuCount: 2, given: [GivenCost(key: .busyStall, value: .microseconds(11))])
        #expect(report.interrupts.busyStall == .microseconds(11))
        #expect(report.profileText.contains("busyStall: \"11us\","))
        #expect(report.profileText.contains("given (--given interrupts.busyStall)"))
        #expect(try loadThroughExtends(report.profileText).interrupts == report.interrupts)
        let plain = Calibration.fit(referenceFigures(), cpuCount: 2)
        #expect(plain.interrupts.busyStall == .zero)
        #expect(plain.profileText.contains(".bench/trace-costs.sh"))
    }

    /// A given per-page O_DIRECT cost is kept and named (it replaces the slope of the QD1 system time by size,
    /// which the profile names beside it when measured).
    @Test func aGivenPerPageCostIsKeptAndNamed() throws {
        let plain = Calibration.fit(referenceFigures(), cpuCount: 2)
        let report = Calibration.fit(
            referenceFigures(), cpuCount: 2, given: [GivenCost(key: .directIOPerPage, value: .nanoseconds(150))])
        #expect(plain.kernel.directIOPerPage != .nanoseconds(150))
        #expect(report.kernel.directIOPerPage == .nanoseconds(150))
        #expect(report.profileText.contains("directIOPerPage: \"150ns\","))
        #expect(report.profileText.contains("given (--given kernel.directIOPerPage)"))
        #expect(try loadThroughExtends(report.profileText).kernel == report.kernel)
    }

    /// A given wake-up is the only one the device search tries, and the profile names it as given.
    @Test func aGivenWakeupIsNotSearched() {
        let grid = Calibration.ParallelismGrid(channels: [1, 2], dispatches: [.zero], wakeups: [.zero, .microseconds(8)])
        let report = Calibration.fit(
            referenceFigures(), cpuCount: 2, parallelism: grid, given: [GivenCost(key: .passWakeup, value: .microseconds(3))])
        #expect(report.parallelismFit?.passWakeup == .microseconds(3))
        #expect(report.device.passWakeup == .microseconds(3))
        #expect(report.profileText.contains("given (--given device.passWakeup)"))
    }
}

/// The deferred routine's wake-up cost, from four blocking threads that wake one thread per request against
/// io_uring's one per interrupt.
@Suite("Calibration of the wake-up in the deferred routine")
struct DeferredWakeFitTests {
    /// The reference line is 5,000 ns per interrupt + 1,200 per request; four threads at 0.3 interrupts per IO
    /// with a 2,000 ns wake-up spend (5,000 - 2,000) x 0.3 + 2,000 + 1,200 = 4,100 ns per IO.
    @Test func theWakeIsSplitFromTheISR() {
        func f(_ name: String, _ median: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: "", median: median, minimum: median, maximum: median, repeats: 5)
        }
        let figures = referenceFigures() + [f(FigureName.poolIrqSoftirq, 4_100), f(FigureName.poolInterrupts, 0.3)]
        let report = Calibration.fit(figures, cpuCount: 2)
        #expect(report.interrupts.deferredWake == .nanoseconds(2_000))
        #expect(report.interrupts.isr == .nanoseconds(3_000))
        #expect(report.interrupts.deferredPerRequest == .nanoseconds(1_200))
        #expect(report.profileText.contains("deferredWake: \"2us\","))
        // Without the threads' figures nothing is split off.
        #expect(Calibration.fit(referenceFigures(), cpuCount: 2).interrupts.deferredWake == .zero)
        // Threads whose every request raised its own interrupt cannot tell the two apart.
        let alone = referenceFigures() + [f(FigureName.poolIrqSoftirq, 6_200), f(FigureName.poolInterrupts, 1.0)]
        #expect(Calibration.fit(alone, cpuCount: 2).interrupts.deferredWake == .zero)
    }
}

@Suite("Interrupt costs fitted by simulation")
struct InterruptCostFitTests {
    /// irq + softirq per IO made by the model itself with an isr of 3,000 ns, a deferred routine of 1,200, a
    /// wake-up of 2,000 and a wake-up IPI of 0 or 5,000, at each queue depth and for the four blocking threads: the
    /// fit, weighing the costs by the model's own interrupts, wake-ups and IPIs per IO (counted in runs with the
    /// true costs and with a wake-up, or an IPI, 1 us longer), finds the four again, to 10 ns.
    @Test(arguments: [0, 5_000] as [Int64])
    func recoversKnownCosts(ipi: Int64) throws {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        var truth = base.interrupts
        truth.isr = .nanoseconds(3_000)
        truth.deferredPerRequest = .nanoseconds(1_200)
        truth.deferredWake = .nanoseconds(2_000)
        truth.deferredWakeRemote = .nanoseconds(ipi)
        func perIO(_ s: Scenario) throws -> Double {
            let r = try Simulator(s).run()
            return Double((r.totalCPU[.irq] + r.totalCPU[.deferred]).nanoseconds) / Double(r.iosCompleted)
        }
        func f(_ name: String, _ median: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: "", median: median, minimum: median, maximum: median, repeats: 5)
        }
        var figures = referenceFigures().filter { !$0.name.hasPrefix("irq+softirq") }
        for depth in FigureName.depths {
            let s = Calibration.deviceWorkload(
                depth: depth, machine: base.machine, kernel: base.kernel, device: base.device, interrupts: truth)
            figures.append(f(FigureName.irqSoftirq(depth: depth), try perIO(s)))
        }
        let pool = Calibration.poolWorkload(machine: base.machine, kernel: base.kernel, device: base.device, interrupts: truth)
        figures.append(f(FigureName.poolIrqSoftirq, try perIO(pool)))
        let fit = try #require(
            Calibration.fitInterruptCosts(
                figures, machine: base.machine, kernel: base.kernel, device: base.device, interrupts: truth))
        #expect(abs(fit.isr.nanoseconds - 3_000) <= 10, "\(fit)")
        #expect(abs(fit.deferred.nanoseconds - 1_200) <= 10, "\(fit)")
        #expect(abs(fit.wake.nanoseconds - 2_000) <= 10, "\(fit)")
        #expect(abs(fit.wakeRemote.nanoseconds - ipi) <= 10, "\(fit)")
        #expect(fit.rows.count == 5)
        // Only the blocking threads wake threads on the other, idle CPU.
        #expect(fit.rows[4].wakeIPIsPerIO > 0.05, "\(fit.rows[4])")
        // Deeper queues have fewer interrupts per IO, and the blocking threads a wake-up per IO.
        #expect(fit.rows[0].interruptsPerIO > fit.rows[3].interruptsPerIO)
        #expect(abs(fit.rows[4].wakesPerIO - 1) < 0.01)
        for row in fit.rows { #expect(abs(row.modelled - row.measured) < 0.02 * row.measured, "\(row)") }
    }

    /// The fitted interrupt costs make the QD1 path longer than the first line fit did; the device's latency mean
    /// gives that up on both devices (the one the second pass simulates and the one the search starts from), so
    /// after the search runs again the model's QD1 latency is still the measured one.
    @Test func theQD1LatencyStaysWhereItWasFittedAfterTheInterruptFit() throws {
        let grid = Calibration.ParallelismGrid(channels: [1, 2], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0])
        // The blocking threads' figure is not one the QD1 costs explain: the least squares move the QD1 sum.
        var figures = referenceFigures()
        figures.append(CalibrationFigure(name: FigureName.poolIrqSoftirq, unit: "ns", median: 12_000, minimum: 12_000, maximum: 12_000, repeats: 5))
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        let fit = try #require(report.interruptFit)
        let first = Calibration.fit(figures, cpuCount: 2)
        let gained = (fit.isr + fit.deferred + fit.wake) - (first.interrupts.isr + first.interrupts.deferredPerRequest + first.interrupts.deferredWake)
        #expect(abs(gained.nanoseconds) > 1_000, "the fit moves the QD1 path by \(gained)")
        let s = Calibration.deviceWorkload(
            depth: 1, machine: report.machine, kernel: report.kernel, device: report.device, interrupts: report.interrupts)
        let r = try Simulator(s).run()
        let measured = referenceFigures().first { $0.name == FigureName.readLatency(bytes: 4096) }!.median
        let modelled = r.latency.mean + r.stage(.delivery).mean
        #expect(abs(modelled - measured) / measured < 0.02, "model \(modelled) ns against the \(measured) ns it was fitted to")
    }

    /// With a shared host that polls idle vCPUs (a given hostHaltPoll of 200 us), the submitter's CPU counts as
    /// busy while its one read is in flight, so the device fitted by subtraction serves QD1 slower than measured;
    /// the check by simulation moves the latency mean until the model's QD1 latency is the measured one (the
    /// host CPUs fitted again after each step), and the profile says so. Without the host's polling it moves
    /// nothing.
    @Test func theQD1LatencyIsCheckedBySimulationWithAPollingHost() throws {
        let grid = Calibration.ParallelismGrid(
            channels: [1, 2], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0] + Array(stride(from: Int64(1_000), through: 2_500, by: 100)))
        var figures = referenceFigures()
        figures.append(CalibrationFigure(name: FigureName.iopsBesideBusyCPU, unit: "IOPS", median: 18_000, minimum: 18_000, maximum: 18_000, repeats: 5))
        let measured = referenceFigures().first { $0.name == FigureName.readLatency(bytes: 4096) }!.median
        func modelledQD1(_ r: CalibrationReport) throws -> Double {
            let s = Calibration.deviceWorkload(
                depth: 1, machine: r.machine, kernel: r.kernel, device: r.device, interrupts: r.interrupts)
            let result = try Simulator(s).run()
            return result.latency.mean + result.stage(.delivery).mean
        }
        let polled = Calibration.fit(
            figures, cpuCount: 2, parallelism: grid, given: [GivenCost(key: .hostHaltPoll, value: .microseconds(200))])
        let fit = try #require(polled.latencyFit)
        #expect(polled.machine.hostMilliCPUs > 0)
        #expect(fit.before > measured * 1.03, "the subtraction alone leaves QD1 at \(fit.before) ns")
        #expect(fit.steps >= 1 && fit.gaveUp > .zero)
        #expect(abs(fit.after - measured) < 0.01 * measured, "\(fit)")
        #expect(try modelledQD1(polled) == fit.after)
        #expect(polled.profileText.contains("after the mean gave up"))
        // The device search ran again on the mean the steps left: the depths' IOPS the profile gives beside
        // `channels` are the fitted profile's own (a lower mean serves faster at every depth).
        #expect(fit.searchedAgain)
        #expect(polled.profileText.contains("and the channels and passes searched again on it"))
        let p = try #require(polled.parallelismFit)
        for row in p.rows {
            let s = Calibration.deviceWorkload(
                depth: row.depth, machine: polled.machine, kernel: polled.kernel, device: polled.device, interrupts: polled.interrupts)
            let iops = try Simulator(s).run().iops
            #expect(abs(iops - row.modelled) < 0.01 * row.modelled, "QD\(row.depth): the profile's \(iops) IOPS, the fit's \(row.modelled)")
        }

        let unpolled = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        let still = try #require(unpolled.latencyFit)
        #expect(still.steps == 0 && still.gaveUp == .zero)
        #expect(abs(still.before - measured) < 0.01 * measured)
        #expect(unpolled.profileText.contains("as measured"))
    }

    /// The reference figures and the QD1 system time per IO the model gives with an exit from idle of `exit`.
    func figuresWithTheQD1SystemTime(ofAnIdleExit exit: SimDuration) throws -> [CalibrationFigure] {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        var m = base.machine
        m.idleExit = exit
        let s = Calibration.deviceWorkload(depth: 1, machine: m, kernel: base.kernel, device: base.device, interrupts: base.interrupts)
        let measured = try #require(Calibration.modelSystemPerIO(s))
        return referenceFigures() + [
            CalibrationFigure(name: FigureName.systemPerIO(bytes: 4096), unit: "ns", median: measured, minimum: measured, maximum: measured, repeats: 5)
        ]
    }

    /// The QD1 system time per IO that the model gives with an exit from idle of 6 us: the fit finds 6 us again
    /// (to 10 ns), one exit per IO (the loop sleeps for every read), and the profile names the figure; a given
    /// value is kept.
    @Test func theIdleExitTakesWhatTheQD1SystemTimeLeaves() throws {
        let grid = Calibration.ParallelismGrid(channels: [1], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0])
        let figures = try figuresWithTheQD1SystemTime(ofAnIdleExit: .microseconds(6))
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        #expect(abs(report.machine.idleExit.nanoseconds - 6_000) <= 10, "\(report.machine.idleExit)")
        let fit = try #require(report.idleExitFit)
        #expect(abs(fit.exitsPerIO - 1) < 0.01)
        #expect(report.profileText.contains("idleExit: \"6us\""))
        #expect(report.profileText.contains("exits from idle per IO"))
        let loaded = try loadThroughExtends(report.profileText)
        #expect(loaded.machine.idleExit == report.machine.idleExit)
        let given = Calibration.fit(figures, cpuCount: 2, parallelism: grid, given: [GivenCost(key: .idleExit, value: .microseconds(4))])
        #expect(given.machine.idleExit == .microseconds(4))
        #expect(given.idleExitFit == nil)
    }

    /// With a blocking pread's QD1 system time measured too: idleExit is fitted to it (the pread sleeps for every
    /// read, as the io_uring loop does), and what the io_uring QD1 run has beyond the model's is `kernel.uringWait`,
    /// one per wake-up from io_uring_enter's wait. The model's own figures with an exit of 3 us and a wait of 2 us
    /// are found again (to 10 ns); the profile names both figures and reads back; the latency mean gives the wait
    /// up (it is on the QD1 path). Without pread's figure the wait stays 0 and idleExit takes the io_uring run.
    @Test func theIOUringWaitTakesWhatTheIOUringRunHasBeyondPread() throws {
        let grid = Calibration.ParallelismGrid(channels: [1], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0])
        let base = Calibration.fit(referenceFigures(), cpuCount: 2, parallelism: grid)
        #expect(base.kernel.uringWait == .zero && base.uringWaitFit == nil)
        #expect(base.profileText.contains("uringWait: \"0\","))
        var m = base.machine
        m.idleExit = .microseconds(3)
        var k = base.kernel
        k.uringWait = .microseconds(2)
        let pread = try #require(Calibration.modelSystemPerIO(
            Calibration.preadWorkload(machine: m, kernel: k, device: base.device, interrupts: base.interrupts)))
        let uring = try #require(Calibration.modelSystemPerIO(
            Calibration.deviceWorkload(depth: 1, machine: m, kernel: k, device: base.device, interrupts: base.interrupts)))
        #expect(uring - pread > 1_500, "\(uring) against \(pread)")
        func figure(_ name: String, _ v: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: "ns", median: v, minimum: v, maximum: v, repeats: 5)
        }
        let figures = referenceFigures() + [figure(FigureName.systemPerIO(bytes: 4096), uring), figure(FigureName.preadSystemPerIO, pread)]
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        #expect(abs(report.machine.idleExit.nanoseconds - 3_000) <= 10, "\(report.machine.idleExit)")
        #expect(abs(report.kernel.uringWait.nanoseconds - 2_000) <= 10, "\(report.kernel.uringWait)")
        let exit = try #require(report.idleExitFit), wait = try #require(report.uringWaitFit)
        #expect(exit.workload == FigureName.preadSystemPerIO && abs(exit.exitsPerIO - 1) < 0.01)
        #expect(abs(wait.exitsPerIO - 1) < 0.01)
        #expect(report.profileText.contains("system per IO 4KiB pread QD1"))
        #expect(report.profileText.contains("wake-ups from io_uring_enter's wait per IO"))
        let loaded = try loadThroughExtends(report.profileText)
        #expect(loaded.kernel.uringWait == report.kernel.uringWait && loaded.machine.idleExit == report.machine.idleExit)
        // On the QD1 path the latency mean is fitted around.
        var without = report.kernel
        without.uringWait = .zero
        #expect(Calibration.softwarePath(machine: report.machine, kernel: report.kernel, interrupts: report.interrupts)
            - Calibration.softwarePath(machine: report.machine, kernel: without, interrupts: report.interrupts)
            == report.kernel.uringWait)
        let latency = try #require(report.latencyFit)
        let measuredLatency = referenceFigures().first { $0.name == FigureName.readLatency(bytes: 4096) }!.median
        #expect(abs(latency.before - measuredLatency) < 0.01 * measuredLatency, "\(latency)")
        // Without pread's figure: idleExit takes the io_uring run's whole excess, and the wait stays 0.
        let old = Calibration.fit(referenceFigures() + [figure(FigureName.systemPerIO(bytes: 4096), uring)], cpuCount: 2, parallelism: grid)
        #expect(old.kernel.uringWait == .zero && old.uringWaitFit == nil)
        #expect(old.machine.idleExit.nanoseconds > 4_500, "\(old.machine.idleExit)")
        #expect(old.profileText.contains("no blocking pread run: idleExit holds what io_uring's QD1 run has beyond the model's"))
    }

    /// When io_uring's QD1 system time is under what the model makes of it with idleExit fitted to pread's alone
    /// (here pread's figure is the model's with a 5 us exit, io_uring's the model's with 1 us and no wait), the
    /// wait stays 0 and idleExit is fitted to both: the least squares of the two relative errors, whose derivative
    /// is zero there (to the 10 ns idleExit is rounded to), so neither figure is met and each is missed by less
    /// than the io_uring run was with pread's answer alone.
    @Test func twoQD1FiguresThatDisagreeAreBothFitted() throws {
        let grid = Calibration.ParallelismGrid(channels: [1], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0])
        let base = Calibration.fit(referenceFigures(), cpuCount: 2, parallelism: grid)
        func systemPerIO(exit: SimDuration, pread: Bool, _ r: CalibrationReport = base) throws -> Double {
            try qd1SystemPerIO(exit: exit, pread: pread, machine: r.machine, kernel: r.kernel, device: r.device, interrupts: r.interrupts)
        }
        let mp = try systemPerIO(exit: .microseconds(5), pread: true), mu = try systemPerIO(exit: .microseconds(1), pread: false)
        func figure(_ name: String, _ v: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: "ns", median: v, minimum: v, maximum: v, repeats: 5)
        }
        let figures = referenceFigures() + [figure(FigureName.systemPerIO(bytes: 4096), mu), figure(FigureName.preadSystemPerIO, mp)]
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        #expect(report.kernel.uringWait == .zero)
        let fit = try #require(report.idleExitFit)
        let uring = try #require(fit.alsoFittedTo)
        #expect(abs(uring.measured - mu) < 0.5 && abs(uring.exitsPerIO - 1) < 0.01 && abs(fit.exitsPerIO - 1) < 0.01)
        let exit = report.machine.idleExit
        #expect(exit > .microseconds(1) && exit < .microseconds(5), "\(exit)")
        // The derivative of the summed squared relative errors, at the fitted exit and 10 ns either side.
        func slope(_ e: SimDuration) throws -> Double {
            let p = try systemPerIO(exit: e, pread: true, report), u = try systemPerIO(exit: e, pread: false, report)
            return fit.exitsPerIO * (p - mp) / (mp * mp) + uring.exitsPerIO * (u - mu) / (mu * mu)
        }
        #expect(try slope(exit - .nanoseconds(10)) < 0 && slope(exit + .nanoseconds(10)) > 0)
        let preadMiss = abs(try systemPerIO(exit: exit, pread: true, report) - mp) / mp
        let uringMiss = abs(try systemPerIO(exit: exit, pread: false, report) - mu) / mu
        let aloneMiss = abs(try systemPerIO(exit: .microseconds(5), pread: false, report) - mu) / mu
        #expect(preadMiss > 0.01 && uringMiss > 0.01 && max(preadMiss, uringMiss) < aloneMiss, "\(preadMiss) \(uringMiss) \(aloneMiss)")
        #expect(report.profileText.contains("least squares of the relative errors of two figures"))
        #expect(report.profileText.contains("alone; then fitted to both QD1 figures"))
        let loaded = try loadThroughExtends(report.profileText)
        #expect(loaded.machine.idleExit == exit)
        // A figure of 0 (ticks that saw no system time) has no relative error: pread's figure alone holds.
        let zero = Calibration.fit(
            referenceFigures() + [figure(FigureName.systemPerIO(bytes: 4096), 0), figure(FigureName.preadSystemPerIO, mp)],
            cpuCount: 2, parallelism: grid)
        #expect(zero.idleExitFit?.alsoFittedTo == nil)
        #expect(abs(zero.machine.idleExit.nanoseconds - 5_000) <= 20, "\(zero.machine.idleExit)")
    }

    /// The exit from idle is on the QD1 path (the loop's CPU idles while its read is in flight), so the latency
    /// mean gives it up, given or fitted, and the model's QD1 latency is the measured one with no further step.
    @Test func theLatencyMeanGivesUpTheIdleExit() throws {
        func mean(_ r: CalibrationReport) -> Int64 {
            if case .logNormal(let m, _) = r.device.readLatency { return m }
            return -1
        }
        let plain = Calibration.fit(referenceFigures(), cpuCount: 2)
        let given = Calibration.fit(referenceFigures(), cpuCount: 2, given: [GivenCost(key: .idleExit, value: .microseconds(4))])
        #expect(mean(plain) - mean(given) == 4_000)

        let grid = Calibration.ParallelismGrid(channels: [1, 2], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0])
        let fitted = Calibration.fit(try figuresWithTheQD1SystemTime(ofAnIdleExit: .microseconds(6)), cpuCount: 2, parallelism: grid)
        #expect(fitted.machine.idleExit > .microseconds(5))
        let latency = try #require(fitted.latencyFit)
        let measured = referenceFigures().first { $0.name == FigureName.readLatency(bytes: 4096) }!.median
        #expect(latency.steps == 0, "\(latency)")
        #expect(abs(latency.before - measured) < 0.01 * measured, "\(latency)")
    }

    /// The QD1 user time per IO the model gives with 1.2 us of user time on leaving idle: the fit finds it again
    /// (to 10 ns), over one exit per IO, the profile names the figure and the loader takes it, and the latency
    /// mean gives it up. Without the figure it stays 0, "not measured".
    @Test func theUserTimeOfLeavingIdleTakesWhatTheQD1UserTimeLeaves() throws {
        let grid = Calibration.ParallelismGrid(channels: [1], dispatches: [.zero], wakeups: [.zero], hostMilliCPUs: [0])
        let base = Calibration.fit(referenceFigures(), cpuCount: 2, parallelism: grid)
        #expect(base.machine.idleExitUser == .zero && base.idleExitUserFit == nil)
        #expect(base.profileText.contains("idleExitUser: \"0\","))
        var m = base.machine
        m.idleExitUser = .nanoseconds(1_200)
        let s = Calibration.deviceWorkload(depth: 1, machine: m, kernel: base.kernel, device: base.device, interrupts: base.interrupts)
        let r = try Simulator(s).run()
        let measured = Double(r.totalCPU[.user].nanoseconds) / Double(r.iosCompleted)
        let figures = referenceFigures() + [
            CalibrationFigure(name: FigureName.userPerIOQD1, unit: "ns", median: measured, minimum: measured, maximum: measured, repeats: 5)
        ]
        let report = Calibration.fit(figures, cpuCount: 2, parallelism: grid)
        #expect(abs(report.machine.idleExitUser.nanoseconds - 1_200) <= 10, "\(report.machine.idleExitUser)")
        let fit = try #require(report.idleExitUserFit)
        #expect(abs(fit.exitsPerIO - 1) < 0.01)
        #expect(report.profileText.contains("idleExitUser: \"1.2us\","))
        #expect(report.profileText.contains("less the model's other user time per IO at QD1"))
        #expect(try loadThroughExtends(report.profileText).machine.idleExitUser == report.machine.idleExitUser)
        // It is on the QD1 path the latency mean is fitted around, as the profile's latency comment counts it.
        var without = report.machine
        without.idleExitUser = .zero
        #expect(Calibration.softwarePath(machine: report.machine, kernel: report.kernel, interrupts: report.interrupts)
            - Calibration.softwarePath(machine: without, kernel: report.kernel, interrupts: report.interrupts)
            == report.machine.idleExitUser)
        // The QD1 latency is still the measured one: the mean gave it up.
        let latency = try #require(report.latencyFit)
        let measuredLatency = referenceFigures().first { $0.name == FigureName.readLatency(bytes: 4096) }!.median
        #expect(abs(latency.before - measuredLatency) < 0.01 * measuredLatency, "\(latency)")
    }

    /// Two workloads cannot fit three costs: nothing is fitted.
    @Test func tooFewWorkloadsFitNothing() {
        let base = Calibration.fit(referenceFigures(), cpuCount: 2)
        let figures = referenceFigures().filter {
            !$0.name.hasPrefix("irq+softirq") || $0.name == FigureName.irqSoftirq(depth: 1) || $0.name == FigureName.irqSoftirq(depth: 4)
        }
        #expect(
            Calibration.fitInterruptCosts(
                figures, machine: base.machine, kernel: base.kernel, device: base.device, interrupts: base.interrupts) == nil)
    }

    /// The CPU that takes the disk's interrupts becomes the target when it took 90% of them in every run.
    @Test func theInterruptTargetIsTheCPUThatTookThem() {
        func f(_ name: String, _ lo: Double, _ hi: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: "", median: hi, minimum: lo, maximum: hi, repeats: 3)
        }
        let one = referenceFigures() + [f(FigureName.interruptCPU, 1, 1), f(FigureName.interruptCPUShare, 0.95, 1)]
        let r = Calibration.fit(one, cpuCount: 2)
        #expect(r.interrupts.target == .fixed(cpu: 1))
        #expect(r.profileText.contains(#"target: "cpu1","#))
        let moving = referenceFigures() + [f(FigureName.interruptCPU, 0, 1), f(FigureName.interruptCPUShare, 0.95, 1)]
        #expect(Calibration.fit(moving, cpuCount: 2).interrupts.target == InterruptConfig().target)
        let spread = referenceFigures() + [f(FigureName.interruptCPU, 1, 1), f(FigureName.interruptCPUShare, 0.6, 0.7)]
        #expect(Calibration.fit(spread, cpuCount: 2).interrupts.target == InterruptConfig().target)
    }
}

extension CalibrationFitTests {
    /// wakePacking is read from the reads submitted on the CPU that does not take the interrupts: woken onto
    /// another CPU in more than half of them, the kernel packs wake-ups; the figure of the interrupts' own CPU
    /// does not count, and without a CPU that took the interrupts, or with that CPU not probed, nothing is set.
    @Test func wakePackingIsReadFromTheReadsSubmittedOffTheInterruptsCPU() throws {
        func f(_ name: String, _ median: Double) -> CalibrationFigure {
            CalibrationFigure(name: name, unit: "share", median: median, minimum: median, maximum: median, repeats: 5)
        }
        let target = [f(FigureName.interruptCPU, 1), f(FigureName.interruptCPUShare, 1)]
        let packing = referenceFigures() + target + [f(FigureName.wokenElsewhere(cpu: 0), 0.95), f(FigureName.wokenElsewhere(cpu: 1), 0)]
        let packed = Calibration.fit(packing, cpuCount: 2)
        #expect(packed.machine.wakePacking)
        #expect(packed.profileText.contains("wakePacking: true,"))
        #expect(packed.profileText.contains("QD1 reads woken onto another CPU, submitted on CPU 0 0.950 share (0.950 - 0.950, 5 repeats) (over half"))
        #expect(try loadThroughExtends(packed.profileText).machine == packed.machine)
        let linux = referenceFigures() + target + [f(FigureName.wokenElsewhere(cpu: 0), 0.05), f(FigureName.wokenElsewhere(cpu: 1), 0.9)]
        #expect(!Calibration.fit(linux, cpuCount: 2).machine.wakePacking)
        #expect(!Calibration.fit(referenceFigures() + [f(FigureName.wokenElsewhere(cpu: 0), 0.95)], cpuCount: 2).machine.wakePacking)
        #expect(!Calibration.fit(referenceFigures() + target, cpuCount: 2).machine.wakePacking)
        // Probed on two CPUs the interrupts did not come to (`taskset -c 2,3`, more CPUs than two): "another CPU"
        // is not the interrupts', and nothing is read.
        let elsewhere = [f(FigureName.wokenElsewhere(cpu: 2), 0.95), f(FigureName.wokenElsewhere(cpu: 3), 0.95)]
        #expect(Calibration.wakePackingFigure(referenceFigures() + target + elsewhere) == nil)
        #expect(!Calibration.fit(referenceFigures() + target + elsewhere, cpuCount: 4).machine.wakePacking)
        #expect(Calibration.fit(referenceFigures() + target, cpuCount: 2).profileText.contains("wakePacking: false,"))
        // The names: only the one spelling of each CPU's figure.
        #expect(FigureName.wokenElsewhereCPU(FigureName.wokenElsewhere(cpu: 12)) == 12)
        for name in ["01", "+1", "-1", " 1"].map({ FigureName.wokenElsewherePrefix + $0 }) + [FigureName.roundTrip(cpu: 0)] {
            #expect(FigureName.wokenElsewhereCPU(name) == nil, "\(name)")
        }
    }
}

/// The model's system time per IO at queue depth 1 with an exit from idle of `exit`: one thread of blocking preads
/// (`pread`) or the io_uring loop, on the given machine, kernel, device and interrupts.
func qd1SystemPerIO(
    exit: SimDuration, pread: Bool, machine: MachineConfig, kernel: KernelConfig, device: DeviceConfig, interrupts: InterruptConfig
) throws -> Double {
    var m = machine
    m.idleExit = exit
    let s = pread
        ? Calibration.preadWorkload(machine: m, kernel: kernel, device: device, interrupts: interrupts)
        : Calibration.deviceWorkload(depth: 1, machine: m, kernel: kernel, device: device, interrupts: interrupts)
    return try #require(Calibration.modelSystemPerIO(s))
}

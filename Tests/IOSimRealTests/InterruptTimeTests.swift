import Glibc
import IOSimCore
import IOSimURing
import Testing

@testable import IOSimReal

/// Whether this process may make a tracefs instance (root with tracefs mounted).
enum TracefsAvailability {
    static let root = InterruptTimeTrace.roots.first { access($0 + "/instances", W_OK) == 0 }
    static var isAvailable: Bool { root != nil && URingAvailability.isAvailable }
    static var skipReason: Comment {
        root == nil
            ? "no writable tracefs instances directory here (needs root and tracefs at /sys/kernel/tracing)"
            : URingAvailability.skipReason
    }
    /// The instances this process has made and not removed.
    static var ownInstances: [String] {
        guard let root else { return [] }
        return (listDirectory(root + "/instances") ?? []).filter { $0.hasPrefix("iosim-\(getpid())-") }
    }
}

@Suite("Interrupt time from the irq tracepoints", .serialized)  // two tests count the instances this process left
struct InterruptTimeTests {
    /// Lines as a per-CPU tracefs trace prints them (`trace` of one CPU: its events in order).
    static func parse(_ text: String) -> InterruptTime {
        var p = InterruptTimeParser()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) { p.add(line: ArraySlice(Array(line.utf8))) }
        return p.time
    }

    @Test func handlerAndSoftirqDurationsAreAddedUp() {
        let t = Self.parse(
            """
            # tracer: nop
            #
            #                                _-----=> irqs-off/BH-disabled
                      <idle>-0       [001] d.h1. 52332.029540: irq_handler_entry: irq=36 name=virtio1-req.0
                      <idle>-0       [001] d.h1. 52332.029541: irq_handler_exit: irq=36 ret=handled
                      <idle>-0       [001] ..s1. 52332.029542: softirq_entry: vec=4 [action=BLOCK]
                      <idle>-0       [001] ..s1. 52332.029545: softirq_exit: vec=4 [action=BLOCK]
                 iosim-job-0-812     [001] d.h1. 52332.029600: irq_handler_entry: irq=36 name=virtio1-req.0
                 iosim-job-0-812     [001] d.h1. 52332.029602: irq_handler_exit: irq=36 ret=handled
            """)
        #expect(t.irqNanoseconds == 3_000)  // 1 us + 2 us
        #expect(t.softirqNanoseconds == 3_000)
        #expect(t.handlers == 2 && t.softirqs == 1)
        #expect(t.totalNanoseconds == 6_000)
    }

    /// A hard interrupt inside a softirq is irq time only, as /proc/stat would count it. tracefs prints whole
    /// microseconds; a timestamp with more decimals (up to nine) is read to the nanosecond all the same.
    @Test func aHandlerNestedInASoftirqIsIrqTimeOnly() {
        let t = Self.parse(
            """
              kworker/1:1H-99 [001] ..s1. 100.000001000: softirq_entry: vec=4 [action=BLOCK]
              kworker/1:1H-99 [001] d.h2. 100.000002500: irq_handler_entry: irq=36 name=virtio1-req.0
              kworker/1:1H-99 [001] d.h2. 100.000003250: irq_handler_exit: irq=36 ret=handled
              kworker/1:1H-99 [001] ..s1. 100.000006000: softirq_exit: vec=4 [action=BLOCK]
            """)
        #expect(t.irqNanoseconds == 750)
        #expect(t.softirqNanoseconds == 5_000 - 750)
    }

    /// The window can open inside a handler (an exit with no entry) and close inside one (an entry with no
    /// exit): neither is counted. Lines that are not these events, and lost-event markers, are skipped.
    @Test func halfEventsAndOtherLinesAreNotCounted() {
        let t = Self.parse(
            """
                      <idle>-0       [000] d.h1. 10.000010: irq_handler_exit: irq=36 ret=handled
                      <idle>-0       [000] ..s1. 10.000011: softirq_exit: vec=4 [action=BLOCK]
            CPU:0 [LOST 12 EVENTS]
                      <idle>-0       [000] d.h1. 10.000020: sched_switch: prev_comm=swapper/0
                      <idle>-0       [000] d.h1. 10.000030: irq_handler_entry: irq=36 name=virtio1-req.0
                      <idle>-0       [000] d.h1. 10.000034: irq_handler_exit: irq=36 ret=handled
                      <idle>-0       [000] ..s1. 10.000040: softirq_entry: vec=1 [action=TIMER]
            """)
        #expect(t.irqNanoseconds == 4_000 && t.handlers == 1)
        #expect(t.softirqNanoseconds == 0 && t.softirqs == 0)
    }

    /// A thread name may hold anything a comm can, colons and brackets included; the event is found by its
    /// name after the timestamp.
    @Test func oddThreadNamesDoNotConfuseTheTimestamp() {
        let t = Self.parse(
            """
                 a: b]c [1]-4242 [001] d.h1. 7.000001: irq_handler_entry: irq=1 name=x
                 a: b]c [1]-4242 [001] d.h1. 7.000003: irq_handler_exit: irq=1 ret=handled
            """)
        #expect(t.irqNanoseconds == 2_000)
    }

    @Test func withoutTracefsTheRunFailsClearlyAndLeavesNothing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path)
        job.interruptTime = .trace
        job.faults.tracefsRoots = [dir.path + "/no-tracefs"]
        let e = try expectFailure(job)
        #expect(e.kind == .interruptTraceUnavailable)
        #expect(e.description.contains("no tracefs at \(dir.path)/no-tracefs"))
        #expect(e.hint.contains("root") && e.hint.contains("--irq-time ticks"))
        #expect(dir.entries.isEmpty)
        #expect(RealError.exitCode == 74)
    }

    /// The check a command makes before it measures: the run's own error, and nothing to check for ticks.
    @Test func theCheckBeforeMeasuringFailsAsTheRunWould() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let roots = [dir.path + "/no-tracefs"]
        #expect(throws: Never.self) { try InterruptTimeSource.ticks.checkAvailable(roots: roots) }
        do {
            try InterruptTimeSource.trace.checkAvailable(roots: roots)
            Issue.record("the check passed without tracefs")
        } catch {
            #expect(error.kind == .interruptTraceUnavailable)
            #expect(error.description.contains("no tracefs at \(dir.path)/no-tracefs"))
        }
        #expect(dir.entries.isEmpty)
    }

    /// Where tracefs can be used the check passes and leaves no instance behind.
    @Test(.enabled(if: TracefsAvailability.isAvailable, TracefsAvailability.skipReason))
    func theCheckLeavesNoInstance() throws {
        try InterruptTimeSource.trace.checkAvailable()
        #expect(TracefsAvailability.ownInstances.isEmpty)
    }

    /// A directory that exists but has no writable `instances` (tracefs mounted read-only for this user). Root
    /// writes anywhere, so only another user can see it.
    @Test(.enabled(if: geteuid() != 0, "root may write to any directory: an unwritable one cannot be made"))
    func anUnwritableInstancesDirectoryIsNamed() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fake = dir.path + "/tracing"
        #expect(mkdir(fake, 0o700) == 0 && mkdir(fake + "/instances", 0o500) == 0)
        defer { rmdir(fake + "/instances"); rmdir(fake) }
        var job = smallJob(.blocking, in: dir.path)
        job.interruptTime = .trace
        job.faults.tracefsRoots = [fake]
        let e = try expectFailure(job)
        #expect(e.kind == .interruptTraceUnavailable)
        #expect(e.description.contains("not writable"))
    }

    /// An instance's per-CPU traces are added up CPU by CPU; a CPU whose buffer overflowed fails the whole, and
    /// so does an instance with no per-CPU traces. (A directory laid out as tracefs lays an instance out.)
    @Test func perCPUTracesAreAddedUpAndAnOverflowFails() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        func write(_ path: String, _ text: String) {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
            close(fd)
        }
        let instance = dir.path + "/instance"
        #expect(mkdir(instance, 0o700) == 0)
        #expect(throws: RealError.self) { try InterruptTimeTrace.totals(ofInstanceAt: instance) }  // no per_cpu
        #expect(mkdir(instance + "/per_cpu", 0o700) == 0)
        for (cpu, us) in [("cpu0", 2), ("cpu1", 5)] {
            #expect(mkdir("\(instance)/per_cpu/\(cpu)", 0o700) == 0)
            write("\(instance)/per_cpu/\(cpu)/stats", "entries: 2\noverrun: 0\ncommit overrun: 0\ndropped events: 0\n")
            write(
                "\(instance)/per_cpu/\(cpu)/trace",
                "  <idle>-0 [000] d.h1. 1.000001: irq_handler_entry: irq=1 name=x\n"
                    + "  <idle>-0 [000] d.h1. 1.00000\(1 + us): irq_handler_exit: irq=1 ret=handled")  // no last newline
        }
        let t = try InterruptTimeTrace.totals(ofInstanceAt: instance)
        #expect(t.irqNanoseconds == 7_000 && t.handlers == 2)
        write("\(instance)/per_cpu/cpu1/stats", "entries: 2\noverrun: 0\ncommit overrun: 3\ndropped events: 0\n")
        let e = try #require(throws: RealError.self) { try InterruptTimeTrace.totals(ofInstanceAt: instance) }
        #expect(e.kind == .interruptTraceOverflowed && e.description.contains("lost 3 events on cpu1"))
        for cpu in ["cpu0", "cpu1"] {
            unlink("\(instance)/per_cpu/\(cpu)/stats"); unlink("\(instance)/per_cpu/\(cpu)/trace")
            rmdir("\(instance)/per_cpu/\(cpu)")
        }
        rmdir(instance + "/per_cpu"); rmdir(instance)
    }

    /// The real thing: the disk's handler and the block softirq are traced over the run, every read's
    /// interrupt among them, and the instance is gone afterwards.
    @Test(.enabled(if: TracefsAvailability.isAvailable, TracefsAvailability.skipReason))
    func aTracedRunCountsTheDisksInterruptsAndRemovesItsInstance() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init()), in: dir.path)
        job.stop = .ioCount(300)
        job.interruptTime = .trace
        let m = try RealRunner().run(job)
        let t = try #require(m.tracedInterruptTime)
        #expect(m.ios == 300)
        // Each completion interrupt runs a handler (other devices' too); the ticks may have seen none.
        #expect(t.handlers >= Int(m.diskInterrupts))
        #expect(t.irqNanoseconds > 0 && t.softirqNanoseconds > 0)
        #expect(m.interruptNanoseconds == t.totalNanoseconds)
        #expect(m.jsonLine.contains("\"traced_irq_ns\":\(t.irqNanoseconds)"))
        #expect(TracefsAvailability.ownInstances.isEmpty)
        #expect(dir.entries.isEmpty)
    }

    /// Without `.trace` nothing is traced and the interrupt time is /proc/stat's.
    @Test(.enabled(if: URingAvailability.isAvailable, URingAvailability.skipReason))
    func ticksAreTheDefault() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.ioUring(.init()), in: dir.path))
        #expect(m.tracedInterruptTime == nil)
        #expect(m.interruptNanoseconds == m.systemCPU.irqNanoseconds + m.systemCPU.softirqNanoseconds)
        #expect(!m.jsonLine.contains("traced_irq_ns"))
    }
}

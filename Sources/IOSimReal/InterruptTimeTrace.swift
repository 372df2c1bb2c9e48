//! Interrupt time measured with the kernel's own tracepoints, for machines that count it in ticks.
//!
//! `/proc/stat` splits CPU time into user, system, irq and softirq by sampling the context at each tick unless
//! the kernel has CONFIG_IRQ_TIME_ACCOUNTING. Interrupt handlers run for microseconds, in step with the IO, so
//! the samples can be far off: on the README's second machine (CONFIG_HZ=250, tick accounting) the tracepoints
//! put 2.7-4.0 us per 4 KiB read at queue depth 1 into the disk's handler and the block softirq, where the
//! ticks counted 0.8-3.3 us; and with an SQPOLL poller spinning on the CPU that takes the disk's interrupts the
//! ticks counted 9.3-10.7 us per IO where the tracepoints saw 3.1 (`.bench/trace-interrupts.sh`).
//!
//! `InterruptTimeTrace` makes its own tracefs instance (`instances/iosim-PID-N-NS`, so the global trace and
//! other tracers are not touched), enables `irq_handler_entry/exit` and `softirq_entry/exit` in it, records
//! over the run window, and adds the durations up per CPU: a hard interrupt nested in a softirq counts as irq
//! time only. The instance is removed afterwards, and on SIGINT/SIGTERM. What it writes: the instance's own
//! control files, which the kernel makes when the instance is made; what it costs the machine: the four
//! tracepoints on for every interrupt while it records, and up to 1 GiB of buffer (32 MiB per CPU).
//!
//! What it measures is a lower bound of what a kernel with IRQ time accounting would count: the handlers
//! registered with request_irq and the softirqs, not the local timer's interrupt, IPIs (the receiving side of
//! a wake-up's) or the entry and exit code around each handler. The tracepoints' own cost (a few hundred
//! nanoseconds per event) is inside the durations, and slows the traced run's IO path a little. Timestamps are
//! whole microseconds (tracefs prints seconds.microseconds), so each duration is off by up to a microsecond
//! either way; over thousands of interrupts the sum is not biased. Needs root (or a tracefs the user may
//! write) with tracefs mounted.

import Glibc
import IOSimURing
import Synchronization

/// Hard- and soft-interrupt time of every CPU over a run, from the irq tracepoints.
public struct InterruptTime: Sendable, Hashable {
    /// Time in hard-interrupt handlers (irq_handler_entry to irq_handler_exit), all CPUs.
    public var irqNanoseconds: Int64 = 0
    /// Time in softirqs (softirq_entry to softirq_exit) less hard interrupts nested in them, all CPUs.
    public var softirqNanoseconds: Int64 = 0
    /// Hard-interrupt handler runs counted.
    public var handlers = 0
    /// Softirq runs counted.
    public var softirqs = 0

    public init() {}

    /// Both, in nanoseconds.
    public var totalNanoseconds: Int64 { irqNanoseconds + softirqNanoseconds }
}

/// How a real run measures interrupt time.
public enum InterruptTimeSource: String, Sendable, Hashable, CaseIterable {
    /// /proc/stat's irq and softirq columns (tick samples unless the kernel has CONFIG_IRQ_TIME_ACCOUNTING).
    case ticks
    /// The irq tracepoints, in a tracefs instance of the run's own (`InterruptTimeTrace`).
    case trace

    /// Throws what a run measuring this way would throw at its start, so a command that measures for minutes
    /// refuses before its first run: for `.trace`, a tracefs instance is made and removed at once.
    public func checkAvailable() throws(RealError) { try checkAvailable(roots: InterruptTimeTrace.roots) }

    /// - Parameter roots: tracefs mount points to try (tests point this elsewhere).
    func checkAvailable(roots: [String]) throws(RealError) {
        if self == .trace { _ = try InterruptTimeTrace(roots: roots) }
    }
}

/// Adds up interrupt time from the text of a tracefs per-CPU trace (one CPU's events, in order).
struct InterruptTimeParser {
    private(set) var time = InterruptTime()
    private var irqSince: Int64 = -1
    private var softirqSince: Int64 = -1
    private var nestedInSoftirq: Int64 = 0

    /// One line of a per-CPU trace: `comm-pid [cpu] flags seconds.fraction: event: fields`. Other events and
    /// lines (headers, `[LOST N EVENTS]`) are ignored; an exit with no entry (the window opened inside a
    /// handler) is not counted, nor an entry with no exit.
    mutating func add(line: ArraySlice<UInt8>) {
        guard let (at, event) = Self.timestampAndEvent(line) else { return }
        switch event {
        case .irqEntry:
            irqSince = at
        case .irqExit:
            if irqSince >= 0 && at >= irqSince {
                let d = at - irqSince
                time.irqNanoseconds += d
                time.handlers += 1
                if softirqSince >= 0 { nestedInSoftirq += d }
            }
            irqSince = -1
        case .softirqEntry:
            softirqSince = at
            nestedInSoftirq = 0
        case .softirqExit:
            if softirqSince >= 0 && at >= softirqSince {
                time.softirqNanoseconds += max(0, at - softirqSince - nestedInSoftirq)
                time.softirqs += 1
            }
            softirqSince = -1
            nestedInSoftirq = 0
        }
    }

    enum Event { case irqEntry, irqExit, softirqEntry, softirqExit }

    private static let names: [(ArraySlice<UInt8>, Event)] = [
        (ArraySlice(": irq_handler_entry:".utf8), .irqEntry), (ArraySlice(": irq_handler_exit:".utf8), .irqExit),
        (ArraySlice(": softirq_entry:".utf8), .softirqEntry), (ArraySlice(": softirq_exit:".utf8), .softirqExit),
    ]

    /// The event and its timestamp in nanoseconds (the `seconds.fraction` just before `: event:`).
    static func timestampAndEvent(_ line: ArraySlice<UInt8>) -> (Int64, Event)? {
        for (name, event) in names {
            guard let at = firstIndex(of: name, in: line) else { continue }
            // Walk back over the timestamp's digits and its point.
            var i = at
            while i > line.startIndex, line[i - 1] == UInt8(ascii: ".") || (line[i - 1] >= 48 && line[i - 1] <= 57) { i -= 1 }
            var seconds: Int64 = 0
            var fraction: Int64 = 0
            var fractionDigits = 0
            var sawPoint = false
            for b in line[i..<at] {
                if b == UInt8(ascii: ".") {
                    if sawPoint { return nil }
                    sawPoint = true
                } else if sawPoint {
                    if fractionDigits < 9 { fraction = fraction * 10 + Int64(b - 48); fractionDigits += 1 }
                } else {
                    seconds = seconds * 10 + Int64(b - 48)
                    if seconds > (Int64.max - 999_999_999) / 1_000_000_000 { return nil }
                }
            }
            guard sawPoint, fractionDigits > 0 else { return nil }
            for _ in fractionDigits..<9 { fraction *= 10 }
            return (seconds * 1_000_000_000 + fraction, event)
        }
        return nil
    }

    /// Where `needle` first starts in `hay`. (The standard library's `firstRange(of:)` made a 3-second traced
    /// run's parse take 5 s of CPU here instead of 0.1.)
    private static func firstIndex(of needle: ArraySlice<UInt8>, in hay: ArraySlice<UInt8>) -> Int? {
        guard hay.count >= needle.count, let first = needle.first else { return nil }
        var i = hay.startIndex
        let last = hay.endIndex - needle.count
        while i <= last {
            if hay[i] == first && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// A tracefs instance recording the irq tracepoints over a run window.
final class InterruptTimeTrace {
    /// Where tracefs is looked for, in order.
    static let roots = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
    /// Ring buffer per CPU: at 32 MiB it holds some 10 s of a 4 KiB read at queue depth 1 (four events of
    /// about 40 bytes each per read, at 25,000 reads a second); a run that overflows it fails (`collect`).
    static let bufferKilobytesPerCPU = 32 * 1024
    /// At most this much for all CPUs' buffers together.
    static let bufferKilobytesTotal = 1024 * 1024

    let path: String
    private var registration: SignalCleanupRegistration?
    private var removed = false
    /// Why `rmdir` failed, when it did.
    private(set) var removalError: Errno?
    private static let counter = Atomic<Int>(0)

    /// Makes the instance and enables the events in it, with tracing off. Its name holds the process ID, a
    /// counter and the monotonic clock, so a directory left by another process is never taken for ours.
    /// - Parameter roots: tracefs mount points to try (tests point this elsewhere).
    init(roots: [String] = InterruptTimeTrace.roots) throws(RealError) {
        guard let root = roots.first(where: { access($0 + "/instances", W_OK) == 0 }) else {
            removed = true
            path = ""
            let reason = roots.contains(where: { access($0 + "/instances", F_OK) == 0 })
                ? "tracefs is mounted but its instances directory is not writable by this user"
                : "no tracefs at \(roots.joined(separator: " or "))"
            throw .interruptTraceUnavailable(reason, errno: nil)
        }
        let n = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        path = "\(root)/instances/iosim-\(getpid())-\(n)-\(monotonicNanoseconds())"
        if mkdir(path, 0o700) != 0 {
            removed = true  // not ours: never touched again
            throw .interruptTraceUnavailable("cannot make the tracefs instance \(path)", errno: Errno(rawValue: Glibc.errno))
        }
        registration = try? SignalCleanupRegistration(path: path, isDirectory: true)
        do throws(RealError) {
            try write("tracing_on", "0")
            // The text this parser reads: seconds.microseconds of a per-CPU clock, one event per line.
            try write("trace_clock", "local")
            for option in ["nolatency-format", "noraw", "nohex", "nobin", "norecord-cmd"] { try? write("trace_options", option) }
            let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_CONF))))
            let perCPU = max(1024, min(Self.bufferKilobytesPerCPU, Self.bufferKilobytesTotal / cpus))
            try write("buffer_size_kb", "\(perCPU)")
            for e in ["irq_handler_entry", "irq_handler_exit", "softirq_entry", "softirq_exit"] {
                try write("events/irq/\(e)/enable", "1")
            }
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// Opens the window.
    func start() throws(RealError) { try write("tracing_on", "1") }

    /// Closes the window.
    func stop() throws(RealError) { try write("tracing_on", "0") }

    /// Adds the recorded interrupt time up, then removes the instance.
    /// - Throws: when the buffer overflowed (events were lost), the trace cannot be read, or the instance cannot
    ///   be removed.
    func collect() throws(RealError) -> InterruptTime {
        let total: InterruptTime
        do throws(RealError) {
            total = try Self.totals(ofInstanceAt: path)
        } catch {
            remove()
            throw error
        }
        remove()
        if let e = removalError {
            throw .interruptTraceUnavailable("cannot remove the tracefs instance \(path) (remove it with rmdir)", errno: e)
        }
        return total
    }

    /// The interrupt time an instance's per-CPU traces hold. Each trace is read whole and closed before it is
    /// parsed, so the instance's files stay open for as short a time as possible (tracefs refuses to remove an
    /// instance while one is open).
    /// - Throws: when a CPU's buffer overflowed, or the traces cannot be listed or read.
    static func totals(ofInstanceAt path: String) throws(RealError) -> InterruptTime {
        guard let entries = listDirectory(path + "/per_cpu") else {
            throw .interruptTraceUnavailable("cannot list \(path)/per_cpu", errno: Errno(rawValue: Glibc.errno))
        }
        let cpus = entries.filter { $0.hasPrefix("cpu") }.sorted()
        if cpus.isEmpty { throw .interruptTraceUnavailable("\(path)/per_cpu lists no CPU", errno: nil) }
        var total = InterruptTime()
        for cpu in cpus {
            let dir = "\(path)/per_cpu/\(cpu)"
            if let stats = readSmallFile(dir + "/stats") {
                for line in stats.split(separator: "\n")
                where line.hasPrefix("overrun:") || line.hasPrefix("commit overrun:") || line.hasPrefix("dropped events:") {
                    let n = UInt64(line.split(separator: ":").last.map { $0.trimmingPrefixSpaces } ?? "") ?? 0
                    if n > 0 { throw .interruptTraceOverflowed(events: n, cpu: cpu) }
                }
            }
            let text = try readWhole(dir + "/trace")
            var parser = InterruptTimeParser()
            var lineStart = 0
            while let newline = text[lineStart...].firstIndex(of: 10) {
                parser.add(line: text[lineStart..<newline])
                lineStart = newline + 1
            }
            if lineStart < text.count { parser.add(line: text[lineStart...]) }
            total.irqNanoseconds += parser.time.irqNanoseconds
            total.softirqNanoseconds += parser.time.softirqNanoseconds
            total.handlers += parser.time.handlers
            total.softirqs += parser.time.softirqs
        }
        return total
    }

    /// Turns the events off and removes the instance (idempotent); `removalError` says why it could not.
    func remove() {
        if removed { return }
        removed = true
        try? write("tracing_on", "0")
        if rmdir(path) == 0 {
            registration?.forget()
        } else {
            removalError = Errno(rawValue: Glibc.errno)  // still registered: a signal's handler tries again
        }
    }

    private func write(_ file: String, _ value: String) throws(RealError) {
        let full = path + "/" + file
        let fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC)
        if fd < 0 { throw .interruptTraceUnavailable("cannot open \(full)", errno: Errno(rawValue: Glibc.errno)) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count { throw .interruptTraceUnavailable("cannot write \(full)", errno: Errno(rawValue: Glibc.errno)) }
    }

    /// The whole content of `file`.
    private static func readWhole(_ file: String) throws(RealError) -> [UInt8] {
        guard let (bytes, failure) = readFileBytes(file) else {
            throw .interruptTraceUnavailable("cannot open \(file)", errno: Errno(rawValue: Glibc.errno))
        }
        if let failure { throw .interruptTraceUnavailable("cannot read \(file)", errno: failure) }
        return bytes
    }
}

extension Substring {
    fileprivate var trimmingPrefixSpaces: Substring {
        var s = self
        while let c = s.first, c == " " { s.removeFirst() }
        while let c = s.last, c == " " || c == "\n" { s.removeLast() }
        return s
    }
}

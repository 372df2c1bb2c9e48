//! System-wide and process counters read before and after a run: /proc/stat (per-CPU time, context
//! switches), /proc/interrupts (the disk's IRQ lines), getrusage (process CPU, context switches).
//!
//! Only deltas are reported. Everything is read with plain open/read (no Foundation) because the same
//! helpers serve the census thread, which samples every 10 ms.

import Glibc
import IOSimURing

/// Reads a small (< 1 MiB) file whole; nil when it cannot be opened (a read that fails keeps what came before).
func readSmallFile(_ path: String, limit: Int = 1 << 20) -> String? {
    guard let (bytes, _) = readFileBytes(path, limit: limit) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads a file's first `limit` bytes (all of it by default), growing the buffer as it goes: nil when it cannot
/// be opened (`errno` says why), else the bytes read and the error that stopped the read early, if one did.
func readFileBytes(_ path: String, limit: Int = .max) -> (bytes: [UInt8], failure: Errno?)? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 16384)
    var used = 0
    var failure: Errno? = nil
    while used < limit {
        if used == bytes.count { bytes.append(contentsOf: [UInt8](repeating: 0, count: bytes.count)) }
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + used, min($0.count - used, limit - used)) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { failure = Errno(rawValue: errno) }
        if n <= 0 { break }
        used += n
    }
    bytes.removeSubrange(used...)
    return (bytes, failure)
}

/// CPU time of one CPU (or all) in nanoseconds, split the way /proc/stat splits it.
public struct CPUTime: Sendable, Hashable {
    /// User time, including niced (`user + nice`).
    public var userNanoseconds: Int64 = 0
    /// Kernel time outside interrupts (`system`).
    public var systemNanoseconds: Int64 = 0
    /// Hard interrupt handlers (`irq`).
    public var irqNanoseconds: Int64 = 0
    /// Softirq (block completion, timers, ...) (`softirq`).
    public var softirqNanoseconds: Int64 = 0
    /// Idle with IO outstanding (`iowait`; a kind of idle).
    public var iowaitNanoseconds: Int64 = 0
    /// Idle (`idle`).
    public var idleNanoseconds: Int64 = 0
    /// Taken by the hypervisor for other guests (`steal`).
    public var stealNanoseconds: Int64 = 0

    public init() {}

    /// Time not idle: user + system + irq + softirq.
    public var busyNanoseconds: Int64 { userNanoseconds + systemNanoseconds + irqNanoseconds + softirqNanoseconds }

    static func - (a: CPUTime, b: CPUTime) -> CPUTime {
        var d = CPUTime()
        d.userNanoseconds = a.userNanoseconds - b.userNanoseconds
        d.systemNanoseconds = a.systemNanoseconds - b.systemNanoseconds
        d.irqNanoseconds = a.irqNanoseconds - b.irqNanoseconds
        d.softirqNanoseconds = a.softirqNanoseconds - b.softirqNanoseconds
        d.iowaitNanoseconds = a.iowaitNanoseconds - b.iowaitNanoseconds
        d.idleNanoseconds = a.idleNanoseconds - b.idleNanoseconds
        d.stealNanoseconds = a.stealNanoseconds - b.stealNanoseconds
        return d
    }
}

/// One reading of /proc/stat.
struct ProcStat {
    var total = CPUTime()
    var perCPU: [CPUTime] = []
    var contextSwitches: UInt64 = 0

    /// Clock ticks per second of /proc/stat (USER_HZ, almost always 100).
    static let ticksPerSecond: Int64 = max(1, Int64(sysconf(CInt(_SC_CLK_TCK))))

    static func read() -> ProcStat {
        var stat = ProcStat()
        guard let text = readSmallFile("/proc/stat") else { return stat }
        let toNanoseconds = 1_000_000_000 / ticksPerSecond
        for line in text.split(separator: "\n") {
            if line.hasPrefix("cpu") {
                let fields = line.split(separator: " ")
                // cpuN user nice system idle iowait irq softirq steal guest guest_nice
                let v = fields.dropFirst().map { Int64($0) ?? 0 }
                guard v.count >= 8 else { continue }
                var t = CPUTime()
                t.userNanoseconds = (v[0] + v[1]) * toNanoseconds
                t.systemNanoseconds = v[2] * toNanoseconds
                t.idleNanoseconds = v[3] * toNanoseconds
                t.iowaitNanoseconds = v[4] * toNanoseconds
                t.irqNanoseconds = v[5] * toNanoseconds
                t.softirqNanoseconds = v[6] * toNanoseconds
                t.stealNanoseconds = v[7] * toNanoseconds
                if fields[0] == "cpu" { stat.total = t } else { stat.perCPU.append(t) }
            } else if line.hasPrefix("ctxt ") {
                stat.contextSwitches = UInt64(line.dropFirst(5)) ?? 0
            }
        }
        return stat
    }
}

/// Which /proc/interrupts lines belong to the disk holding a file, and how they were found.
public struct DiskIRQLines: Sendable, Hashable {
    /// How the lines were chosen.
    public enum Method: String, Sendable, Hashable {
        /// From the device: st_dev -> /sys/dev/block/MAJ:MIN -> the PCI function's msi_irqs.
        case deviceMSI
        /// By name: lines whose name contains "virtio<N>-req" or "nvme" (the device could not be resolved).
        case nameFallback
        /// None found (tmpfs, a network file system, ...): interrupts are reported as 0.
        case none
    }
    /// IRQ numbers (the first column of /proc/interrupts).
    public var numbers: [String]
    /// Their names (last column), e.g. "virtio1-req.0".
    public var names: [String]
    /// How they were found.
    public var method: Method
    /// The block device's sysfs path, or why it could not be resolved.
    public var note: String

    /// Finds the IRQ lines of the device holding a file with device numbers `major:minor`.
    ///
    /// Method: `/sys/dev/block/MAJ:MIN` is a symlink into the device tree, e.g.
    /// `/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda` (a partition adds `/vda1`). Walking up
    /// from there, the first directory with an `msi_irqs/` subdirectory is the PCI function of the
    /// controller (virtio-blk or NVMe), and its entries are the IRQ numbers of its MSI-X vectors, the first
    /// column of /proc/interrupts. Of those, the config-change vector (`virtioN-config`) is dropped: it
    /// signals no IO. When the walk finds nothing (device-mapper, loop, md, legacy INTx), the fallback
    /// takes lines whose name contains "virtio<N>-req" (the request queues of virtio-blk; with N unknown,
    /// any virtio request queue) or "nvme", and says so in `note`: then interrupts of other disks count too.
    static func find(major: UInt32, minor: UInt32, interrupts: String? = readSmallFile("/proc/interrupts")) -> DiskIRQLines {
        let lines = (interrupts ?? "").split(separator: "\n").dropFirst().map { parseInterruptLine($0) }
        let link = "/sys/dev/block/\(major):\(minor)"
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        if major != 0, realpath(link, &resolved) != nil {
            let device = resolved.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            var dir = device
            while dir.count > "/sys/devices".count {
                let msi = dir + "/msi_irqs"
                if let numbers = listDirectory(msi), !numbers.isEmpty {
                    let chosen = lines.filter { numbers.contains($0.number) && !$0.name.hasSuffix("-config") }
                    if !chosen.isEmpty {
                        return DiskIRQLines(
                            numbers: chosen.map(\.number), names: chosen.map(\.name), method: .deviceMSI,
                            note: "MSI-X vectors of \(dir) (block device \(device))")
                    }
                }
                guard let slash = dir.lastIndex(of: "/") else { break }
                dir = String(dir[..<slash])
            }
        }
        // Fallback by name. Why "-req": virtio-blk names its request-queue vectors virtioN-req.Q; the other
        // virtio devices (net, balloon, console) use -input/-output/-rx/-tx and must not count.
        let chosen = lines.filter { ($0.name.hasPrefix("virtio") && $0.name.contains("-req")) || $0.name.hasPrefix("nvme") }
        let why = major == 0
            ? "the file is on a virtual file system (device \(major):\(minor))"
            : "could not resolve \(link) to a device with msi_irqs"
        if chosen.isEmpty {
            return DiskIRQLines(numbers: [], names: [], method: .none, note: "\(why); no virtio-req/nvme lines either")
        }
        return DiskIRQLines(
            numbers: chosen.map(\.number), names: chosen.map(\.name), method: .nameFallback,
            note: "\(why); counting every line named virtio*-req*/nvme* (other disks' interrupts included)")
    }

    /// Sum over CPUs of the interrupts of these lines, from a /proc/interrupts text.
    func count(in interrupts: String?) -> UInt64 {
        countPerCPU(in: interrupts).reduce(0, &+)
    }

    /// The interrupts of these lines on each CPU (the columns of /proc/interrupts), from its text.
    func countPerCPU(in interrupts: String?) -> [UInt64] {
        guard !numbers.isEmpty, let interrupts else { return [] }
        var perCPU: [UInt64] = []
        for line in interrupts.split(separator: "\n").dropFirst() {
            let parsed = parseInterruptLine(line)
            guard numbers.contains(parsed.number) else { continue }
            if perCPU.count < parsed.perCPU.count { perCPU += [UInt64](repeating: 0, count: parsed.perCPU.count - perCPU.count) }
            for (c, v) in parsed.perCPU.enumerated() { perCPU[c] &+= v }
        }
        return perCPU
    }
}

/// Splits "  36:   0  30854  PCI-MSIX-0000:00:02.0   1-edge   virtio1-req.0" into number, the count on each
/// CPU and their total, and name.
func parseInterruptLine(_ line: Substring) -> (number: String, total: UInt64, perCPU: [UInt64], name: String) {
    let fields = line.split(separator: " ", omittingEmptySubsequences: true)
    guard let first = fields.first, first.hasSuffix(":") else { return ("", 0, [], "") }
    var perCPU: [UInt64] = []
    var i = 1
    while i < fields.count, let v = UInt64(fields[i]) {
        perCPU.append(v)
        i += 1
    }
    return (String(first.dropLast()), perCPU.reduce(0, &+), perCPU, fields.count > i ? String(fields[fields.count - 1]) : "")
}

/// Names in a directory (without "." and ".."), nil when it cannot be opened.
func listDirectory(_ path: String) -> [String]? {
    guard let d = opendir(path) else { return nil }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Process (or thread) resource usage.
struct ResourceUsage {
    var userNanoseconds: Int64
    var systemNanoseconds: Int64
    var voluntarySwitches: Int64
    var involuntarySwitches: Int64

    /// getrusage(RUSAGE_SELF): all threads of the process, including io_uring's iou-wrk/iou-sqp threads.
    static func process() -> ResourceUsage { read(__rusage_who_t(RUSAGE_SELF.rawValue)) }
    /// getrusage(RUSAGE_THREAD): the calling thread only.
    static func thread() -> ResourceUsage { read(__rusage_who_t(1)) }  // RUSAGE_THREAD is 1 (Linux)

    private static func read(_ who: __rusage_who_t) -> ResourceUsage {
        var u = rusage()
        getrusage(who, &u)
        return ResourceUsage(
            userNanoseconds: Int64(u.ru_utime.tv_sec) * 1_000_000_000 + Int64(u.ru_utime.tv_usec) * 1000,
            systemNanoseconds: Int64(u.ru_stime.tv_sec) * 1_000_000_000 + Int64(u.ru_stime.tv_usec) * 1000,
            voluntarySwitches: Int64(u.ru_nvcsw), involuntarySwitches: Int64(u.ru_nivcsw))
    }

    static func - (a: ResourceUsage, b: ResourceUsage) -> ResourceUsage {
        ResourceUsage(
            userNanoseconds: a.userNanoseconds - b.userNanoseconds,
            systemNanoseconds: a.systemNanoseconds - b.systemNanoseconds,
            voluntarySwitches: a.voluntarySwitches - b.voluntarySwitches,
            involuntarySwitches: a.involuntarySwitches - b.involuntarySwitches)
    }
}

/// CLOCK_MONOTONIC in nanoseconds (vDSO, ~30 ns here).
@inline(__always)
func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

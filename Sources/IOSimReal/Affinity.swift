//! The CPUs a thread may run on: sched_getaffinity and sched_setaffinity.

import Glibc
import IOSimURing

/// sched_setaffinity / sched_getaffinity and memcpy, found at run time. Why dlsym: glibc declares the affinity
/// calls only under _GNU_SOURCE, which Swift's Glibc module does not set (and syscall(2) is variadic, which
/// Swift cannot call); memcpy, so the optimizer cannot see through the copy loop.
public enum Affinity {
    public typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer?) -> CInt
    public typealias CopyCall = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer?

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        let handle = dlopen(nil, RTLD_NOW)
        return dlsym(handle, name)
    }

    public static let setAffinity: AffinityCall? = symbol("sched_setaffinity").map { unsafeBitCast($0, to: AffinityCall.self) }
    public static let getAffinity: AffinityCall? = symbol("sched_getaffinity").map { unsafeBitCast($0, to: AffinityCall.self) }
    public typealias GetCPUCall = @convention(c) () -> CInt
    public static let getCPU: GetCPUCall? = symbol("sched_getcpu").map { unsafeBitCast($0, to: GetCPUCall.self) }

    /// The CPU the calling thread runs on (sched_getcpu), nil when unknown.
    public static func currentCPU() -> Int? {
        guard let get = getCPU else { return nil }
        let cpu = get()
        return cpu >= 0 ? Int(cpu) : nil
    }
    nonisolated(unsafe) public static let memcpyFunction: CopyCall = symbol("memcpy").map { unsafeBitCast($0, to: CopyCall.self) }
        ?? { d, s, n in memcpy(d!, s!, n) }

    /// CPUs the calling thread may run on, ascending (a 1024-CPU mask, glibc's cpu_set_t).
    public static func allowedCPUs() -> [Int] {
        guard let get = getAffinity else {
            return Array(0..<max(1, Int(sysconf(CInt(_SC_NPROCESSORS_ONLN)))))
        }
        var mask = [UInt64](repeating: 0, count: 16)
        let r = mask.withUnsafeMutableBytes { get(0, $0.count, $0.baseAddress) }
        if r != 0 { return Array(0..<max(1, Int(sysconf(CInt(_SC_NPROCESSORS_ONLN))))) }
        var cpus: [Int] = []
        for (w, word) in mask.enumerated() {
            for bit in 0..<64 where word & (1 << UInt64(bit)) != 0 { cpus.append(w * 64 + bit) }
        }
        return cpus
    }

    /// Pins the calling thread to `cpu`; the errno on failure.
    public static func pin(to cpu: Int) -> Errno? {
        pin(to: [cpu])
    }

    /// Pins the calling thread to the CPUs `cpus` (sched_setaffinity); the errno on failure.
    public static func pin(to cpus: [Int]) -> Errno? {
        guard let set = setAffinity else { return .noFunction }
        var mask = [UInt64](repeating: 0, count: 16)
        for cpu in cpus {
            guard cpu >= 0 && cpu < 1024 else { return .invalidArgument }
            mask[cpu / 64] |= 1 << UInt64(cpu % 64)
        }
        let r = mask.withUnsafeMutableBytes { set(0, $0.count, $0.baseAddress) }
        return r == 0 ? nil : Errno.current
    }

    /// The CPUs each thread of this process named `name` may run on (its `Cpus_allowed_list` in
    /// /proc/self/task/TID/status), by thread ID.
    static func cpusAllowed(ofThreadsNamed name: String) -> [[Int]] {
        var result: [(Int, [Int])] = []
        for tid in listDirectory("/proc/self/task") ?? [] {
            guard let id = Int(tid), let text = readSmallFile("/proc/self/task/\(tid)/comm") else { continue }
            let comm = text.hasSuffix("\n") ? String(text.dropLast()) : text
            guard comm == name,
                let status = readSmallFile("/proc/self/task/\(tid)/status"),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
            else { continue }
            result.append((id, parseCPUList(line.dropFirst("Cpus_allowed_list:".count))))
        }
        return result.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// "0-3,6" (the kernel's CPU list format) as [0, 1, 2, 3, 6].
    static func parseCPUList(_ text: Substring) -> [Int] {
        var cpus: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int(String($0.filter { !$0.isWhitespace })) }
            if bounds.count == 1 { cpus.append(bounds[0]) }
            if bounds.count == 2 && bounds[0] <= bounds[1] { cpus += Array(bounds[0]...bounds[1]) }
        }
        return cpus
    }
}

// iosim-real-bench: a hidden driver of the real-IO backend for .bench/fio-compare.sh (the iosim CLI is
// owned elsewhere). Prints one JSON line per run on stdout. Exit 0 ok, 64 usage, 74 a RealError.
//
//   iosim-real-bench --engine uring|pread|pool [--qd N] [--bs 4k] [--direct | --buffered cold|warm]
//                    [--seconds S | --ios N] [--dir D | --file F] [--size 1G] [--rw randread|read|randwrite|write]
//                    [--threads N] [--workers K] [--sqpoll] [--iopoll] [--async] [--fixed-buffers]
//                    [--fixed-files] [--no-defer-taskrun] [--spin | --submit-each] [--compute-us N] [--no-census] [--irq-trace] [--seed N]
//                    [--main-wake-ms N]
//
// --main-wake-ms N: the main thread, while the job runs, wakes every N ms (and does nothing), as fio's main
// thread does (a `usleep(10000)` loop while its jobs run, seen with strace). On a VM such a wake-up on the job's
// CPU speeds its queue-depth-1 reads (.bench/fio-compare.sh says how much), so the comparison gives both the same.

import Glibc
import IOSimCore
import IOSimReal

/// Writes to standard error (fd 2; the C `stderr` global is not concurrency-safe to touch from Swift 6).
func printError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    printError("Error: \(message)\nUsage: iosim-real-bench --engine uring|pread|pool [--qd N] [--bs 4k] [--direct] "
        + "[--seconds S] [--dir D] ... (see the comment at the top of main.swift)\n")
    exit(64)
}

/// "4k" -> 4096, "1G" -> 2^30, "512" -> 512.
func parseBytes(_ s: String) -> Int64? {
    let units: [Character: Int64] = ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30]
    if let last = s.last, let unit = units[last] { return Int64(s.dropLast()).map { $0 * unit } }
    return Int64(s)
}

var job = RealJob()
job.stop = .duration(.seconds(10))
var engine = "uring"
var uring = RealJob.URingOptions()
var workers = 4
var mainWakeMilliseconds = 0
var args = CommandLine.arguments.dropFirst()
@MainActor func value(_ flag: String) -> String {
    guard let v = args.popFirst() else { fail("\(flag) needs a value") }
    return v
}
while let a = args.popFirst() {
    switch a {
    case "--engine": engine = value(a)
    case "--qd": job.queueDepth = Int(value(a)) ?? { fail("--qd takes an integer") }()
    case "--bs": job.blockBytes = Int(parseBytes(value(a)) ?? { fail("--bs takes a size like 4k") }())
    case "--direct": job.caching = .direct
    case "--buffered":
        switch value(a) {
        case "cold": job.caching = .bufferedCold
        case "warm": job.caching = .bufferedWarm
        default: fail("--buffered takes cold or warm")
        }
    case "--seconds":
        guard let s = Double(value(a)), s > 0 else { fail("--seconds takes a positive number") }
        job.stop = .duration(.nanoseconds(Int64(s * 1e9)))
    case "--ios": job.stop = .ioCount(Int(value(a)) ?? { fail("--ios takes an integer") }())
    case "--dir": job.directory = value(a)
    case "--file": job.existingFile = value(a)
    case "--size": job.fileBytes = parseBytes(value(a)) ?? { fail("--size takes a size like 1G") }()
    case "--rw":
        switch value(a) {
        case "randread": (job.direction, job.pattern) = (.read, .random)
        case "read": (job.direction, job.pattern) = (.read, .sequential)
        case "randwrite": (job.direction, job.pattern) = (.write, .random)
        case "write": (job.direction, job.pattern) = (.write, .sequential)
        default: fail("--rw takes randread, read, randwrite or write")
        }
    case "--threads": job.threads = Int(value(a)) ?? { fail("--threads takes an integer") }()
    case "--workers": workers = Int(value(a)) ?? { fail("--workers takes an integer") }()
    case "--sqpoll": uring.submissionQueuePolling = true
    case "--iopoll": uring.ioPolling = true
    case "--async": uring.asyncFlag = true
    case "--fixed-buffers": uring.registeredBuffers = true
    case "--fixed-files": uring.registeredFiles = true
    case "--no-defer-taskrun": uring.deferTaskRun = false
    case "--spin": uring.waitMode = .peekAndSpin
    case "--submit-each": uring.waitMode = .submitEach
    case "--compute-us": job.computePerIO = .microseconds(Int64(value(a)) ?? { fail("--compute-us takes an integer") }())
    case "--no-census": job.threadCensus = false
    case "--irq-trace": job.interruptTime = .trace
    case "--seed": job.seed = UInt64(value(a)) ?? { fail("--seed takes an integer") }()
    case "--main-wake-ms":
        guard let n = Int(value(a)), n >= 1 else { fail("--main-wake-ms takes a whole number of milliseconds, 1 or more") }
        mainWakeMilliseconds = n
    case "-h", "--help":
        print("iosim-real-bench: see the comment at the top of Sources/iosim-real-bench/main.swift")
        exit(0)
    default: fail("unknown option \(a)")
    }
}
switch engine {
case "uring": job.engine = .ioUring(uring)
case "pread": job.engine = .blocking
case "pool": job.engine = .threadPool(workers: workers)
default: fail("--engine takes uring, pread or pool")
}

do {
    let m = mainWakeMilliseconds > 0
        ? try RealRunner().run(job, progressInterval: .milliseconds(Int64(mainWakeMilliseconds)), progress: { _ in })
        : try RealRunner().run(job)
    print(m.jsonLine)
} catch {
    printError("Error: \(error.description)\nHint: \(error.hint)\n")
    exit(RealError.exitCode)
}

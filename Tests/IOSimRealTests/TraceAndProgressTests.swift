import Glibc
import IOSimCore
import IOSimReal
import IOSimURing
import Synchronization
import Testing

/// The reports a progress observer saw.
final class ProgressLog: @unchecked Sendable {
    var reports: [RealProgress] = []
}

/// Checks the recorded IOs of a run: instants inside the run, completion after submission, and the IOs of
/// one (thread, slot) lane never overlapping.
func expectWellFormed(_ t: RealTrace, sourceLocation: SourceLocation = #_sourceLocation) {
    var lanes: [Int: [RealTrace.IO]] = [:]
    for io in t.ios {
        #expect(io.thread >= 0 && io.thread < t.threads, sourceLocation: sourceLocation)
        #expect(io.slot >= 0 && io.slot < t.slotsPerThread, sourceLocation: sourceLocation)
        #expect(io.submitNanoseconds >= 0, "submitted after the start: \(io)", sourceLocation: sourceLocation)
        #expect(io.completeNanoseconds >= io.submitNanoseconds, "completed after submission: \(io)", sourceLocation: sourceLocation)
        #expect(io.completeNanoseconds <= t.runNanoseconds, "completed within the run: \(io)", sourceLocation: sourceLocation)
        lanes[io.thread * 4096 + io.slot, default: []].append(io)
    }
    for (_, ios) in lanes {
        let sorted = ios.sorted { $0.submitNanoseconds < $1.submitNanoseconds }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.completeNanoseconds <= b.submitNanoseconds, "one slot holds one IO at a time: \(a) \(b)", sourceLocation: sourceLocation)
        }
    }
    #expect(t.jobThreadIDs.count == t.threads, sourceLocation: sourceLocation)
    #expect(t.processID == getpid(), sourceLocation: sourceLocation)
}

@Suite("Progress reports and traces of real runs")
struct TraceAndProgressTests {
    @Test func progressCountsNeverDecreaseAndEndAtTheTotal() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path, count: 2_000)
        job.threads = 2
        let log = ProgressLog()
        let m = try RealRunner().run(job, progressInterval: .milliseconds(1)) { log.reports.append($0) }
        expectSane(m, ios: 2_000, in: dir)
        let r = log.reports
        #expect(r.count >= 2)
        #expect(r.first?.completedIOs == 0 && r.first?.isFinal == false)
        for (a, b) in zip(r, r.dropFirst()) {
            #expect(b.completedIOs >= a.completedIOs, "monotone: \(a.completedIOs) then \(b.completedIOs)")
            #expect(b.elapsedNanoseconds >= a.elapsedNanoseconds)
        }
        #expect(r.filter(\.isFinal).count == 1 && r.last?.isFinal == true)
        #expect(r.last?.completedIOs == 2_000 && r.last?.totalIOs == 2_000)
        #expect(r.last?.fraction == 1)
        #expect(r.dropLast().allSatisfy { $0.completedIOs <= 2_000 && $0.fraction <= 1 })
    }

    @Test func aDurationRunReportsTimeAsItsShare() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path)
        job.stop = .duration(.milliseconds(200))
        let log = ProgressLog()
        let m = try RealRunner().run(job, progressInterval: .milliseconds(20)) { log.reports.append($0) }
        expectSane(m, in: dir)
        let r = log.reports
        #expect(r.count >= 3, "about one report per 20 ms over 200 ms: \(r.count)")
        #expect(r.allSatisfy { $0.totalIOs == nil && $0.durationNanoseconds == 200_000_000 })
        #expect(r.last?.completedIOs == m.ios && r.last?.isFinal == true)
        let middle = r.dropFirst().dropLast()
        #expect(middle.allSatisfy { $0.fraction > 0 && $0.fraction <= 1 })
    }

    @Test func withoutTraceOptionsNoTraceIsKept() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let m = try RealRunner().run(smallJob(.blocking, in: dir.path, count: 50))
        #expect(m.trace == nil)
    }

    @Test func theTraceKeepsTheFirstIOsOnly() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path, count: 300)
        job.censusIntervalMicroseconds = 200
        let m = try RealRunner().run(job, trace: RealTraceOptions(ios: 100))
        expectSane(m, ios: 300, in: dir)
        let t = try #require(m.trace)
        #expect(t.ios.count == 100)
        #expect(t.budgetExhaustedAtNanoseconds != nil)
        #expect(t.slotsPerThread == 1)
        expectWellFormed(t)
        // One thread, one slot: the IOs follow each other, the last recorded one before the budget ran out.
        for (a, b) in zip(t.ios, t.ios.dropFirst()) { #expect(a.submitNanoseconds < b.submitNanoseconds) }
        #expect(t.ios.last!.completeNanoseconds <= t.budgetExhaustedAtNanoseconds!)
        #expect(!t.census.isEmpty, "census samples are kept for the trace")
        #expect(t.census.allSatisfy { $0.threads >= 1 })
    }

    @Test func aTraceLargerThanTheRunRecordsEveryIO() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.threadPool(workers: 3), in: dir.path, count: 200)
        job.queueDepth = 4
        let m = try RealRunner().run(job, trace: RealTraceOptions(ios: 1_000))
        expectSane(m, ios: 200, in: dir)
        let t = try #require(m.trace)
        #expect(t.ios.count == 200)
        #expect(t.budgetExhaustedAtNanoseconds == nil)
        #expect(t.slotsPerThread == 4)
        expectWellFormed(t)
        #expect(Set(t.ios.map(\.slot)).count > 1, "IOs in flight at once use several slots")
    }

    @Test func aWindowKeepsTheIOsIssuedInIt() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.blocking, in: dir.path)
        job.stop = .duration(.milliseconds(120))
        let m = try RealRunner().run(job, trace: RealTraceOptions(ios: 1_000_000, fromNanoseconds: 20_000_000, toNanoseconds: 60_000_000))
        let t = try #require(m.trace)
        #expect(!t.ios.isEmpty)
        #expect(t.ios.allSatisfy { $0.submitNanoseconds >= 20_000_000 && $0.submitNanoseconds < 60_000_000 })
        expectWellFormed(t)
    }

    @Test func badTraceOptionsAreRefusedBeforeAnythingRuns() {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        for options in [
            RealTraceOptions(ios: 0), RealTraceOptions(ios: RealTraceOptions.maxIOs + 1),
            RealTraceOptions(fromNanoseconds: 5, toNanoseconds: 5),
        ] {
            #expect(throws: RealError.self) { try RealRunner().run(smallJob(.blocking, in: dir.path), trace: options) }
        }
        #expect(dir.entries.isEmpty)
    }
}

@Suite("Traces of io_uring runs", .enabled(if: URingAvailability.isAvailable, URingAvailability.skipReason))
struct URingTraceTests {
    @Test func iosInFlightAtOnceSitOnTheirOwnSlots() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var job = smallJob(.ioUring(.init()), in: dir.path, count: 400)
        job.threads = 2
        let log = ProgressLog()
        let m = try RealRunner().run(job, trace: RealTraceOptions(ios: 10_000), progressInterval: .milliseconds(1)) {
            log.reports.append($0)
        }
        expectSane(m, ios: 400, in: dir)
        let t = try #require(m.trace)
        #expect(t.ios.count == 400)
        #expect(t.slotsPerThread == 8)
        #expect(Set(t.ios.map(\.thread)) == [0, 1])
        expectWellFormed(t)
        #expect(log.reports.last?.completedIOs == 400)
        for (a, b) in zip(log.reports, log.reports.dropFirst()) { #expect(b.completedIOs >= a.completedIOs) }
    }
}

import IOSimCore
import IOSimEngine
import Testing

/// A handler that records what it is handed and can schedule follow-ups.
struct Recorder: EventHandler {
    var log: [(time: Int64, kind: UInt32, target: UInt32)] = []
    var stopAfter = Int.max
    var followUps: [UInt32: (delay: Int64, kind: UInt32)] = [:]
    var isFinished: Bool { log.count >= stopAfter }
    mutating func handle(_ event: Event, engine: inout Engine) {
        log.append((event.time, event.kind, event.target))
        if let f = followUps[event.kind] {
            engine.schedule(after: .nanoseconds(f.delay), priority: EventPriority(rawValue: 1), kind: f.kind, target: 0)
        }
    }
}

@Suite struct EventOrder {
    @Test func tiesAreBrokenByPriorityClassThenBySchedulingOrder() {
        var engine = Engine()
        let p = { (v: UInt8) in EventPriority(rawValue: v) }
        engine.schedule(at: SimInstant(nanosecondsSinceStart: 10), priority: p(3), kind: 1, target: 0)
        engine.schedule(at: SimInstant(nanosecondsSinceStart: 10), priority: p(0), kind: 2, target: 0)
        engine.schedule(at: SimInstant(nanosecondsSinceStart: 5), priority: p(9), kind: 3, target: 0)
        engine.schedule(at: SimInstant(nanosecondsSinceStart: 10), priority: p(3), kind: 4, target: 0)
        engine.schedule(at: SimInstant(nanosecondsSinceStart: 10), priority: p(0), kind: 5, target: 0)
        var r = Recorder()
        while engine.step(&r) {}
        #expect(r.log.map(\.kind) == [3, 2, 5, 1, 4])
        #expect(engine.eventsProcessed == 5)
    }

    @Test func manyEventsAtOneInstantKeepTheirOrder() {
        var engine = Engine()
        for i in 0..<1_000 {
            engine.schedule(at: SimInstant(nanosecondsSinceStart: 7), priority: EventPriority(rawValue: UInt8(i % 3)),
                            kind: UInt32(i), target: 0)
        }
        var r = Recorder()
        while engine.step(&r) {}
        let expected = (0..<3).flatMap { c in (0..<1_000).filter { $0 % 3 == c }.map(UInt32.init) }
        #expect(r.log.map(\.kind) == expected)
    }

    @Test func randomScheduleComesOutSorted() {
        var g = SeededGenerator(seed: 42)
        var engine = Engine()
        for i in 0..<5_000 {
            engine.schedule(at: SimInstant(nanosecondsSinceStart: Int64(g.nextInt(below: 1_000))),
                            priority: EventPriority(rawValue: UInt8(g.nextInt(below: 4))), kind: UInt32(i), target: 0)
        }
        var last: (Int64, UInt64) = (-1, 0)
        var count = 0
        while let e = engine.popNext() {
            #expect((e.time, e.order) > last, "out of order at \(count)")
            last = (e.time, e.order)
            count += 1
        }
        #expect(count == 5_000)
    }
}

@Suite struct RunBounds {
    /// Schedules the first event of a chain on `engine` (noncopyable, so not returned in a tuple).
    func chain(_ engine: inout Engine) -> Recorder {
        engine.schedule(at: .zero, priority: EventPriority(rawValue: 1), kind: 1, target: 0)
        var r = Recorder()
        r.followUps = [1: (10, 1)]  // every event schedules the next 10 ns later
        return r
    }

    @Test func runUntilHandlesEventsAtTheLimitAndStops() {
        var engine = Engine()
        var r = chain(&engine)
        let handled = engine.run(until: SimInstant(nanosecondsSinceStart: 50), &r)
        #expect(handled == 6)  // 0, 10, ..., 50
        #expect(engine.now == SimInstant(nanosecondsSinceStart: 50))
        #expect(engine.peekNextTime() == SimInstant(nanosecondsSinceStart: 60))
    }

    @Test func runMaxEventsStopsAfterThatMany() {
        var engine = Engine()
        var r = chain(&engine)
        #expect(engine.run(maxEvents: 7, &r) == 7)
        #expect(r.log.last?.time == 60)
    }

    @Test func aFinishedHandlerStopsTheRun() {
        var engine = Engine()
        var r = chain(&engine)
        r.stopAfter = 3
        engine.run(maxEvents: 100, &r)
        #expect(r.log.count == 3)
    }

    @Test func theClockNeverGoesBackwards() {
        var engine = Engine()
        var r = chain(&engine)
        var last = engine.now
        for _ in 0..<20 {
            engine.step(&r)
            #expect(engine.now >= last)
            last = engine.now
        }
    }
}

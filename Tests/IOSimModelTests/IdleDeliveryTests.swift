import IOSimCore
import IOSimModel
import Testing

/// `interrupts.idleDelivery`: an interrupt raised for a CPU that is idle (its vCPU halted) takes that much longer to
/// reach it than one for a busy CPU.
@Suite struct IdleDeliveryTests {
    /// One CPU, constant costs, one blocking read: switched in at 1,000, the read issued (entry 100, request 400,
    /// driver 800) and the thread blocked at 2,300; the device takes 20,000 plus the 4 KiB transfer at 1 GB/s
    /// (4,096) and raises the interrupt at 26,396, the CPU idle. It reaches the CPU 500 later (delivery), plus
    /// `idleDelivery`.
    @Test(arguments: [Int64(0), 7_000])
    func anInterruptToAnIdleCPUComesLater(idle: Int64) throws {
        var s = constantCostScenario(cpus: 1)
        s.interrupts.idleDelivery = .nanoseconds(idle)
        s.threads = [ThreadSpec(name: "t", program: [read4k(.blocking)])]
        let r = try Simulator(s).run()
        let io = try #require(r.ioRecords.first)
        #expect(io.deviceDone == ns(26_396))
        #expect(io.interruptStart == ns(26_896 + idle))
    }

    /// Two CPUs, the interrupts on CPU 0, where a thread computes for a millisecond while another, on CPU 1,
    /// reads: the interrupt finds CPU 0 busy and takes only the plain delivery; with the reader alone on CPU 0 it
    /// takes the idle one too.
    @Test func anInterruptToABusyCPUDoesNot() throws {
        func interruptDelay(busy: Bool) throws -> Int64 {
            var s = constantCostScenario(cpus: 2)
            s.interrupts.idleDelivery = .nanoseconds(7_000)
            s.threads = [ThreadSpec(name: "reader", cpus: busy ? [1] : [0], program: [read4k(.blocking)])]
            if busy { s.threads.append(ThreadSpec(name: "hog", cpus: [0], program: [.compute(.constant(1_000_000))])) }
            let r = try Simulator(s).run()
            let io = try #require(r.ioRecords.first)
            return try #require(io.interruptStart).nanosecondsSinceStart - #require(io.deviceDone).nanosecondsSinceStart
        }
        #expect(try interruptDelay(busy: true) == 500)
        #expect(try interruptDelay(busy: false) == 7_500)
    }

    /// A later interrupt never overtakes one still on its way to an idle CPU: two readers on CPU 1 whose reads
    /// complete 2,300 apart on a two-channel device, the interrupts on CPU 0, idle at the first (delivered 50 us
    /// later) and busy at the second (a thread that slept there is switched in meanwhile). Without the rule the
    /// second would arrive 500 after it was raised, long before the first.
    @Test func aLaterInterruptDoesNotOvertake() throws {
        var s = constantCostScenario(cpus: 2)
        s.device.channels = 2
        s.interrupts.idleDelivery = .microseconds(50)
        s.threads = [
            ThreadSpec(name: "r1", cpus: [1], program: [read4k(.blocking)]),
            ThreadSpec(name: "r2", cpus: [1], program: [read4k(.blocking, offset: .fixed(8192))]),
            ThreadSpec(name: "sleeper", cpus: [0], program: [.sleep(.constant(24_000)), .compute(.constant(1_000_000))]),
        ]
        let r = try Simulator(s).run()
        let first = try #require(r.ioRecords.first { $0.thread == "r1" })
        let second = try #require(r.ioRecords.first { $0.thread == "r2" })
        let firstDone = try #require(first.deviceDone).nanosecondsSinceStart
        let secondDone = try #require(second.deviceDone).nanosecondsSinceStart
        #expect(secondDone > firstDone && secondDone - firstDone < 5_000)
        #expect(try #require(first.interruptStart).nanosecondsSinceStart == firstDone + 50_500)
        #expect(try #require(second.interruptStart) >= #require(first.interruptStart))
    }
}

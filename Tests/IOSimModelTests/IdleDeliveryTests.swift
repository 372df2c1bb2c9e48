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
}

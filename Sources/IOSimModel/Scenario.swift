//! A whole simulation described as one value: the machine, the device, the files and the threads.

import IOSimCore

/// Everything one run needs. Build it in Swift (or read it from a scenario file with IOSimScenario) and
/// hand it to `Simulator`.
///
/// ```swift
/// var scenario = Scenario(name: "one read")
/// scenario.files = [FileSpec(name: "data", sizeBytes: 1 << 20)]
/// scenario.threads = [ThreadSpec(name: "main", program: [
///     .io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: .fixed(0), style: .blocking)),
/// ])]
/// let result = try Simulator(scenario).run()
/// ```
public struct Scenario: Sendable, Equatable {
    public var name: String
    /// The one seed every random stream of the run derives from.
    public var seed: UInt64 = 1
    public var machine = MachineConfig()
    public var kernel = KernelConfig()
    public var device = DeviceConfig()
    public var interrupts = InterruptConfig()
    public var files: [FileSpec] = []
    public var ports: [PortSpec] = []
    public var rings: [RingSpec] = []
    public var threads: [ThreadSpec] = []
    public var stop = StopCondition()
    /// Which IO's life the narration follows (1 is the first IO issued); nil for none.
    public var narrateIO: Int? = 1
    /// Keep the timeline of every IO in the result (memory grows with the IO count; for tests).
    public var recordIOs: Bool = false

    public init(name: String = "scenario") { self.name = name }

    /// Makes every software cost zero (switches, wake-ups, time slices, syscalls, request building, page pinning and page-cache misses,
    /// driver and doorbell, polls, interrupt delivery, ISR, deferred routine and its wake-ups), leaving only the device's time: for checks against
    /// queueing theory and for workloads that set their own costs.
    public mutating func removeSoftwareCosts() {
        machine.contextSwitch = .zero
        machine.wakeupLatency = .zero
        machine.localWakeup = nil  // the wake-up latency, zero
        machine.wakeupAfterIdle = []
        interrupts.busyStall = .zero
        interrupts.idleDelivery = .zero
        machine.timeSlice = .zero
        kernel.syscallEntry = .zero
        kernel.syscallExit = .zero
        kernel.requestCreate = .zero
        kernel.driverSubmit = .zero
        kernel.doorbell = .zero
        kernel.directIOPerPage = .zero
        kernel.pageCacheMiss = .zero
        kernel.pollCheck = .zero
        interrupts.deliveryLatency = .zero
        interrupts.isr = .zero
        interrupts.deferredPerRequest = .zero
        interrupts.deferredPerPage = .zero
        interrupts.deferredWake = .zero
        interrupts.deferredWakeRemote = .zero
    }
}

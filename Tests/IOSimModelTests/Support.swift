import IOSimCore
import IOSimModel

/// A machine whose every cost is a distinct constant, so each instant of a timeline can be computed by hand.
func constantCostScenario(cpus: Int = 1) -> Scenario {
    var s = Scenario(name: "constant costs")
    s.machine.cpuCount = cpus
    s.machine.contextSwitch = .nanoseconds(1_000)
    s.machine.wakeupLatency = .nanoseconds(3_000)
    s.machine.timeSlice = .zero
    s.kernel.syscallEntry = .nanoseconds(100)
    s.kernel.syscallExit = .nanoseconds(200)
    s.kernel.requestCreate = .nanoseconds(400)
    s.kernel.driverSubmit = .nanoseconds(800)
    s.kernel.pollCheck = .nanoseconds(50)
    s.kernel.directIOPerPage = .zero  // the per-page costs have their own tests (DirectIOPageTests)
    s.interrupts.deferredPerPage = .zero
    s.kernel.pageCacheMiss = .zero  // has its own test (DirectIOPageTests)
    s.device.readLatency = .constant(20_000)
    s.device.bandwidthBytesPerSecond = 1_000_000_000
    s.device.channels = 1
    s.device.queueDepth = 32
    s.interrupts.deliveryLatency = .nanoseconds(500)
    s.interrupts.isr = .nanoseconds(1_500)
    s.interrupts.deferredPerRequest = .nanoseconds(2_000)
    s.interrupts.target = .fixed(cpu: 0)
    s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
    s.recordIOs = true
    return s
}

/// A machine where nothing costs CPU time: only the device takes time (for queueing-theory checks).
func zeroCostScenario() -> Scenario {
    var s = Scenario(name: "zero costs")
    s.machine.cpuCount = 1
    s.removeSoftwareCosts()
    s.device.bandwidthBytesPerSecond = 0
    s.files = [FileSpec(name: "data", sizeBytes: 1 << 30)]
    return s
}

func ns(_ v: Int64) -> SimInstant { SimInstant(nanosecondsSinceStart: v) }

func read4k(_ style: IOStyle, name: String? = nil, notice: CompletionNotice = .statusOnly, offset: OffsetSpec = .fixed(0))
    -> Operation
{
    .io(IOOperation(.read, file: "data", sizeBytes: 4096, offset: offset, style: style, notice: notice, name: name))
}

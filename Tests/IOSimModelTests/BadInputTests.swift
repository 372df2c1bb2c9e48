import IOSimCore
import IOSimModel
import Testing

/// The error building a simulator from `scenario` throws (configuration and program checks happen there,
/// before anything runs), or nil.
func buildError(_ scenario: Scenario) -> SimulationError? {
    do {
        _ = try Simulator(scenario)
        return nil
    } catch {
        return error
    }
}

/// The error running `scenario` throws (failures at run time and deadlocks), or nil; a scenario that does
/// not even build is recorded as an issue.
func runError(_ scenario: Scenario, sourceLocation: SourceLocation = #_sourceLocation) -> SimulationError? {
    let simulator: Simulator
    do {
        simulator = try Simulator(scenario)
    } catch {
        Issue.record("expected to build, failed with \(error)", sourceLocation: sourceLocation)
        return nil
    }
    do {
        _ = try simulator.run()
        return nil
    } catch {
        return error
    }
}

/// A valid one-thread scenario to break.
func oneReader(_ program: [Operation] = [read4k(.blocking)]) -> Scenario {
    var s = constantCostScenario()
    s.threads = [ThreadSpec(name: "main", program: program)]
    return s
}

@Suite struct BadInputTests {
    // MARK: - Configuration: the key is named

    @Test func negativeConfiguredDurationNamesItsKey() throws {
        var s = oneReader()
        s.machine.contextSwitch = .nanoseconds(-1)
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidConfiguration)
        #expect(e.subject == "machine.contextSwitch")
        #expect(e.message.contains("negative") && e.message.contains("-1ns"))

        s = oneReader()
        s.device.readLatency = .exponential(mean: -5)
        let latency = try #require(buildError(s))
        #expect(latency.kind == .invalidConfiguration && latency.subject == "device.latency")
    }

    @Test func zeroQueueDepthNamesItsKey() throws {
        var s = oneReader()
        s.device.queueDepth = 0
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidConfiguration)
        #expect(e.subject == "device.queueDepth")
        #expect(e.message.contains("at least 1"))
    }

    @Test func zeroChannelsNamesItsKey() throws {
        var s = oneReader()
        s.device.channels = 0
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidConfiguration)
        #expect(e.subject == "device.channels")
    }

    @Test func zeroCPUsNamesItsKey() throws {
        var s = oneReader()
        s.machine.cpuCount = 0
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidConfiguration)
        #expect(e.subject == "machine.cpus")
        #expect(e.message.contains("found 0"))
        #expect(e.description.hasPrefix("machine.cpus: "))
    }

    @Test func interruptTargetBeyondTheCPUsNamesItsKey() throws {
        var s = oneReader()
        s.interrupts.target = .fixed(cpu: 1)  // one CPU: only CPU 0 exists
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidConfiguration && e.subject == "interrupts.target")
    }

    // MARK: - Programs: the thread and step are named

    @Test func negativeDurationInAProgramNamesThreadAndStep() throws {
        let e = try #require(buildError(oneReader([.compute(.constant(1_000)), .compute(.constant(-5))])))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject == "thread 'main' step 2")
        #expect(e.message.contains("negative"))

        let nested = try #require(
            buildError(oneReader([.repeatCount(3, [.compute(.constant(1)), .sleep(.uniform(min: 5, max: 1))])])))
        #expect(nested.subject == "thread 'main' step 1.2")
    }

    @Test func waitingOnARequestNeverIssuedNamesTheRequest() throws {
        let e = try #require(buildError(oneReader([.getResult(request: "ghost", wait: true)])))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject == "thread 'main' step 1")
        #expect(e.message.contains("'ghost'"))

        // Issued only after the wait: still an error, at the wait.
        let late = try #require(
            buildError(oneReader([.waitEvent(request: "r"), read4k(.overlapped, name: "r")])))
        #expect(late.subject == "thread 'main' step 1")
        #expect(late.message.contains("'r'"))
    }

    @Test func unknownFileIsNamedWithTheKnownOnes() throws {
        let e = try #require(
            buildError(oneReader([read4k(.blocking), .io(IOOperation(.read, file: "missing", sizeBytes: 4096))])))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject == "thread 'main' step 2")
        #expect(e.message.contains("'missing'") && e.message.contains("data"))

        let open = try #require(buildError(oneReader([.open(file: "elsewhere")])))
        #expect(open.message.contains("'elsewhere'"))
    }

    @Test func unknownPortIsNamed() throws {
        let dequeue = try #require(buildError(oneReader([.dequeue(port: "nowhere")])))
        #expect(dequeue.kind == .invalidProgram)
        #expect(dequeue.subject == "thread 'main' step 1")
        #expect(dequeue.message.contains("'nowhere'") && dequeue.message.contains("none"))

        let notice = try #require(buildError(oneReader([read4k(.overlapped, notice: .port("nowhere"))])))
        #expect(notice.kind == .invalidProgram && notice.message.contains("'nowhere'"))
    }

    @Test func fiosLoopOnAnSQPollRingIsRejected() throws {
        var s = oneReader([.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, ios: 4, submitEach: true))])
        s.rings = [RingSpec(name: "ring", sqpoll: true)]
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject == "thread 'main' step 1")
        #expect(e.message.contains("submit: \"each\"") && e.message.contains("SQPOLL"))
        s.rings = [RingSpec(name: "ring")]
        #expect(buildError(s) == nil)
        s.rings = [RingSpec(name: "ring", iopoll: true)]
        s.device.pollQueues = true
        #expect(try #require(buildError(s)).message.contains("submit: \"each\""))
        s.rings = [RingSpec(name: "ring", taskRun: .interrupt)]
        s.threads[0].program = [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, ios: 4, peek: true, submitEach: true))]
        #expect(try #require(buildError(s)).message.contains("submit: \"each\""))
    }

    /// With IOPOLL nothing posts a completion unless the waiter polls inside io_uring_enter: a peeking loop
    /// would spin for ever.
    @Test func peekingAnIOPollRingIsRejected() throws {
        var s = oneReader([.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, ios: 4, peek: true))])
        s.rings = [RingSpec(name: "ring", iopoll: true, taskRun: .interrupt)]
        s.device.pollQueues = true
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidProgram && e.subject == "thread 'main' step 1")
        #expect(e.message.contains("IOPOLL") && e.message.contains("peek: false"))
        s.threads[0].program = [.uring(UringLoop(ring: "ring", file: "data", sizeBytes: 4096, ios: 4))]
        #expect(buildError(s) == nil)
    }

    @Test func ioLargerThanItsFileIsRejected() throws {
        var s = oneReader([.io(IOOperation(.read, file: "small", sizeBytes: 8192, offset: .fixed(0)))])
        s.files = [FileSpec(name: "small", sizeBytes: 4096)]
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject == "thread 'main' step 1")
        #expect(e.message.contains("8192") && e.message.contains("'small'"))

        s.threads[0].program = [.io(IOOperation(.read, file: "small", sizeBytes: 4096, offset: .fixed(512)))]
        let offset = try #require(buildError(s))
        #expect(offset.message.contains("offset 512"))
    }

    @Test func blockingIOWithAPortNoticeIsRejected() throws {
        var s = oneReader([read4k(.blocking, notice: .port("p"))])
        s.ports = [PortSpec(name: "p")]
        let e = try #require(buildError(s))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject == "thread 'main' step 1")
        #expect(e.message.contains("overlapped"))

        s.threads[0].program = [read4k(.blocking, notice: .completionRoutine(cost: .constant(0)))]
        #expect(buildError(s)?.kind == .invalidProgram)
    }

    // MARK: - At run time

    /// A non-daemon thread waits on a port nobody posts to: the run cannot end, and says so, listing the
    /// thread and what it waits for (and not the thread that finished).
    @Test func waitingOnAPortNobodyPostsToIsADeadlock() throws {
        var s = oneReader()
        s.ports = [PortSpec(name: "p")]
        s.threads = [
            ThreadSpec(name: "reader", program: [read4k(.blocking)]),
            ThreadSpec(name: "main", program: [.compute(.constant(1_000)), .dequeue(port: "p")]),
        ]
        let e = try #require(runError(s))
        #expect(e.kind == .deadlock)
        #expect(e.blockedThreads.count == 1)
        let line = try #require(e.blockedThreads.first)
        #expect(line.contains("thread 'main'") && line.contains("step 2") && line.contains("port"))
        #expect(e.description.contains(line))

        // The same wait in a daemon thread is a pool worker idling: the run ends normally.
        s.threads[1].daemon = true
        #expect(runError(s) == nil)
    }

    /// `repeatForever([reportProgress])` takes no virtual time: the run fails, naming the thread, rather
    /// than spinning for ever.
    @Test func loopThatTakesNoTimeFailsInsteadOfHanging() throws {
        let e = try #require(runError(oneReader([.repeatForever([.reportProgress])])))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject.hasPrefix("thread 'main' step 1"))
        #expect(e.message.contains("without taking any virtual time"))
    }

    /// The same through events: on a machine with no costs and a zero-latency device, each pass of the
    /// loop waits for an IO that completes at the same instant. (This hung before the guard across
    /// events; see World+Thread.swift `runThread`.)
    @Test func loopWhoseWaitsTakeNoTimeFailsInsteadOfHanging() throws {
        var s = zeroCostScenario()
        s.device.readLatency = .constant(0)
        s.threads = [
            ThreadSpec(
                name: "main",
                program: [.repeatForever([read4k(.overlapped, name: "r"), .getResult(request: "r", wait: true)])])
        ]
        let e = try #require(runError(s))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject.hasPrefix("thread 'main' step 1"))
        #expect(e.message.contains("without taking any virtual time"))
    }

    /// A spawn loop with free thread creation is a zero-time loop too. (This took quadratic time before
    /// `spawn` numbered instances in O(1): practically a hang.)
    @Test func spawnLoopThatTakesNoTimeFailsInsteadOfHanging() throws {
        var s = zeroCostScenario()
        s.machine.threadCreate = .zero
        s.threads = [
            ThreadSpec(name: "main", program: [.repeatForever([.spawn(thread: "child")])]),
            ThreadSpec(name: "child", template: true, program: [.compute(.constant(1_000))]),
        ]
        let e = try #require(runError(s))
        #expect(e.kind == .invalidProgram)
        #expect(e.subject.hasPrefix("thread 'main' step 1"))
    }

    /// Not everything unusual is an error: waiting again on a request that already completed returns at
    /// once (its manual-reset event stays signalled).
    @Test func waitingTwiceOnACompletedRequestIsFine() throws {
        let s = oneReader([read4k(.overlapped, name: "r"), .getResult(request: "r", wait: true), .waitEvent(request: "r")])
        #expect(runError(s) == nil)
    }
}

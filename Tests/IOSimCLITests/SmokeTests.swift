import IOSimCLI
import Testing

@Suite struct CommandLineBasics {
    @Test func versionPrintsTheVersionAndExitsZero() {
        let o = Output()
        #expect(CLI.execute(["--version"], o) == .ok)
        #expect(o.out == "iosim 0.1.0\n")
        #expect(o.err.isEmpty)
    }

    @Test func anUnknownCommandIsAUsageError() {
        let o = Output()
        #expect(CLI.execute(["rnu"], o) == .usage)
        #expect(o.err.hasPrefix("error: unknown command 'rnu' (did you mean 'run'?)\n"))
        #expect(o.out.isEmpty)
    }
}

/// `calibrate --given` is checked before anything is measured.
@Suite struct CalibrateGivenArguments {
    @Test(arguments: [
        ("kernel.doorbell", "--given expects KEY=DURATION"),
        ("machine.cpus=2", "'machine.cpus' cannot be given; expected one of kernel.requestCreate, kernel.driverSubmit, kernel.doorbell, device.passWakeup"),
        ("kernel.doorbell=4", "--given kernel.doorbell: expected a duration such as \"80us\", found \"4\""),
        ("kernel.doorbell=3000000s", "longer than the model's longest duration"),
    ])
    func badGivenIsAUsageError(argument: String, message: String) {
        let r = iosim(["calibrate", "--given", argument])
        #expect(r.code == .usage)
        #expect(r.err.contains(message), "\(r.err)")
    }

    @Test func aKeyGivenTwiceIsAUsageError() {
        let r = iosim(["calibrate", "--given", "kernel.doorbell=4us", "--given", "kernel.doorbell=5us"])
        #expect(r.code == .usage)
        #expect(r.err.contains("kernel.doorbell is given twice"))
    }
}

/// `bench` says which path ran, and both paths give the same simulated figures.
@Suite struct BenchPaths {
    func field(_ name: String, _ json: String) -> String? {
        json.split(separator: "\n").first { $0.contains("\"\(name)\":") }.map { String($0.split(separator: ":")[1]) }
    }

    @Test func theReferenceWorkloadRunsOnTheFastPathWithTheGeneralPathsFigures() {
        let fast = iosim(["bench", "--ios", "3000"])
        let general = iosim(["bench", "--ios", "3000", "--general"])
        #expect(fast.code == .ok && general.code == .ok)
        #expect(field("path", fast.out) == " \"closed-loop\"")
        #expect(field("path", general.out) == " \"general\"")
        for key in ["ios", "events", "meanLatencyNs", "cpuUtilization", "seed"] {
            #expect(field(key, fast.out) != nil)
            #expect(field(key, fast.out) == field(key, general.out), "\(key)")
        }
    }
}

//! Help texts: `iosim help`, `iosim help COMMAND`, `COMMAND --help`.

public enum Help {
    static let usageLine = "usage: iosim COMMAND [OPTIONS] (run, check, explain, sweep, list, profiles, bench, real, validate, compare, calibrate, help)"

    static let general = """
        iosim: when a program does asynchronous IO, who is doing the work?

        A deterministic simulator of user threads, the CPU scheduler, the kernel, a block driver, a device
        with a DMA engine, and the interrupt controller. It replays, in virtual time, the argument of
        "There Is No Thread" and puts numbers on it.

        usage: iosim COMMAND [OPTIONS]

        commands:
          run FILE...        simulate scenarios and print the report (CPU ledger, latency, threads)
          check FILE|DIR...  evaluate every scenario's expect block; exit 1 if one fails
          explain FILE       narrate the life of one IO, step by step
          sweep FILE         a table of key results for every combination of --param values
          list [DIR]         the scenarios in DIR (default Scenarios)
          profiles           the built-in device profiles
          bench              the engine benchmark (the reference closed-loop workload)
          real FILE          run the scenario's workload for real on this machine (io_uring, pread, a pool)
          validate FILE...   the model against a real run, metric by metric; exit 1 if one is off
          compare A B        two validations side by side: how far the machine (or the model) moved
          calibrate          measure this machine's costs and write a profile scenarios can use
          help [COMMAND]     this text, or a command's

        options: --version, --help
        exit codes: 0 ok, 1 an expectation failed, 64 usage error, 65 bad scenario data,
                    74 a file could not be read

        """

    static func usage(_ command: String) -> String? {
        switch command {
        case "run":
            return "iosim run FILE... [--profile P] [--set KEY=VALUE]... [--seed N] [--format text|json] [--trace F] [--svg F] [--timeline]"
        case "check": return "iosim check FILE|DIR... [--profile P] [--set KEY=VALUE]... [--seed N]"
        case "explain": return "iosim explain FILE [--io N] [--profile P] [--set KEY=VALUE]... [--seed N] [--trace F] [--svg F] [--timeline]"
        case "sweep":
            return "iosim sweep FILE --param KEY=V1,V2,... [--param ...] [--set KEY=VALUE]... [--seed N] [--format text|json|csv] [--svg F]"
        case "list": return "iosim list [DIR]..."
        case "profiles": return "iosim profiles"
        case "bench": return "iosim bench [FILE] [--ios N] [--seed S] [--general]"
        case "real":
            return "iosim real FILE [--dir DIR] [--duration D] [--set KEY=VALUE]... [--seed N] [--format text|json] [--trace F] [--irq-time ticks|trace] [--quiet]"
        case "validate":
            return "iosim validate FILE|DIR... [--profile P] [--repeats N] [--model-seeds N] [--dir DIR] [--duration D] [--set KEY=VALUE]... [--format text|json] [--irq-time ticks|trace] [--measured FILE] [--quiet]"
        case "compare": return "iosim compare BEFORE.json AFTER.json [--side measured|predicted] [--format text|json]"
        case "calibrate":
            return "iosim calibrate [--dir DIR] [-o PROFILE.json5] [--repeats N] [--given KEY=DURATION]... [--from PROFILE] [--irq-time ticks|trace] [--quick] [--quiet]"
        case "help": return "iosim help [COMMAND]"
        default: return nil
        }
    }

    static let pictures = """

          --trace FILE      a Chrome trace / Perfetto JSON file (streamed): lanes per CPU, thread, the device
                            and the interrupt line, counters, and flows following each IO
          --trace-window A..B   only this span of virtual time (such as 0ms..5ms), for --trace, --svg, --timeline
          --trace-ios N     only the first N IOs in the trace, which ends when they are done
          --svg FILE        a timeline picture of the run
          --timeline        a Gantt in the terminal after the report (colour on a TTY unless NO_COLOR is set)
          --quiet           no progress line on stderr (shown for runs longer than ~2 s when stderr is a TTY)

        """

    /// The `--irq-time` option's help lines (real, validate and calibrate), `what` saying what it measures.
    static func irqTimeOption(_ what: String) -> String {
        [
            "--irq-time SOURCE \(what): ticks (default), /proc/stat's",
            "columns, which a kernel without CONFIG_IRQ_TIME_ACCOUNTING fills by",
            "sampling at each tick (here 0.8-3.3 us per 4 KiB read where the handlers",
            "took 2.7-4.0); or trace, the irq tracepoints in a tracefs instance of the",
            "run's own (root; it writes only that instance's control files, which the",
            "kernel makes with it, and removes it; up to 32 MiB of buffer per CPU)",
        ].joined(separator: "\n" + String(repeating: " ", count: 20))
    }

    static func text(for command: String) -> String? {
        guard let usage = usage(command) else { return nil }
        let body: String
        switch command {
        case "run":
            body = """
                Simulates each scenario file and prints its report: CPU time per CPU and in total split into
                user, syscall, irq, deferred, polling, switch and idle; IO latency (mean, p50, p90, p99, p99.9,
                max) and its stages; interrupts; context switches; the thread census.

                options:
                  --profile P       a calibrated profile (iosim calibrate -o P): its machine, kernel, device and
                                    interrupts keys laid over the scenario's own
                  --set KEY=VALUE   override a scenario key (device.latency=20us, machine.cpus=4,
                                    threads[0].count=8); the value is read as JSON5, else as a string
                  --seed N          override the scenario's seed
                  --format FORMAT   text (default) or json (the documented result keys)
                """ + pictures
        case "check":
            body = """
                Runs each scenario (directories are searched for *.json5; names starting with _ are partial
                files and skipped) and evaluates its expect block, printing each expectation with the actual
                value. Exits 1 if any fails, printing the seed and the command that reproduces it.

                options:
                  --profile P       a calibrated profile (iosim calibrate -o P): its machine, kernel, device and
                                    interrupts keys laid over the scenario's own
                  --set KEY=VALUE   override a scenario key, as for run
                  --seed N          override each scenario's seed
                """
        case "explain":
            body = """
                Narrates the life of one IO (the first by default) in the order of Cleary's "There Is No
                Thread": the call, the request, the driver, the device and its DMA, the interrupt, the ISR,
                the deferred routine, the delivery, and the thread that learns of it.

                options:
                  --io N            which IO to follow (1 is the first issued)
                  --profile P       a calibrated profile (iosim calibrate -o P): its machine, kernel, device and
                                    interrupts keys laid over the scenario's own
                """ + pictures
        case "sweep":
            body = """
                Runs the scenario for every combination of the --param values (independent runs on all
                cores) and prints iops, latency mean/p50/p99, CPU busy share, interrupts and context switches
                per IO, most threads alive and the attached share, one row per combination.

                options:
                  --param KEY=V1,V2,...   a scenario key and its values (repeatable: the product is swept)
                  --format FORMAT         text (default), json or csv
                  --svg FILE              line charts of the swept values against IOPS, p50/p99 latency and CPU busy
                  --quiet                 no progress line on stderr
                """
        case "list":
            body = "Lists the scenario files under each DIR (default Scenarios) with their names and descriptions.\n"
        case "profiles":
            body = "Lists the built-in device profiles that a scenario names with device.profile.\n"
        case "bench":
            body = """
                Runs the reference closed-loop workload of shared/bench (or FILE) and prints JSON: ios, events,
                wallSeconds, iosPerSecond, eventsPerSecond, peakMemoryBytes, meanLatencyNs, cpuUtilization, seed,
                and path: "closed-loop" when the scenario ran on the fast path for threads that compute and issue
                blocking direct IO, "general" otherwise (both give the same result), with generalBecause saying why. Build with -c release for
                meaningful figures.

                options:
                  --ios N           IOs to simulate (default 1,000,000)
                  --seed S          the seed (default 1)
                  --general         run on the general path even when the fast path applies
                """
        case "real":
            body = """
                Runs the scenario's workload on this machine: the same file size, block size, queue depth,
                threads and engine (an io_uring loop; blocking pread in one thread; a pool for several). Lays the
                file out in a new directory inside DIR (default: a new temporary directory), never writes to a
                file it did not create (the --trace file, and with --irq-time trace its tracefs instance's control
                files, aside), and removes what it created on exit, Ctrl-C included. Prints the same
                report keys as run (machine-wide CPU from /proc/stat, the disk's interrupts from
                /proc/interrupts, latency per IO, the thread census) plus a system section.

                options:
                  --dir DIR         where to lay the file out
                  --duration D      run for this long (such as 5s) instead of the scenario's IO count
                  --trace FILE      a Chrome trace / Perfetto JSON file of the run: each recorded IO from submission
                                    to completion on a lane per job thread and in-flight slot, IOs in flight, and
                                    the thread census (process, iou-wrk and iou-sqp threads); real microseconds
                  --trace-ios N     record the first N IOs (default 10,000, at most 1,000,000; per IO 240 to 320
                                    bytes of trace and 32 bytes of memory allocated before the run)
                  --trace-window A..B   record only IOs issued in this span after the run's start (such as 1s..2s)
                  \(irqTimeOption("how irq and softirq time is measured"))
                  --quiet           no progress line on stderr (shown for runs longer than ~2 s when stderr is a TTY)
                Errors (io_uring unavailable, O_DIRECT refused, no space, ...) exit 74 with the likely cause; so
                does a trace file that cannot be written.
                """
        case "validate":
            body = """
                Runs each scenario in the model and for real, and prints predicted against measured with the
                relative error for IOPS, mean and p99 latency, CPU per IO (user, system, irq+softirq),
                interrupts per IO, context switches per IO, kernel threads and, for io_uring workloads,
                io_uring_enter calls per IO, with a verdict per metric against its tolerance (IOPS and mean
                latency 15%, CPU, interrupts and io_uring_enter calls per IO 25%, p99 and switches 50%, kernel
                threads +-1). Exits 1 if any metric is off. With several scenarios the text ends with a line that
                sums up the metrics off and their scenarios, and apart the figures off (IOPS, mean latency,
                CPU and interrupts per IO), and with repeats the widest spread of a scenario's measured IOPS;
                the JSON marks those metrics "figure": true. With a profile that calibrate wrote, the workloads
                it measured too (4 KiB random O_DIRECT reads through io_uring at depths 1, 4, 16 and 64 and
                fio's loop at 32, 64 KiB ones at depth 4, four blocking threads, 4 KiB at depth 1 through an
                SQPOLL ring idling 1s; the file's size is not compared) get a last line
                each: the IOPS the profile recorded and the IOPS now, which tell how far the machine moved
                since it was calibrated ("atCalibration" in the JSON). Under each table, not judged: the
                device's stalls on both sides, the share of the vCPUs' time the host took from the real runs
                (steal; "hostSteal" in the JSON), and the null syscall and memcpy bandwidth timed just before
                each run ("cpuProbe"), beside the profile's calibration figures: a host that slows the CPUs
                slows the runs where the model has no host.

                options:
                  --profile P       a calibrated profile (iosim calibrate -o P) laid over each scenario
                  --repeats N       run each scenario N times for real, interleaved (every scenario once per
                                    round), and compare the median of each metric (default 1)
                  --model-seeds N   pool the model's runs with N seeds, the scenario's and the N - 1 after it,
                                    as one run as long as all of them (IOs, CPU time and counts added up,
                                    percentiles of all their IOs; default 5)
                  --dir DIR         where to lay files out
                  --duration D      run each for real for this long instead of its IO count
                  \(irqTimeOption("how irq and softirq time is measured"))
                  --measured FILE   run nothing for real: take the machine's side (medians and ranges) from an
                                    earlier `validate --format json` output, each scenario by its file, and
                                    set the model beside it: a new profile or model judged against the same
                                    measurement, the machine's moves between runs left out (no stall line;
                                    the host's steal and CPU probes as that run wrote them, the probes set
                                    against this --profile's calibration; the calibration lines compare
                                    the profile with that run)
                  --quiet           no progress line on stderr (shown for runs longer than ~2 s when stderr is a TTY)
                """
        case "compare":
            body = """
                Sets two outputs of `iosim validate --format json` side by side: each scenario both have (by its
                file) and each metric both have (by name), the earlier value where validate puts the model's,
                the error (before - after) / after, and the verdict by the later validation's tolerances.
                With the machine's side (the default) it tells how far the machine moved between the two
                validations, judged as the model is: a machine that misses those tolerances against itself
                minutes apart sets the floor under the model's error. With --side predicted it compares
                the model's sides (two profiles, or two versions). With the machine's side, lines under each
                table set the host's steal and the CPU probes of the two side by side, not judged (where
                written). Exits 1 if any metric is off, 65 if a file
                is not what validate writes (with its line and column) or the two have no scenario in common.

                options:
                  --side SIDE       measured (default): the machine's values; predicted: the model's
                  --format FORMAT   text (default) or json
                """
        case "calibrate":
            body = """
                Measures the null syscall, a context switch, a cross-CPU wake-up (and one after each of six idle
                times, 5us to 1ms), an io_uring NOP round trip, a page-cache read through pread and through
                io_uring (and the copy rate), memcpy bandwidth, an io_uring_enter submitting one O_DIRECT read
                and one submitting four (the doorbell, the request), the read's round trip pinned to each of two
                CPUs (the local wake-up), the device's latency by size at queue depth 1
                with system and irq+softirq time per IO by size (and user time at 4 KiB), system time per IO of
                4 KiB and 64 KiB at queue depth 4 (and the 64 KiB run's IOPS, which the device's bandwidth is
                fitted to), the device's saturation (IOPS and bandwidth by queue depth),
                interrupts and irq+softirq time per IO by queue depth, the device's stalls at queue depth 64
                (gaps between reaps of completions of 1 ms or more, or 3 x the 90th percentile gap: how often and
                how long; in runs of 5 s, the others being 1 s), queue depth 1 through an SQPOLL ring
                (the shared host's CPUs are fitted to it), the same pinned with its poller to the interrupts' CPU
                and beside it (an interrupt to a halted CPU), and beside a spinning thread, one thread of blocking
                preads at queue depth 1 (its system time against io_uring's: the cost of io_uring's wait), and
                the real io_uring loop over cached pages, each with its spread over repeats; fits the model's
                parameters and prints (or writes with -o) a profile of machine, kernel, device and interrupts
                keys that a scenario can extend and `validate --profile` can lay over.

                options:
                  --dir DIR         where to lay the test file out (default: a new temporary directory)
                  -o FILE           write the profile there
                  --repeats N       repeats per figure (default 5)
                  --given KEY=D     take a cost user space cannot measure as known (from a kernel trace) and fit
                                    the device around it; KEY is kernel.requestCreate, kernel.driverSubmit,
                                    kernel.doorbell, device.passWakeup, machine.hostHaltPoll,
                                    machine.idleExit, machine.localWakeup, interrupts.busyStall,
                                    interrupts.idleDelivery or kernel.directIOPerPage (repeatable)
                  \(irqTimeOption("how the device runs measure irq+softirq time"))
                  --from PROFILE    measure nothing: fit the figures an earlier calibration recorded in
                                    that profile's header again, with the costs it was given (a --given
                                    of the same key replaces one), so two fits compare on one
                                    measurement; a minute or two. A figure it lacks is fitted as
                                    without it (the shared host, with no SQPOLL run, to the spinner's)
                  --quick           short runs (a few seconds; for smoke tests); with --from, a
                                    small search grid
                  --quiet           no progress line on stderr (shown after ~2 s when stderr is a TTY)
                """
        default:
            body = "Prints help for a command.\n"
        }
        return "usage: \(usage)\n\n" + body + (body.hasSuffix("\n") ? "" : "\n")
    }
}

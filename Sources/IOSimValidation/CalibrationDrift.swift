//! How far the machine has moved since a profile was calibrated. A profile fits the machine in the state its
//! calibration found, and a shared host moves between states within minutes (README, "Validation on a second
//! machine of this class"). Calibrate's device runs are workloads of the validation suite too (4 KiB random
//! O_DIRECT reads through io_uring at queue depths 1, 4, 16 and 64; 64 KiB ones at depth 4; 4 KiB at depth 1
//! through an SQPOLL ring; four threads of blocking reads; and fio's loop at depth 32, which a scenario can ask
//! for), so `validate` can set the IOPS such a scenario measures beside the IOPS the profile recorded for it: a
//! model that misses by as much as the machine moved was fitted to another state of the machine.

import IOSimReal

/// One validated workload's IOPS now against the same workload's IOPS in the profile's calibration.
public struct CalibrationDrift: Sendable, Equatable {
    /// The scenario's short name.
    public var scenario: String
    /// The figure the profile recorded for the same workload ("IOPS 4KiB QD16").
    public var atCalibration: CalibrationFigure
    /// The IOPS measured now (the median over the repeats).
    public var measured: Double

    public init(scenario: String, atCalibration: CalibrationFigure, measured: Double) {
        self.scenario = scenario
        self.atCalibration = atCalibration
        self.measured = measured
    }

    /// Now against the calibration's median: 0.1 is 10% more IOPS now (nil when the median is 0).
    public var change: Double? { atCalibration.median > 0 ? measured / atCalibration.median - 1 : nil }
    /// Whether now lies outside what the calibration's repeats measured.
    public var outsideSpread: Bool { measured < atCalibration.minimum || measured > atCalibration.maximum }
}

extension Calibration {
    /// The name of the IOPS figure calibrate records for a run of the same workload as `job`, or nil when
    /// calibrate runs no such workload: 4 KiB random O_DIRECT reads of one thread through io_uring with fio's
    /// setup (`FigureName.iops(depth:)` at the depths calibrate runs, and fio's loop, each SQE submitted as it is
    /// written, at `FigureName.submitEachDepth`), or of four threads each blocking in its own read at a time
    /// (`FigureName.poolIOPS`); 64 KiB reads through io_uring at depth 4 (`FigureName.iopsForBandwidth`); and 4 KiB
    /// at depth 1 through an SQPOLL ring idling 1 s (`FigureName.iopsSQPOLL`).
    /// Programs with compute steps do other work between the reads and match nothing.
    /// The file's size and where it lies are not compared (calibrate's file is 256 MiB by default; the
    /// suite's scenarios read 1 GiB).
    public static func iopsFigure(sameWorkloadAs job: RealJob) -> String? {
        // Calibrate's runs that compare with a scenario's are not pinned (its pinned SQPOLL pair is its own).
        guard job.direction == .read, job.pattern == .random, job.caching == .direct, job.computePerIO == .zero,
            job.cpus == nil
        else {
            return nil
        }
        // 4 KiB, but for the one 64 KiB run.
        let small = job.blockBytes == 4096
        guard small || job.blockBytes == FigureName.bandwidthFitBytes else { return nil }
        switch job.engine {
        case .ioUring(let options):
            // Calibrate's ring (`RealJob.URingOptions()`); the SQ thread's idle time means nothing without one.
            let fio = RealJob.URingOptions()
            // Calibrate's SQPOLL run: 4 KiB at depth 1, its poller idling as long (the task-run flags, which
            // the kernel refuses with SQPOLL, mean nothing there).
            if options.submissionQueuePolling {
                let sq = Calibration.sqpollOptions
                if options.sqThreadCPU != nil { return nil }
                guard small, job.queueDepth == 1, job.threads == 1, !options.ioPolling, !options.asyncFlag,
                    options.sqThreadIdleMilliseconds == sq.sqThreadIdleMilliseconds,
                    options.registeredBuffers == sq.registeredBuffers, options.registeredFiles == sq.registeredFiles,
                    options.waitMode == sq.waitMode
                else { return nil }
                return FigureName.iopsSQPOLL
            }
            guard !options.ioPolling, !options.asyncFlag,
                options.registeredBuffers == fio.registeredBuffers, options.registeredFiles == fio.registeredFiles,
                options.deferTaskRun == fio.deferTaskRun, job.threads == 1
            else { return nil }
            switch options.waitMode {
            case .waitForOne:
                if !small { return job.queueDepth == FigureName.pageCostDepth ? FigureName.iopsForBandwidth : nil }
                return FigureName.depths.contains(job.queueDepth) ? FigureName.iops(depth: job.queueDepth) : nil
            case .submitEach:  // fio's loop, which calibrate runs at one depth
                return small && job.queueDepth == FigureName.submitEachDepth ? FigureName.iopsSubmitEach : nil
            case .peekAndSpin:
                return nil
            }
        case .blocking:
            guard small, job.threads == 4, job.queueDepth == 1 else { return nil }
            return FigureName.poolIOPS
        case .threadPool:
            return nil
        }
    }

    /// A validated workload's IOPS beside the profile's figure for the same workload, or nil when calibrate ran
    /// no such workload or the profile does not record its figure.
    public static func drift(recorded: RecordedFigures, scenario: String, job: RealJob, iops: Double) -> CalibrationDrift? {
        guard let name = iopsFigure(sameWorkloadAs: job),
            let figure = recorded.figures.first(where: { $0.name == name && $0.unit == "IOPS" })
        else { return nil }
        return CalibrationDrift(scenario: scenario, atCalibration: figure, measured: iops)
    }
}

extension Validation {
    /// The lines `validate` prints after its tables when the profile recorded figures of the same workloads:
    /// each workload's IOPS at calibration (median, and minimum - maximum over its repeats) and now.
    /// `when` names the measurement set beside the calibration's ("now"; `validate --measured` names its file).
    public static func driftText(_ drifts: [CalibrationDrift], when: String = "now") -> String {
        guard !drifts.isEmpty else { return "" }
        let width = drifts.map(\.scenario.count).max() ?? 0
        var text = "since the profile's calibration (its IOPS of the same workloads; a model fitted to one state of "
            + "the machine misses by as much as the machine moved):\n"
        for d in drifts {
            let f = d.atCalibration
            var notes: [String] = []
            if let change = d.change { notes.append((change >= 0 ? "+" : "") + fixed(change * 100, 1) + "%") }
            if d.outsideSpread { notes.append("outside the calibration's spread") }
            text += "  " + d.scenario.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  \(fixed(f.median, 0)) IOPS then (\(fixed(f.minimum, 0)) - \(fixed(f.maximum, 0)) over \(f.repeats) repeats), "
                + "\(fixed(d.measured, 0)) \(when)" + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")") + "\n"
        }
        return text
    }
}

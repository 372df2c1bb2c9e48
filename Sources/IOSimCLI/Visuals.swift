//! Pictures of a run: `--trace FILE.json` (Chrome trace / Perfetto, streamed), `--svg FILE.svg`, `--timeline`
//! (a Gantt in the terminal), limited with `--trace-window 0ms..5ms` and `--trace-ios N`; and the progress line
//! on stderr (`--quiet` silences it).

import Foundation
import IOSimCore
import IOSimModel
import IOSimScenario
import IOSimTimeline

struct VisualsError: Error {
    var message: String
}

/// Sends each event to several sinks.
final class TeeSink: TraceSink {
    let sinks: [TraceSink]
    init(_ sinks: [TraceSink]) { self.sinks = sinks }
    func record(_ event: TraceEvent) { for s in sinks { s.record(event) } }
}

final class Visuals {
    static let valuedOptions = ["--trace", "--svg", "--trace-window", "--trace-ios"]
    static let flags = ["--timeline", "--quiet"]

    let tracePath: String?
    let svgPath: String?
    let timeline: Bool
    let window: (from: SimInstant, to: SimInstant)?
    let firstIOs: Int64?
    let progressEnabled: Bool
    var writer: ChromeTraceWriter?
    var handle: FileHandle?
    /// The trace file's device and inode, as opened: `abandon` removes the path only while it still names them.
    var traceFile: (device: UInt64, inode: UInt64)?
    var recorder: TraceRecorder?
    var timelineText: String?

    var wantsPictures: Bool { tracePath != nil || svgPath != nil || timeline }

    init(_ a: Arguments) throws(UsageError) {
        tracePath = a.value("--trace")
        svgPath = a.value("--svg")
        timeline = a.has("--timeline")
        progressEnabled = ProgressLine.shouldShow(stderrIsTTY: ProgressLine.stderrIsTTY, quiet: a.has("--quiet"))
        if let w = a.value("--trace-window") {
            let parts = w.components(separatedBy: "..")
            guard parts.count == 2, case .success(let from) = Units.parseDuration(parts[0]),
                case .success(let to) = Units.parseDuration(parts[1]), to > from
            else {
                throw UsageError(message: "--trace-window expects FROM..TO such as 0ms..5ms, found '\(w)'", command: a.command)
            }
            window = (SimInstant(nanosecondsSinceStart: from), SimInstant(nanosecondsSinceStart: to))
        } else {
            window = nil
        }
        if let n = a.value("--trace-ios") {
            guard let v = Int64(n), v >= 1 else {
                throw UsageError(message: "--trace-ios expects a positive whole number, found '\(n)'", command: a.command)
            }
            firstIOs = v
        } else {
            firstIOs = nil
        }
    }

    /// The sink for the run, or nil when nothing is asked.
    func start(_ o: Output) throws(VisualsError) -> TraceSink? {
        var sinks: [TraceSink] = []
        if let path = tracePath {
            guard let opened = Visuals.openForWriting(path) else {
                throw VisualsError(message: "\(path): cannot be created for the trace")
            }
            let h = opened.handle
            handle = h
            traceFile = opened.regularFile
            let options = ChromeTraceWriter.Options(
                from: window?.from, to: window?.to, firstIOs: firstIOs, endWithFirstIOs: firstIOs != nil)
            let w = ChromeTraceWriter(options: options, fileHandle: h)
            writer = w
            sinks.append(w)
        }
        if svgPath != nil || timeline {
            let r = TraceRecorder()
            recorder = r
            sinks.append(r)
        }
        if sinks.isEmpty { return nil }
        return sinks.count == 1 ? sinks[0] : TeeSink(sinks)
    }

    /// Opens `path` for writing as a shell's `>` does: created if missing, truncated, and through a symbolic link
    /// to its target (the link stays; `/dev/stdout` is the output). `regularFile` is the opened file's device and
    /// inode when it is a regular file, else nil.
    static func openForWriting(_ path: String) -> (handle: FileHandle, regularFile: (device: UInt64, inode: UInt64)?)? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        var st = stat()
        let regular = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        return (FileHandle(fileDescriptor: fd, closeOnDealloc: true), regular ? (UInt64(st.st_dev), UInt64(st.st_ino)) : nil)
    }

    /// Writes `data` to `path` as `openForWriting` opens it. - Returns: false when it could not.
    static func write(_ data: Data, to path: String) -> Bool {
        guard let opened = openForWriting(path) else { return false }
        do {
            try opened.handle.write(contentsOf: data)
            try opened.handle.close()
            return true
        } catch {
            return false
        }
    }

    /// The run failed: the trace file it was streaming (a JSON document cut short) is closed and removed, so
    /// that a failed run leaves no trace file behind. Only a regular file that the path itself still names (not
    /// through a link, not replaced meanwhile) is removed; a link, a device or a pipe is left as it is.
    func abandon() {
        guard writer != nil, let path = tracePath else { return }
        try? handle?.close()
        writer = nil
        var st = stat()
        guard let file = traceFile, lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG,
            UInt64(st.st_dev) == file.device, UInt64(st.st_ino) == file.inode
        else { return }
        unlink(path)
    }

    func finish(_ result: SimulationResult, _ o: Output) throws(VisualsError) {
        let end = SimInstant.zero + result.elapsed
        if let w = writer {
            w.finish(at: end)
            try? handle?.close()
            writer = nil  // complete: a later failure (the picture's file, say) does not remove it
        }
        if let r = recorder {
            if let path = svgPath {
                let svg = SVGTimeline(events: r.events, end: end, from: window?.from, to: window?.to, title: result.scenario).render()
                guard Visuals.write(Data(svg.utf8), to: path) else {
                    throw VisualsError(message: "\(path): cannot be written")
                }
            }
            if timeline {
                let colour = TerminalTimeline.shouldUseColour(
                    isTTY: isatty(STDOUT_FILENO) == 1, environment: ProcessInfo.processInfo.environment)
                timelineText = TerminalTimeline(events: r.events, end: end, from: window?.from, to: window?.to)
                    .render(width: 100, colour: colour)
            }
        }
    }
}

//! The Chrome Trace Event Format file itself: the JSON object, one event per line, written in chunks. Shared
//! by the simulated trace (`ChromeTraceWriter`) and the real run's (`RealTraceWriter`).

/// `{"traceEvents":[...]}` written to `output` in chunks of about 64 KiB.
///
/// Times are nanoseconds, written as microseconds with exactly three decimals (no locale, so the same
/// events give the same bytes). Metadata (`M`) events carry `"ts":0.000`.
final class ChromeTraceStream {
    static let flushBytes = 64 << 10

    let output: (String) -> Void
    var buffer = "{\"traceEvents\":[\n"
    var firstEvent = true
    var closed = false
    /// Bytes handed to the output so far (UTF-8).
    private(set) var bytesWritten = 0
    /// Trace events written so far.
    private(set) var eventsWritten = 0

    init(output: @escaping (String) -> Void) {
        self.output = output
    }

    /// A process's name and its place among the processes.
    func process(pid: Int, name: String, sortIndex: Int) {
        meta("process_name", pid: pid, tid: pid, args: "{\"name\":\(Fmt.json(name))}")
        meta("process_sort_index", pid: pid, tid: pid, args: "{\"sort_index\":\(sortIndex)}")
    }

    /// A lane's (thread's) name and its place within its process.
    func lane(pid: Int, tid: Int, name: String, sortIndex: Int) {
        meta("thread_name", pid: pid, tid: tid, args: "{\"name\":\(Fmt.json(name))}")
        meta("thread_sort_index", pid: pid, tid: tid, args: "{\"sort_index\":\(sortIndex)}")
    }

    func meta(_ name: String, pid: Int, tid: Int, args: String) {
        write(
            "{\"name\":\"\(name)\",\"cat\":\"__metadata\",\"ph\":\"M\",\"ts\":0.000,"
                + "\"pid\":\(pid),\"tid\":\(tid),\"args\":\(args)}")
    }

    /// A complete (`X`) event from `start` to `end` (nanoseconds); `args` is a JSON object or nil.
    func complete(pid: Int, tid: Int, name: String, cat: String, start: Int64, end: Int64, args: String?) {
        var line = "{\"name\":\(Fmt.json(name)),\"cat\":\(Fmt.json(cat)),\"ph\":\"X\",\"ts\":\(Fmt.micros(start)),"
        line += "\"dur\":\(Fmt.micros(end - start)),\"pid\":\(pid),\"tid\":\(tid)"
        if let args { line += ",\"args\":\(args)" }
        write(line + "}")
    }

    /// A counter (`C`) event: the series `series` of counter `name` is `value` from `at` on.
    func counter(pid: Int, tid: Int, name: String, series: String, value: Int, at: Int64) {
        write(
            "{\"name\":\(Fmt.json(name)),\"cat\":\"counter\",\"ph\":\"C\",\"ts\":\(Fmt.micros(at)),"
                + "\"pid\":\(pid),\"tid\":\(tid),\"args\":{\(Fmt.json(series)):\(value)}}")
    }

    /// Appends one event (a JSON object on one line).
    func write(_ line: String) {
        if firstEvent { firstEvent = false } else { buffer += ",\n" }
        buffer += line
        eventsWritten += 1
        if buffer.utf8.count >= Self.flushBytes { flush() }
    }

    /// Closes the JSON and hands everything left to the output. Idempotent.
    func close() {
        if closed { return }
        closed = true
        // No displayTimeUnit: Perfetto ignores it and records a stat, and some of its older versions read
        // "ns" there as the unit of ts.
        buffer += "\n]}\n"
        flush()
    }

    /// Hands the buffered text to the output now.
    func flush() {
        if buffer.isEmpty { return }
        bytesWritten += buffer.utf8.count
        output(buffer)
        buffer = ""
    }
}

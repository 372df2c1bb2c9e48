//! Hand-written command-line parsing, help texts and error reporting.
//! Exit codes: 0 ok, 1 an expectation failed, 64 usage error, 65 bad scenario data, 74 a file could not be read.

import Foundation
import IOSimCore
import IOSimModel
import IOSimScenario

/// The documented exit codes.
public enum ExitCode: Int32, Error, Sendable {
    case ok = 0
    case checkFailed = 1
    case usage = 64
    case dataError = 65
    case ioError = 74
}

struct UsageError: Error {
    var message: String
    var command: String?
}

/// Arguments of one command: positionals and options, parsed by hand.
struct Arguments {
    var positionals: [String] = []
    var options: [(name: String, value: String?)] = []
    var command: String

    /// - Parameters: `valued` options take a value (`--seed 3` or `--seed=3`); `flags` take none.
    init(_ args: [String], command: String, valued: [String], flags: [String]) throws(UsageError) {
        self.command = command
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" {
                positionals += args[(i + 1)...]
                break
            }
            if a.hasPrefix("-") && a != "-" {
                var name = a
                var value: String? = nil
                if let eq = a.firstIndex(of: "="), a.hasPrefix("--") {
                    name = String(a[..<eq])
                    value = String(a[a.index(after: eq)...])
                }
                if name == "-h" { name = "--help" }
                if valued.contains(name) {
                    if value == nil {
                        guard i + 1 < args.count else {
                            throw UsageError(message: "option \(name) needs a value", command: command)
                        }
                        i += 1
                        value = args[i]
                    }
                    options.append((name, value))
                } else if flags.contains(name) {
                    if value != nil { throw UsageError(message: "option \(name) takes no value", command: command) }
                    options.append((name, nil))
                } else {
                    let all = valued + flags
                    let guess = all.min { editDistance($0, name) < editDistance($1, name) }
                    var message = "unknown option \(name)"
                    if let g = guess, editDistance(g, name) <= 3 { message += " (did you mean \(g)?)" }
                    throw UsageError(message: message, command: command)
                }
            } else {
                positionals.append(a)
            }
            i += 1
        }
    }

    func has(_ flag: String) -> Bool { options.contains { $0.name == flag } }
    func values(_ name: String) -> [String] { options.filter { $0.name == name }.compactMap(\.value) }
    func value(_ name: String) -> String? { values(name).last }

    func int(_ name: String, range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let v = value(name) else { return nil }
        guard let i = Int(v), range.contains(i) else {
            throw UsageError(message: "\(name) expects a whole number in \(range.lowerBound)...\(range.upperBound), found '\(v)'", command: command)
        }
        return i
    }

    func seed() throws(UsageError) -> UInt64? {
        guard let v = value("--seed") else { return nil }
        guard let s = UInt64(v), s <= UInt64(Int64.max) else {
            throw UsageError(message: "--seed expects a whole number from 0 to \(Int64.max), found '\(v)'", command: command)
        }
        return s
    }

    func format(_ allowed: [String]) throws(UsageError) -> String {
        let f = value("--format") ?? "text"
        guard allowed.contains(f) else {
            throw UsageError(message: "--format expects \(allowed.joined(separator: ", ")), found '\(f)'", command: command)
        }
        return f
    }

    func overrides() throws(UsageError) -> [Override] {
        var result: [Override] = []
        for v in values("--set") {
            guard let o = Override(argument: v) else {
                throw UsageError(message: "--set expects KEY=VALUE (such as device.latency=20us), found '\(v)'", command: command)
            }
            result.append(o)
        }
        return result
    }
}

/// Output streams, collected so tests can run commands in-process.
public final class Output {
    /// What the command wrote to standard output.
    public var out = ""
    /// What the command wrote to standard error.
    public var err = ""
    /// Whether standard error is a terminal: progress lines of `real`, `validate` and `calibrate` are drawn
    /// only then (and without `--quiet`). Tests set it.
    public var stderrIsTTY: Bool
    /// Where those progress lines go (nil: straight to standard error, as they are drawn while the command
    /// runs, never into `err`). Tests set it.
    public var progressOutput: (@Sendable (String) -> Void)? = nil
    /// Seconds of work before a progress line appears (2: only work longer than about two seconds).
    public var progressDelay: Double = 2
    public init() { stderrIsTTY = isatty(STDERR_FILENO) == 1 }
    func print(_ s: String = "") { out += s + "\n" }
    func write(_ s: String) { out += s }
    func error(_ s: String) { err += s + "\n" }
}

public enum CLI {
    static let version = "iosim 0.1.0"
    static let commands = ["run", "check", "explain", "sweep", "list", "profiles", "bench", "real", "validate", "compare", "calibrate", "help"]

    /// Runs a command line and writes its output to stdout and stderr.
    public static func main(_ args: [String]) -> ExitCode {
        let output = Output()
        let code = execute(args, output)
        FileHandle.standardOutput.write(output.out.data(using: .utf8)!)
        FileHandle.standardError.write(output.err.data(using: .utf8)!)
        return code
    }

    /// Runs a command line, collecting its output.
    public static func execute(_ args: [String], _ o: Output) -> ExitCode {
        guard let first = args.first else {
            o.error("error: no command")
            o.error(Help.usageLine)
            o.error("See 'iosim help'.")
            return .usage
        }
        if first == "--version" || first == "version" {
            o.print(version)
            return .ok
        }
        if first == "--help" || first == "-h" {
            o.write(Help.general)
            return .ok
        }
        let rest = Array(args.dropFirst())
        do {
            switch first {
            case "run": return try Commands.run(rest, o)
            case "check": return try Commands.check(rest, o)
            case "explain": return try Commands.explain(rest, o)
            case "sweep": return try Commands.sweep(rest, o)
            case "list": return try Commands.list(rest, o)
            case "profiles": return try Commands.profiles(rest, o)
            case "bench": return try Commands.bench(rest, o)
            case "real": return try Commands.real(rest, o)
            case "validate": return try Commands.validate(rest, o)
            case "compare": return try Commands.compare(rest, o)
            case "calibrate": return try Commands.calibrate(rest, o)
            case "help":
                guard let topic = rest.first else {
                    o.write(Help.general)
                    return .ok
                }
                guard let text = Help.text(for: topic) else {
                    throw UsageError(message: "no help for '\(topic)'; commands: \(commands.joined(separator: ", "))", command: nil)
                }
                o.write(text)
                return .ok
            default:
                let guess = commands.min { editDistance($0, first) < editDistance($1, first) }
                var message = "unknown command '\(first)'"
                if let g = guess, editDistance(g, first) <= 2 { message += " (did you mean '\(g)'?)" }
                throw UsageError(message: message, command: nil)
            }
        } catch let e as UsageError {
            o.error("error: \(e.message)")
            if let c = e.command, let usage = Help.usage(c) {
                o.error("usage: \(usage)")
                o.error("See 'iosim help \(c)'.")
            } else {
                o.error(Help.usageLine)
                o.error("See 'iosim help'.")
            }
            return .usage
        } catch {
            o.error("error: \(error)")
            return .dataError
        }
    }

    /// Prints a load error in the documented shape and returns its exit code.
    static func report(_ e: LoadError, _ o: Output) -> ExitCode {
        switch e {
        case .file(let f):
            o.error("error: \(f.path): \(f.reason)")
            return .ioError
        case .data(let d):
            o.error("error: \(d.description)")
            if let hint = d.hint { o.error("hint: \(hint)") }
            return .dataError
        }
    }

    static func report(_ e: SimulationError, file: String, _ o: Output) -> ExitCode {
        let lines = e.description.split(separator: "\n", omittingEmptySubsequences: false)
        o.error("error: \(file): \(lines.first ?? "")")
        for l in lines.dropFirst() { o.error(String(l)) }
        switch e.kind {
        case .deadlock: o.error("hint: a thread waits for an IO, packet or routine that nothing will produce")
        case .invalidProgram: o.error("hint: steps count from 1 in the thread's program; step 2.3 is the third step of the loop at step 2")
        case .invalidConfiguration: break
        }
        return .dataError
    }
}

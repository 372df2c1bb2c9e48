//! `iosim calibrate`: measure this machine's costs and write a profile that scenarios can extend.

import Foundation
import IOSimReal
import IOSimValidation

extension Commands {
    static func calibrate(_ args: [String], _ o: Output) throws(UsageError) -> ExitCode {
        let a = try Arguments(args, command: "calibrate", valued: ["--dir", "-o", "--repeats"], flags: ["--help", "--quick"])
        if a.has("--help") {
            o.write(Help.text(for: "calibrate")!)
            return .ok
        }
        if !a.positionals.isEmpty { throw UsageError(message: "calibrate takes no file arguments", command: "calibrate") }
        var options = CalibrationOptions()
        options.directory = a.value("--dir")
        options.quick = a.has("--quick")
        if let r = try a.int("--repeats", range: 1...100) { options.repeats = r }
        let report: CalibrationReport
        do {
            report = try Calibration.run(options)
        } catch {
            return Commands.report(error, o)
        }
        o.write(report.table)
        if let path = a.value("-o") {
            guard FileManager.default.createFile(atPath: path, contents: Data(report.profileText.utf8)) else {
                o.error("error: \(path): cannot be written")
                return .ioError
            }
            o.print("profile written to \(path); use it with `iosim validate --profile \(path)` or `extends` in a scenario")
        } else {
            o.print()
            o.write(report.profileText)
        }
        return .ok
    }
}

// iosim: the command-line tool. This file only maps the outcome of a command to an exit code.
import Foundation
import IOSimCLI

exit(CLI.main(Array(CommandLine.arguments.dropFirst())).rawValue)

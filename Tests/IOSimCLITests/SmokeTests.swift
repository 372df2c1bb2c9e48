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

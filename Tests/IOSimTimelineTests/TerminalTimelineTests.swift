import Foundation
import IOSimCore
import IOSimModel
import Testing

@testable import IOSimTimeline

private let updating = ProcessInfo.processInfo.environment["IOSIM_UPDATE_GOLDEN"] == "1"

/// Compares `actual` with the golden file byte for byte (IOSIM_UPDATE_GOLDEN=1 rewrites it).
func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let path = Paths.path("Tests/IOSimTimelineTests/Golden/\(name)")
    if updating {
        #expect(
            FileManager.default.createFile(atPath: path, contents: Data(actual.utf8)), sourceLocation: sourceLocation)
        return
    }
    guard let expected = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
        Issue.record(
            "no golden file \(path); create it with IOSIM_UPDATE_GOLDEN=1 swift test --filter IOSimTimelineTests",
            sourceLocation: sourceLocation)
        return
    }
    #expect(
        actual == expected,
        """
        \(name) differs from its golden file; if the change is intended, run
        IOSIM_UPDATE_GOLDEN=1 swift test --filter IOSimTimelineTests
        --- actual:
        \(actual)
        """,
        sourceLocation: sourceLocation)
}

@Suite struct TerminalTimelineOutput {
    /// Cleary's write: CPU 0 idles while the device serves the write, the ISR and the DPC borrow it for
    /// microseconds ("ID"), the UI thread never blocks.
    @Test func clearyGolden() throws {
        let (events, result) = try recorded(try loadScenario("Scenarios/02-cleary-iocp-write.json5"))
        let text = TerminalTimeline(events: events, end: .zero + result.elapsed).render()
        expectGolden(text, "02-cleary-iocp-write.timeline.txt")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("CPU 0          |w..........IDwU"))
    }

    /// Every line fits in 100 columns (or the width asked) for every scenario shape, including many threads.
    @Test(arguments: [
        "Scenarios/03c-overlapped.json5", "Scenarios/04a-thread-per-request.json5 stop.ios=100",
        "Scenarios/08b-coalescing.json5 stop.ios=300", "Scenarios/uring/sqpoll.json5 stop.ios=50",
        "Scenarios/06-completion-routine-alertable.json5",
    ])
    func fitsTheWidth(_ spec: String) throws {
        let parts = spec.split(separator: " ").map(String.init)
        let (events, result) = try recorded(try loadScenario(parts[0], overrides: Array(parts.dropFirst())))
        for width in [100, 80, 60] {
            let text = TerminalTimeline(events: events, end: .zero + result.elapsed).render(width: width)
            let lines = text.split(separator: "\n")
            #expect(lines.allSatisfy { $0.count <= width }, "\(spec) at \(width):\n\(text)")
            #expect(lines.contains { $0.hasPrefix("CPU 0 ") } && lines.contains { $0.hasPrefix("device ") })
        }
    }

    @Test func windowAndThreadLimit() throws {
        let (events, result) = try recorded(
            try loadScenario("Scenarios/04a-thread-per-request.json5", overrides: ["stop.ios=100"]))
        let text = TerminalTimeline(events: events, end: .zero + result.elapsed, maxThreads: 5).render()
        #expect(text.contains("more threads not shown"))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("handler#") }.count <= 5)
        let cleary = try recorded(try loadScenario("Scenarios/02-cleary-iocp-write.json5"))
        let window = TerminalTimeline(
            events: cleary.events, end: .zero + cleary.result.elapsed, from: .zero + .microseconds(40),
            to: .zero + .microseconds(60)
        ).render()
        #expect(window.hasPrefix("time 40 us to 60 us"))
        // 20 us over 83 columns: the ISR (1.5 us) and the DPC (2 us) take several columns each.
        let cpu0 = try #require(window.split(separator: "\n").first { $0.hasPrefix("CPU 0") })
        #expect(cpu0.contains("IIIII") && cpu0.contains("DDDDDDD"))
    }

    @Test func colourOnlyWhenAsked() throws {
        let (events, result) = try recorded(try loadScenario("Scenarios/02-cleary-iocp-write.json5"))
        let timeline = TerminalTimeline(events: events, end: .zero + result.elapsed)
        let coloured = timeline.render(colour: true)
        #expect(coloured.contains("\u{1B}[1;31mI\u{1B}[0m"))
        // Without the escapes, the same text.
        let stripped = coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == timeline.render())
        #expect(TerminalTimeline.shouldUseColour(isTTY: true, environment: [:]))
        #expect(!TerminalTimeline.shouldUseColour(isTTY: true, environment: ["NO_COLOR": "1"]))
        #expect(!TerminalTimeline.shouldUseColour(isTTY: false, environment: [:]))
    }
}

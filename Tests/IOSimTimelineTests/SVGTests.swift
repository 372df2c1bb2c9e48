import Foundation
import IOSimCore
import IOSimModel
import Testing

@testable import IOSimTimeline

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses `xml` with XMLParser; returns the problem (nil: well formed) and every text node.
func parseXML(_ xml: String) -> (error: String?, texts: [String], elements: [String: Int]) {
    final class Collector: NSObject, XMLParserDelegate {
        var texts: [String] = []
        var current = ""
        var elements: [String: Int] = [:]
        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            elements[elementName, default: 0] += 1
            current = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            if elementName == "text" { texts.append(current) }
            current = ""
        }
    }
    let parser = XMLParser(data: Data(xml.utf8))
    let collector = Collector()
    parser.delegate = collector
    let ok = parser.parse()
    return (
        ok ? nil : "\(parser.parserError.map { "\($0)" } ?? "parse failed") at line \(parser.lineNumber)",
        collector.texts, collector.elements
    )
}

@Suite struct SVGOutput {
    @Test func clearyTimeline() throws {
        let scenario = try loadScenario("Scenarios/02-cleary-iocp-write.json5")
        let (events, result) = try recorded(scenario)
        let svg = SVGTimeline(events: events, end: .zero + result.elapsed, title: scenario.name + " <&> \"quoted\"")
            .render()
        let (error, texts, elements) = parseXML(svg)
        #expect(error == nil, "\(error ?? "")")
        #expect(svg.hasPrefix("<?xml"))
        #expect(elements["svg"] == 1)
        // Lanes, at the left.
        for label in ["CPU 0", "CPU 1", "ui", "pool#0", "pool#1", "device (max 1)", "interrupt line"] {
            #expect(texts.contains(label), "no lane label \(label)")
        }
        // The title, escaped and read back.
        #expect(texts.contains(scenario.name + " <&> \"quoted\""))
        // Legend entries.
        for entry in [
            "user", "syscall", "irq (ISR)", "deferred (DPC)", "polling", "switch", "idle", "running", "runnable",
            "blocked",
            "alertable wait", "waking", "requests in service (height: count)", "interrupt (ISR start)",
        ] {
            #expect(texts.contains(entry), "no legend entry \(entry)")
        }
        // The axis: 334.54 us of run, in us.
        #expect(texts.contains("time (us)"))
        #expect(texts.contains("0") && texts.contains("100") && texts.contains("300"))
        // Readable: no font under 11 px.
        let sizes = svg.components(separatedBy: "font-size=\"").dropFirst().compactMap {
            Double($0.prefix { $0 != "\"" })
        }
        #expect(!sizes.isEmpty && sizes.allSatisfy { $0 >= 11 })
        // The ISR is a red slice on CPU 0 and a tick on the interrupt line; the DPC is there too.
        #expect(svg.contains(Mark.irq.colour) && svg.contains(Mark.deferred.colour))
        // Deterministic.
        #expect(
            svg
                == SVGTimeline(events: events, end: .zero + result.elapsed, title: scenario.name + " <&> \"quoted\"")
                .render())
    }

    @Test func windowAndUnits() throws {
        let (events, result) = try recorded(try loadScenario("Scenarios/02-cleary-iocp-write.json5"))
        let ns = SVGTimeline(
            events: events, end: .zero + result.elapsed, from: .zero + .nanoseconds(45_000),
            to: .zero + .nanoseconds(45_800))
        let (error, texts, _) = parseXML(ns.render())
        #expect(error == nil)
        #expect(texts.contains("time (ns)"))
        let long = try recorded(try loadScenario("Scenarios/03a-blocking.json5"))
        let ms = SVGTimeline(events: long.events, end: .zero + long.result.elapsed).render()
        #expect(parseXML(ms).texts.contains("time (ms)"))
    }

    /// A dense run is drawn a pixel column at a time: the picture stays small.
    @Test func denseRunStaysSmall() throws {
        let (events, result) = try recorded(
            try loadScenario("Scenarios/08b-coalescing.json5", overrides: ["stop.ios=3000"]))
        let svg = SVGTimeline(events: events, end: .zero + result.elapsed).render()
        #expect(parseXML(svg).error == nil)
        #expect(svg.utf8.count < 2_000_000)
        let names = parseXML(svg).texts
        #expect((0..<8).allSatisfy { names.contains("reader#\($0)") })
    }

    /// Nothing to draw still gives valid documents (and a text timeline within its width).
    @Test func emptyInputs() {
        #expect(parseXML(SVGTimeline(events: []).render()).error == nil)
        #expect(parseXML(SVGLineChart(parameter: "p", xLabels: [], panels: []).render()).error == nil)
        let one = SVGLineChart(
            parameter: "p", xLabels: ["only"],
            panels: [.init(title: "t", unit: "u", series: [.init(name: "s", values: [nil])])])
        #expect(parseXML(one.render()).error == nil)
        let text = TerminalTimeline(events: []).render()
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    @Test func sweepChart() throws {
        let chart = SVGLineChart.sweep(
            parameter: "interrupts.coalesceCount", xLabels: ["1", "2", "4", "8", "16"],
            iops: [120_000, 150_000, 170_000, nil, 181_000], p50Nanoseconds: [40_000, 38_000, 37_000, 36_500, 36_000],
            p99Nanoseconds: [90_000, 85_000, 80_000, 79_000, 120_000], cpuBusyShare: [0.9, 0.7, 0.55, 0.5, 0.48],
            title: "coalescing <sweep>")
        let svg = chart.render()
        let (error, texts, elements) = parseXML(svg)
        #expect(error == nil, "\(error ?? "")")
        for t in [
            "IOPS (IO/s)", "Latency (us)", "CPU busy (%)", "interrupts.coalesceCount", "p50", "p99", "IOPS", "CPU busy",
            "16",
            "coalescing <sweep>", "IO/s", "%", "us",
        ] {
            #expect(texts.contains(t), "no text \(t)")
        }
        #expect(texts.contains("200k"))  // the IOPS axis top
        // The nil IOPS breaks its line in two: 3 points, then 1.
        #expect(elements["polyline"] == 1 + 2 + 1)
        #expect(elements["circle"] == 4 + 5 + 5 + 5)
        // ms when p99 reaches 10 ms; numeric x placement parses too.
        let slow = SVGLineChart.sweep(
            parameter: "device.queueDepth", xLabels: ["1", "4", "32"], xScale: .logarithmic, iops: [1, 2, 3],
            p50Nanoseconds: [1e6, 2e6, 3e6], p99Nanoseconds: [5e6, 2e7, 3e7], cpuBusyShare: [0.1, 0.2, 0.3])
        let parsed = parseXML(slow.render())
        #expect(parsed.error == nil)
        #expect(parsed.texts.contains("Latency (ms)"))
        #expect(slow.xPositions() == [0, log10(4) / log10(32), 1])
    }
}

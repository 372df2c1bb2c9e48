import Foundation
import IOSimModel

let n = Int(CommandLine.arguments.dropFirst().first ?? "1000000") ?? 1_000_000
var sim = try Simulator(Scenario.closedLoopReference(ios: n))
let t0 = Date()
let r = try sim.run()
let wall = Date().timeIntervalSince(t0)
print(r.events, wall, Double(n) / wall, r.latency.mean, r.totalCPU.busyFraction)

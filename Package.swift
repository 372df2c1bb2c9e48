// swift-tools-version:6.0
// iosim: when a program does asynchronous IO, who is doing the work?
// Module graph (arrows point to dependencies, never upward):
//   iosim -> IOSimCLI -> IOSimScenario -> IOSimModel -> IOSimEngine -> IOSimCore
import PackageDescription

let checks: [SwiftSetting] = [.define("IOSIM_INTERNAL_CHECKS", .when(configuration: .debug))]

let package = Package(
    name: "iosim",
    products: [
        .executable(name: "iosim", targets: ["iosim"]),
        .library(name: "IOSimModel", targets: ["IOSimModel"]),
        .library(name: "IOSimScenario", targets: ["IOSimScenario"]),
    ],
    targets: [
        .target(name: "IOSimCore", swiftSettings: checks),
        .target(name: "IOSimEngine", dependencies: ["IOSimCore"], swiftSettings: checks),
        .target(name: "IOSimModel", dependencies: ["IOSimCore", "IOSimEngine"], swiftSettings: checks),
        .target(name: "IOSimScenario", dependencies: ["IOSimModel"], swiftSettings: checks),
        .target(
            name: "IOSimCLI", dependencies: ["IOSimScenario", "IOSimModel", "IOSimValidation", "IOSimReal", "IOSimTimeline"],
            swiftSettings: checks),
        .executableTarget(name: "iosim", dependencies: ["IOSimCLI"], swiftSettings: checks),
        .testTarget(name: "IOSimCoreTests", dependencies: ["IOSimCore"]),
        .testTarget(name: "IOSimEngineTests", dependencies: ["IOSimEngine"]),
        .testTarget(name: "IOSimModelTests", dependencies: ["IOSimModel"]),
        .testTarget(name: "IOSimScenarioTests", dependencies: ["IOSimScenario"]),
        .testTarget(name: "IOSimCLITests", dependencies: ["IOSimCLI"], exclude: ["Fixtures", "Golden"]),
        // Real-IO backend over Linux io_uring (issue 4): C shims, rings, the workload runner, its tests.
        .target(name: "CIOUring", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "IOSimURing", dependencies: ["CIOUring"], swiftSettings: checks),
        .target(name: "IOSimReal", dependencies: ["CIOUring", "IOSimURing", "IOSimCore"], swiftSettings: checks),
        .executableTarget(name: "iosim-real-bench", dependencies: ["IOSimReal"], swiftSettings: checks),
        .testTarget(name: "IOSimURingTests", dependencies: ["IOSimURing", "IOSimCore"]),
        .testTarget(name: "IOSimRealTests", dependencies: ["IOSimReal", "IOSimURing"]),
        // Timelines (issue 5): Chrome trace, SVG pictures and charts, terminal Gantt, progress line.
        .target(name: "IOSimTimeline", dependencies: ["IOSimModel", "IOSimCore", "IOSimReal"], swiftSettings: checks),
        .testTarget(
            name: "IOSimTimelineTests", dependencies: ["IOSimTimeline", "IOSimModel", "IOSimCore", "IOSimScenario", "IOSimReal"],
            exclude: ["Golden"]),
        // Model against reality: scenario to real job, comparison, calibration.
        .target(name: "IOSimValidation", dependencies: ["IOSimScenario", "IOSimModel", "IOSimReal", "IOSimURing", "IOSimCore"], swiftSettings: checks),
        .testTarget(name: "IOSimValidationTests", dependencies: ["IOSimValidation", "IOSimReal", "IOSimModel", "IOSimScenario"]),
    ],
    swiftLanguageModes: [.v6]
)

// Shared helpers of the CLI tests: the package root, running a command in-process, and a line diff.

import Foundation
import IOSimCLI

/// Paths of the package, found from this file's own path so the tests do not depend on the working
/// directory `swift test` was started in.
enum Paths {
    /// `/…/main`: this file is `Tests/IOSimCLITests/CLITestSupport.swift`.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The absolute path of `relative` (a path from the package root, such as `Scenarios/03c-overlapped.json5`).
    static func path(_ relative: String) -> String { root + "/" + relative }

    /// Every scenario file `iosim check Scenarios` runs: `*.json5` under Scenarios/, recursively, sorted,
    /// without the partial files (names starting with `_`, meant to be extended), as paths from the root.
    static let scenarioFiles: [String] = scenarioFiles(partials: false)

    /// The partial files (`_*.json5`) under Scenarios/, as paths from the root.
    static let partialFiles: [String] = scenarioFiles(partials: true)

    private static func scenarioFiles(partials: Bool) -> [String] {
        let dir = path("Scenarios")
        let all = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
        return all.filter { $0.hasSuffix(".json5") && ($0 as NSString).lastPathComponent.hasPrefix("_") == partials }
            .sorted().map { "Scenarios/" + $0 }
    }
}

/// What one command printed and returned.
struct Invocation {
    var code: ExitCode
    var out: String
    var err: String
}

/// Runs `iosim ARGS` in-process. Arguments that name files are given as absolute paths by the callers
/// (see `Paths.path`), so the command works from any working directory.
func iosim(_ args: [String]) -> Invocation {
    let o = Output()
    let code = CLI.execute(args, o)
    return Invocation(code: code, out: o.out, err: o.err)
}

/// A line diff of `expected` against `actual`: ` ` common, `-` only expected, `+` only actual, with up
/// to `context` common lines around each change (a longest-common-subsequence diff; fine for the small
/// texts of golden files).
func lineDiff(expected: String, actual: String, context: Int = 3) -> String {
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let n = a.count, m = b.count
    var lcs = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
    for i in stride(from: n - 1, through: 0, by: -1) {
        for j in stride(from: m - 1, through: 0, by: -1) {
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
        }
    }
    var ops: [(Character, String)] = []
    var i = 0, j = 0
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.append((" ", a[i])); i += 1; j += 1
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.append(("-", a[i])); i += 1
        } else {
            ops.append(("+", b[j])); j += 1
        }
    }
    let changed = ops.indices.filter { ops[$0].0 != " " }
    guard !changed.isEmpty else { return "(no line differs; the texts differ in line endings or invisible bytes)" }
    var keep = Set<Int>()
    for c in changed { for k in max(0, c - context)...min(ops.count - 1, c + context) { keep.insert(k) } }
    var lines: [String] = []
    var previous = -1
    for k in keep.sorted() {
        if lines.isEmpty || k != previous + 1 { lines.append("@@ line \(ops[..<k].filter { $0.0 != "+" }.count + 1) of the golden file @@") }
        lines.append("\(ops[k].0)\(ops[k].1)")
        previous = k
    }
    return lines.joined(separator: "\n")
}

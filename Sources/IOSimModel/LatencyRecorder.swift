//! The latency histograms of a run (total and per stage) in one fixed-address table: recording a sample
//! is an index computation and three stores, with no copy-on-write check (callgrind showed the checks of
//! seven array-backed histograms at 7% of the reference workload).

import IOSimCore

struct LatencyRecorder {
    /// Series 0 is the whole latency; series 1 + `IOStage.rawValue` are the stages.
    static var seriesCount: Int { 1 + IOStage.allCases.count }
    let buckets: UnsafeTable<UInt64>
    /// Per series: sum, min, max (and a spare slot). The min starts at `Int64.max`, so recording needs no test
    /// for a first sample; an empty series reports 0. The count is not kept: it is the sum of the buckets.
    let totals: UnsafeTable<Int64>

    init() {
        buckets = UnsafeTable(repeating: 0, count: LatencyRecorder.seriesCount * Histogram.bucketCount)
        totals = UnsafeTable(repeating: 0, count: LatencyRecorder.seriesCount * 4)
        for series in 0..<LatencyRecorder.seriesCount { totals[series * 4 + 2] = .max }
    }

    @inline(__always) func record(_ series: Int, _ value: Int64) {
        let v = max(value, 0)
        buckets[series &* Histogram.bucketCount &+ Histogram.bucketIndex(v)] &+= 1
        let t = series &* 4
        totals[t &+ 1] &+= v
        if v < totals[t &+ 2] { totals[t &+ 2] = v }
        if v > totals[t &+ 3] { totals[t &+ 3] = v }
    }

    @inline(__always) func recordLatency(_ value: Int64) { record(0, value) }
    @inline(__always) func record(_ stage: IOStage, _ value: Int64) { record(1 &+ stage.rawValue, value) }

    func histogram(_ series: Int) -> Histogram {
        let start = series * Histogram.bucketCount
        let t = series * 4
        let counts = (start..<(start + Histogram.bucketCount)).map { buckets[$0] }
        let count = counts.reduce(0, +)
        return Histogram(
            buckets: counts, count: count, sum: totals[t + 1], min: count == 0 ? 0 : totals[t + 2], max: totals[t + 3])
    }
}

import IOSimCore
import Testing

@Suite struct TimeArithmetic {
    @Test func instantsAndDurationsCombineOnlyInMeaningfulWays() {
        let start = SimInstant(nanosecondsSinceStart: 1_000)
        let later = start + .microseconds(80)
        #expect(later.nanosecondsSinceStart == 81_000)
        #expect(later - start == .nanoseconds(80_000))
        #expect(later - .milliseconds(0) == later)
        #expect(SimDuration.seconds(2).nanoseconds == 2_000_000_000)
        #expect(SimDuration.milliseconds(3) + .microseconds(4) == .nanoseconds(3_004_000))
        #expect(start < later)
    }
}

@Suite struct Randomness {
    @Test func splitMix64MatchesThePublishedSequence() {
        var g = SeededGenerator(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func namedStreamsAreIndependentAndStable() {
        var a = SeededGenerator(seed: 7, streamName: "thread:main")
        var b = SeededGenerator(seed: 7, streamName: "thread:main")
        var c = SeededGenerator(seed: 7, streamName: "thread:worker")
        let xa = (0..<4).map { _ in a.next() }
        #expect(xa == (0..<4).map { _ in b.next() })
        #expect(xa != (0..<4).map { _ in c.next() })
    }

    @Test func unitDrawsStayInsideTheOpenInterval() {
        var g = SeededGenerator(seed: 3)
        for _ in 0..<10_000 {
            let u = g.nextUnitOpen()
            #expect(u > 0 && u < 1)
        }
    }

    @Test func exponentialMeanConverges() {
        var g = SeededGenerator(seed: 11)
        let d = Distribution.exponential(mean: 80_000)
        var sum = 0.0
        let n = 200_000
        for _ in 0..<n { sum += Double(d.sample(&g)) }
        #expect(abs(sum / Double(n) - 80_000) / 80_000 < 0.01)
    }

    @Test func everyDistributionStaysNonNegativeAndNearItsMean() {
        let cases: [Distribution] = [
            .constant(5_000), .uniform(min: 1_000, max: 3_000), .exponential(mean: 2_000),
            .normal(mean: 10_000, standardDeviation: 1_000), .logNormal(mean: 10_000, sigma: 0.5),
            .empirical([.init(percentile: 0, value: 1_000), .init(percentile: 50, value: 2_000),
                        .init(percentile: 100, value: 5_000)]),
        ]
        for d in cases {
            var g = SeededGenerator(seed: 5)
            var sum = 0.0
            for _ in 0..<100_000 {
                let v = d.sample(&g)
                #expect(v >= 0)
                sum += Double(v)
            }
            let mean = sum / 100_000
            #expect(abs(mean - d.mean) / d.mean < 0.02, "\(d): \(mean) vs \(d.mean)")
        }
    }
}

@Suite struct StreamingHistogram {
    @Test func smallValuesAreExactAndLargeOnesWithinBucketResolution() {
        var h = Histogram()
        for v in 1...100 { h.record(Int64(v)) }
        #expect(h.percentile(partsPerMillion: 500_000) == 50)
        #expect(h.percentile(partsPerMillion: 990_000) == 99)
        #expect(h.mean == 50.5)
        var big = Histogram()
        for v in stride(from: Int64(1_000), through: 1_000_000, by: 1_000) { big.record(v) }
        let p90 = big.percentile(partsPerMillion: 900_000)
        #expect(abs(Double(p90) - 900_000) / 900_000 < 0.016)
        #expect(big.max == 1_000_000)
        #expect(big.min == 1_000)
    }

    @Test func memoryDoesNotGrowWithSamples() {
        var h = Histogram()
        let before = h
        for v in 0..<1_000_000 { h.record(Int64(v) * 9_973) }
        #expect(h.count == 1_000_000)
        #expect(h != before)
        // Fixed layout: the largest representable value still lands in the last bucket range.
        h.record(Int64.max / 2)
        #expect(h.max == Int64.max / 2)
    }
}

//! A streaming log-linear histogram of non-negative integers (HdrHistogram's layout, simplified).
//!
//! Values below 128 are counted exactly; above that, each power of two is split into 64 buckets, so a
//! reported percentile is within 1/64 (1.6%) of the truth, and memory is fixed (3,712 counters, 29 KiB)
//! whatever the number of samples. Mean, minimum and maximum are exact.

/// Counts of non-negative `Int64` samples in fixed memory.
public struct Histogram: Sendable, Equatable {
    /// The number of buckets (fixed).
    @inlinable public static var bucketCount: Int { 128 + 56 * 64 }
    @usableFromInline var counts: [UInt64]
    /// Number of samples recorded. 
    public var count: UInt64 { _count }
    @usableFromInline var _count: UInt64 = 0
    /// Sum of all samples (exact).
    public var sum: Int64 { _sum }
    @usableFromInline var _sum: Int64 = 0
    /// Smallest sample, or 0 when empty.
    public var min: Int64 { _min }
    @usableFromInline var _min: Int64 = 0
    /// Largest sample, or 0 when empty.
    public var max: Int64 { _max }
    @usableFromInline var _max: Int64 = 0

    public init() { counts = [UInt64](repeating: 0, count: Histogram.bucketCount) }

    /// A histogram from counts kept elsewhere (by a recorder with its own storage).
    /// - Precondition: `buckets.count == Histogram.bucketCount`.
    package init(buckets: [UInt64], count: UInt64, sum: Int64, min: Int64, max: Int64) {
        precondition(buckets.count == Histogram.bucketCount, "a histogram has \(Histogram.bucketCount) buckets")
        counts = buckets
        _count = count
        _sum = sum
        _min = min
        _max = max
    }

    /// The bucket of a non-negative value.
    @inlinable @inline(__always) public static func bucketIndex(_ v: Int64) -> Int {
        if v < 128 { return Int(Swift.max(v, 0)) }
        let msb = 63 - v.leadingZeroBitCount
        let shift = msb - 6
        let top = Int(v >> Int64(shift))  // in 64..<128
        return 128 + (shift - 1) * 64 + (top - 64)
    }

    static func bucketRange(_ index: Int) -> ClosedRange<Int64> {
        if index < 128 { return Int64(index)...Int64(index) }
        let shift = (index - 128) / 64 + 1
        let top = Int64((index - 128) % 64 + 64)
        return (top << Int64(shift))...(((top + 1) << Int64(shift)) - 1)
    }

    /// Records one sample (negative values are recorded as 0).
    @inlinable public mutating func record(_ value: Int64) {
        let v = Swift.max(value, 0)
        if _count == 0 {
            _min = v
            _max = v
        } else {
            if v < _min { _min = v }
            if v > _max { _max = v }
        }
        _count &+= 1
        _sum &+= v
        counts[Histogram.bucketIndex(v)] &+= 1
    }

    /// Adds every sample of `other`.
    public mutating func merge(_ other: Histogram) {
        guard other.count > 0 else { return }
        if _count == 0 {
            _min = other.min
            _max = other.max
        } else {
            _min = Swift.min(_min, other.min)
            _max = Swift.max(_max, other.max)
        }
        _count += other.count
        _sum += other.sum
        for i in 0..<counts.count { counts[i] += other.counts[i] }
    }

    /// The exact mean, or 0 when empty.
    public var mean: Double { count == 0 ? 0 : Double(sum) / Double(count) }

    /// The samples in `value`'s bucket or above (up to bucket resolution: a bucket is counted whole).
    public func count(atLeast value: Int64) -> UInt64 {
        counts[Histogram.bucketIndex(value)...].reduce(0, &+)
    }

    /// The smallest value `v` (up to bucket resolution) such that at least `partsPerMillion / 10^6` of the
    /// samples are `<= v`; reported as the middle of its bucket, clamped to the exact min and max. With
    /// `atLeast`, of the samples `count(atLeast:)` counts only (0 when there are none).
    public func percentile(partsPerMillion: Int, atLeast lowest: Int64 = 0) -> Int64 {
        let first = Histogram.bucketIndex(lowest)
        let total = first == 0 ? count : count(atLeast: lowest)
        guard total > 0 else { return 0 }
        let rank = Swift.max(1, (total * UInt64(partsPerMillion) + 999_999) / 1_000_000)
        var seen: UInt64 = 0
        for i in first..<counts.count where counts[i] > 0 {
            seen += counts[i]
            if seen >= rank {
                let r = Histogram.bucketRange(i)
                let mid = r.lowerBound + (r.upperBound - r.lowerBound) / 2
                return Swift.min(Swift.max(mid, min), max)
            }
        }
        return max
    }
}

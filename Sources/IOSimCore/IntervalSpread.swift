//! The times between successive events of a process (a device's stalls), summed so that several observers'
//! and several runs' intervals pool by adding.

/// How many intervals, their mean and their coefficient of variation (standard deviation over mean: 1 for a
/// Poisson process, one over the square root of k for an Erlang-k one, 0 for a clock).
public struct IntervalSpread: Sendable, Equatable {
    /// Intervals recorded.
    public private(set) var count = 0
    /// Their sum and the sum of their squares, in ns and ns² (doubles: a minute of intervals squared overflows
    /// 64 bits).
    public private(set) var sumNanoseconds = 0.0
    public private(set) var sumOfSquares = 0.0

    public init() {}

    /// The intervals between successive `instants` (in ns, in order) of one observer.
    public init(instants: [Int64]) {
        for (a, b) in zip(instants, instants.dropFirst()) { record(b - a) }
    }

    public mutating func record(_ intervalNanoseconds: Int64) {
        let x = Double(intervalNanoseconds)
        count += 1
        sumNanoseconds += x
        sumOfSquares += x * x
    }

    /// Pools `other`'s intervals with these.
    public mutating func merge(_ other: IntervalSpread) {
        count += other.count
        sumNanoseconds += other.sumNanoseconds
        sumOfSquares += other.sumOfSquares
    }

    /// The mean interval in ns (0 with none).
    public var meanNanoseconds: Double { count > 0 ? sumNanoseconds / Double(count) : 0 }

    /// The sample standard deviation over the mean (nil with fewer than two intervals or a mean of 0).
    public var coefficientOfVariation: Double? {
        guard count >= 2, sumNanoseconds > 0 else { return nil }
        let n = Double(count), mean = sumNanoseconds / n
        let variance = max(0, (sumOfSquares - n * mean * mean) / (n - 1))
        return variance.squareRoot() / mean
    }
}

//! Distributions of durations (or any non-negative integer quantity), drawn from a `SeededGenerator`.
//!
//! Draws are computed in `Double` and rounded to whole nanoseconds at once, so time itself stays integer.
//! Negative draws (possible from a normal) are clamped to zero.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A distribution of non-negative integer values (nanoseconds when it describes a duration).
public enum Distribution: Sendable, Equatable {
    /// Always `value`.
    case constant(Int64)
    /// Uniform over `min...max`.
    case uniform(min: Int64, max: Int64)
    /// Exponential with the given mean (memoryless service or inter-arrival times).
    case exponential(mean: Int64)
    /// Normal with `mean` and `standardDeviation`, clamped at zero.
    case normal(mean: Int64, standardDeviation: Int64)
    /// Log-normal with the given mean and shape `sigma` (the standard deviation of the underlying normal).
    case logNormal(mean: Int64, sigma: Double)
    /// An empirical table of percentiles: `(percentile in 0...100, value)`, ascending in both; the draw
    /// interpolates linearly between neighbouring points (as fio's clat percentiles would be replayed).
    case empirical([PercentilePoint])

    /// One point of an empirical table.
    public struct PercentilePoint: Sendable, Equatable {
        public var percentile: Double
        public var value: Int64
        public init(percentile: Double, value: Int64) {
            self.percentile = percentile
            self.value = value
        }
    }

    /// The mean of the distribution, exact where it has a closed form (clamping of the normal is ignored).
    public var mean: Double {
        switch self {
        case .constant(let v): return Double(v)
        case .uniform(let a, let b): return (Double(a) + Double(b)) / 2
        case .exponential(let m): return Double(m)
        case .normal(let m, _): return Double(m)
        case .logNormal(let m, _): return Double(m)
        case .empirical(let points):
            guard points.count > 1 else { return Double(points.first?.value ?? 0) }
            var total = 0.0
            for i in 1..<points.count {
                let width = (points[i].percentile - points[i - 1].percentile) / 100
                total += width * (Double(points[i].value) + Double(points[i - 1].value)) / 2
            }
            return total
        }
    }

    /// Whether every draw gives the same value without consuming randomness.
    @inlinable public var isConstant: Bool {
        if case .constant = self { return true }
        return false
    }

    /// Draws one value; a constant draws no random numbers.
    @inlinable public func sample(_ g: inout SeededGenerator) -> Int64 {
        switch self {
        case .constant(let v):
            return v
        case .exponential(let mean):
            return Int64(min(-Double(mean) * log(g.nextUnitOpen()), Distribution.longestDraw).rounded())
        default:
            return sampleSlow(&g)
        }
    }

    @usableFromInline func sampleSlow(_ g: inout SeededGenerator) -> Int64 {
        switch self {
        case .constant(let v):
            return v
        case .exponential(let mean):
            return Int64(min(-Double(mean) * log(g.nextUnitOpen()), Distribution.longestDraw).rounded())
        case .uniform(let a, let b):
            if b <= a { return a }
            return a + Int64(g.nextInt(below: UInt64(b - a) + 1))
        case .normal(let m, let sd):
            let x = Double(m) + Double(sd) * Distribution.standardNormal(&g)
            return Distribution.clampToNanoseconds(x)
        case .logNormal(let m, let sigma):
            let mu = log(Double(max(m, 1))) - sigma * sigma / 2
            return Distribution.clampToNanoseconds(exp(mu + sigma * Distribution.standardNormal(&g)))
        case .empirical(let points):
            guard let first = points.first else { return 0 }
            let p = g.nextUnitOpen() * 100
            if p <= first.percentile { return first.value }
            for i in 1..<points.count where p <= points[i].percentile {
                let lo = points[i - 1], hi = points[i]
                let span = hi.percentile - lo.percentile
                if span <= 0 { return hi.value }
                let f = (p - lo.percentile) / span
                return Distribution.clampToNanoseconds(Double(lo.value) + f * Double(hi.value - lo.value))
            }
            return points[points.count - 1].value
        }
    }

    /// Box-Muller with two fresh uniforms (the second output is discarded so every draw costs the same).
    static func standardNormal(_ g: inout SeededGenerator) -> Double {
        let u1 = g.nextUnitOpen(), u2 = g.nextUnitOpen()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    static func clampToNanoseconds(_ x: Double) -> Int64 {
        if !(x > 0) { return 0 }
        return Int64(min(x, longestDraw).rounded())
    }

    /// Draws are clamped to `SimDuration.longest` (a tail that far out is a configuration that cannot run).
    @inlinable public static var longestDraw: Double { Double(SimDuration.longest.nanoseconds) }
}

//! A `Distribution` flattened into a plain value with no references, so the hot loop copies it for free.
//! Empirical tables live in one side table of the world, indexed by `table`.

import IOSimCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct Sampler: Sendable {
    enum Kind: UInt8, Sendable { case constant, exponential, other }
    var kind: Kind
    var value: Int64
    /// Index into the world's distribution table, for anything but constant and exponential.
    var table: Int32

    /// Always 0.
    static var zero: Sampler { Sampler(kind: .constant, value: 0, table: -1) }

    private init(kind: Kind, value: Int64, table: Int32) {
        self.kind = kind
        self.value = value
        self.table = table
    }

    init(_ d: Distribution, table: inout [Distribution]) {
        switch d {
        case .constant(let v):
            kind = .constant
            value = v
            self.table = -1
        case .exponential(let mean):
            kind = .exponential
            value = mean
            self.table = -1
        default:
            kind = .other
            value = 0
            table.append(d)
            self.table = Int32(table.count - 1)
        }
    }

    @inline(__always)
    func sample(_ g: inout SeededGenerator, _ table: [Distribution]) -> Int64 {
        switch kind {
        case .constant: return value
        case .exponential: return Sampler.roundedToInt64(min(-Double(value) * log(g.nextUnitOpen()), Distribution.longestDraw))
        case .other: return table[Int(self.table)].sample(&g)
        }
    }

    /// `Int64(x.rounded())` (half away from zero) without a call to libm's `round`: truncate, then step
    /// away from zero if the fraction is at least one half. `x - Double(t)` is exact (below 2^52 it is the
    /// fraction bits of `x`; above, `x` is an integer), so every `x` gives the same result as
    /// `Int64(x.rounded())`. Callers clamp `x` to `Distribution.longestDraw`, far inside `Int64`.
    ///
    /// The steps come from sign bits, not branches: whether a random draw rounds up is a coin toss that
    /// no branch predictor guesses (a compare-and-branch here cost more than the libm call it replaced).
    /// A difference of doubles is zero only when they are equal, and otherwise has the sign of the exact
    /// difference, so `fraction - 0.5` is non-negative exactly when `fraction >= 0.5`.
    @inline(__always)
    static func roundedToInt64(_ x: Double) -> Int64 {
        let t = Int64(x)
        let fraction = x - Double(t)
        let up = 1 &- Int64((fraction - 0.5).sign.rawValue)  // 1 when fraction >= 0.5
        let down = 1 &- Int64((-0.5 - fraction).sign.rawValue)  // 1 when fraction <= -0.5
        return t &+ up &- down
    }
}

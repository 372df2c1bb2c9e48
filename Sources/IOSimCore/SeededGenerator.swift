//! Deterministic randomness: SplitMix64 streams derived from one seed.
//!
//! Every actor owns its own stream, derived from the run's seed and a stable name of the actor
//! (for example "thread:main#0" or "device"), so adding a thread does not change the draws of another.
//! The system generator and the wall clock never reach the model.

/// SplitMix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", OOPSLA 2014),
/// the generator the reference workload in shared/bench uses.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// A stream starting at `seed`.
    @inlinable public init(seed: UInt64) { state = seed }

    /// A stream for the actor called `streamName` within the run seeded with `seed`.
    ///
    /// The name is hashed with FNV-1a (stable across processes, unlike `Hasher`) and mixed into the seed.
    public init(seed: UInt64, streamName: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in streamName.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        var mixer = SeededGenerator(seed: seed ^ hash)
        state = mixer.next()
    }

    /// The next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in the open interval (0, 1): `((z >> 11) + 0.5) * 2^-53`, as the reference workload does.
    @inlinable public mutating func nextUnitOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 1.1102230246251565e-16
    }

    /// A uniform integer in `0..<bound` without modulo bias worth noticing (Lemire's multiply-shift).
    @inlinable public mutating func nextInt(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        return next().multipliedFullWidth(by: bound).high
    }
}

/// An integer probability, `numerator / denominator`, so no floating-point rounding decides a branch.
public struct Ratio: Hashable, Sendable {
    public var numerator: UInt64
    public var denominator: UInt64
    /// A probability of `numerator / denominator`; requires `0 < denominator` and `numerator <= denominator`.
    public init(numerator: UInt64, denominator: UInt64) {
        precondition(denominator > 0 && numerator <= denominator, "a ratio lies in 0...1")
        self.numerator = numerator
        self.denominator = denominator
    }
    /// Draws a Bernoulli trial.
    public func sample(_ generator: inout SeededGenerator) -> Bool {
        generator.nextInt(below: denominator) < numerator
    }
}

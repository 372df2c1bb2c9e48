//! Virtual time: two value types in integer nanoseconds.
//!
//! `SimInstant` is a point on the simulation's clock (0 = start of the run), `SimDuration` an interval.
//! Only `Instant - Instant -> Duration` and `Instant +/- Duration -> Instant` are defined, so a point can
//! never be added to a point. Arithmetic traps on overflow (Swift's default): an Int64 of nanoseconds spans
//! 292 years of virtual time, so an overflow is a bug in a model, not a user input to survive.
//! No `Double` time exists anywhere in the simulator.

/// An interval of virtual time in integer nanoseconds.
public struct SimDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The interval in nanoseconds; may be negative only as the result of a subtraction.
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// An interval of `n` nanoseconds.
    @inlinable public static func nanoseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n) }
    /// An interval of `n` microseconds.
    @inlinable public static func microseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000) }
    /// An interval of `n` milliseconds.
    @inlinable public static func milliseconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000_000) }
    /// An interval of `n` seconds.
    @inlinable public static func seconds(_ n: Int64) -> SimDuration { SimDuration(nanoseconds: n * 1_000_000_000) }
    /// The empty interval.
    @inlinable public static var zero: SimDuration { SimDuration(nanoseconds: 0) }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds + b.nanoseconds)
    }
    @inlinable public static func - (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds)
    }
    @inlinable public static func * (a: SimDuration, k: Int64) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds * k) }
    @inlinable public static func += (a: inout SimDuration, b: SimDuration) { a.nanoseconds += b.nanoseconds }

    public var description: String { "\(nanoseconds)ns" }
}

extension SimDuration {
    /// The longest interval a scenario may configure or a distribution may draw: 2^50 ns, about 13 days.
    /// Runs end by `SimInstant.horizon`, so sums of a few such intervals, and CPU time added over up to
    /// 4,096 CPUs, stay far inside Int64: no input can overflow virtual time.
    @inlinable public static var longest: SimDuration { SimDuration(nanoseconds: 1 << 50) }
}

/// A point in virtual time, in integer nanoseconds since the start of the run.
public struct SimInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the start of the run.
    public var nanosecondsSinceStart: Int64

    @inlinable public init(nanosecondsSinceStart: Int64) { self.nanosecondsSinceStart = nanosecondsSinceStart }

    /// The start of every run.
    @inlinable public static var zero: SimInstant { SimInstant(nanosecondsSinceStart: 0) }
    /// The latest instant a run may reach: 2^50 ns, about 13 days. A run whose next event lies beyond it
    /// stops with an error instead of overflowing.
    @inlinable public static var horizon: SimInstant { SimInstant(nanosecondsSinceStart: 1 << 50) }
    /// Later than any instant a run can reach; used as "never".
    @inlinable public static var distantFuture: SimInstant { SimInstant(nanosecondsSinceStart: Int64.max) }

    @inlinable public static func < (a: SimInstant, b: SimInstant) -> Bool {
        a.nanosecondsSinceStart < b.nanosecondsSinceStart
    }
    @inlinable public static func + (a: SimInstant, d: SimDuration) -> SimInstant {
        SimInstant(nanosecondsSinceStart: a.nanosecondsSinceStart + d.nanoseconds)
    }
    @inlinable public static func - (a: SimInstant, d: SimDuration) -> SimInstant {
        SimInstant(nanosecondsSinceStart: a.nanosecondsSinceStart - d.nanoseconds)
    }
    @inlinable public static func - (a: SimInstant, b: SimInstant) -> SimDuration {
        SimDuration(nanoseconds: a.nanosecondsSinceStart - b.nanosecondsSinceStart)
    }

    public var description: String { "t=\(nanosecondsSinceStart)ns" }
}

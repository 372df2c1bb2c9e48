//! Errors a model reports instead of trapping: bad configuration, a program that cannot work, a deadlock.

import IOSimCore

/// Why a simulation could not be built or could not finish.
public struct SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// A parameter out of range (queue depth 0, a negative duration, ...).
        case invalidConfiguration
        /// A program that cannot work (waits on a request it never issued, names an unknown file, ...).
        case invalidProgram
        /// Every remaining thread waits for something that can no longer happen.
        case deadlock
    }
    public var kind: Kind
    /// The configuration key path (`device.queueDepth`) or the thread and step (`thread 'main' step 3`).
    public var subject: String
    public var message: String
    /// For a deadlock: each blocked thread and what it waits for.
    public var blockedThreads: [String]

    public init(_ kind: Kind, subject: String, message: String, blockedThreads: [String] = []) {
        self.kind = kind
        self.subject = subject
        self.message = message
        self.blockedThreads = blockedThreads
    }

    public var description: String {
        var text = subject.isEmpty ? message : "\(subject): \(message)"
        for line in blockedThreads { text += "\n  \(line)" }
        return text
    }
}

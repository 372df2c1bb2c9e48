//! Reading scenario files: the file, its `extends` chain, `--set` overrides, then decoding.
//! The only place of the scenario layer that touches the file system.

import Foundation
import IOSimModel

/// A file that could not be read (exit 74), as opposed to bad data in it (`ScenarioError`, exit 65).
public struct FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Why a scenario could not be loaded.
public enum LoadError: Error, Sendable, Equatable, CustomStringConvertible {
    case file(FileReadError)
    case data(ScenarioError)
    public var description: String {
        switch self {
        case .file(let e): return e.description
        case .data(let e): return e.description
        }
    }
}

/// One `--set KEY=VALUE` override.
public struct Override: Sendable, Equatable {
    public var keyPath: String
    public var value: String
    public init(keyPath: String, value: String) {
        self.keyPath = keyPath
        self.value = value
    }

    /// Parses `KEY=VALUE`; nil without `=` or with an empty key.
    public init?(argument: String) {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex else { return nil }
        keyPath = String(argument[..<eq])
        value = String(argument[argument.index(after: eq)...])
    }
}

public enum ScenarioLoader {
    /// Largest scenario file read (a scenario is hand-written; anything bigger is a mistake).
    static let maxFileBytes = 4 << 20

    /// Reads, merges, overrides and decodes the scenario at `path`.
    public static func load(path: String, overrides: [Override] = [], seed: UInt64? = nil) throws(LoadError) -> ScenarioFile {
        var tree = try resolve(path: path, chain: [])
        for o in overrides { try apply(o, to: &tree) }
        do {
            var file = try ScenarioDecoder.decode(tree, path: path)
            if let seed { file.scenario.seed = seed }
            return file
        } catch {
            throw .data(error)
        }
    }

    /// Decodes a scenario given as text (for tests and tools; `extends` is resolved relative to `path`).
    public static func load(text: String, path: String, overrides: [Override] = []) throws(LoadError) -> ScenarioFile {
        do {
            var tree = try JSON5Reader.parse(text, file: path)
            tree = try applyExtends(tree, path: path, chain: [path])
            for o in overrides { try apply(o, to: &tree) }
            return try ScenarioDecoder.decode(tree, path: path)
        } catch let e as LoadError {
            throw e
        } catch let e as ScenarioError {
            throw .data(e)
        } catch {
            throw .file(FileReadError(path: path, reason: "\(error)"))
        }
    }

    /// The JSON5 tree of `text`, a syntax error as `LoadError.data` (for callers that read a scenario-format file
    /// themselves; `path` names it in errors).
    public static func tree(text: String, path: String) throws(LoadError) -> JSON5Value {
        do {
            return try JSON5Reader.parse(text, file: path)
        } catch {
            throw .data(error)
        }
    }

    /// The bytes of the file at `path` (at most 4 MiB), with the loader's errors: no such file, a directory,
    /// not readable, too large (also for callers that read a scenario-format file themselves).
    public static func readFile(_ path: String) throws(LoadError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .file(FileReadError(path: path, reason: "no such file"))
        }
        if isDirectory.boolValue { throw .file(FileReadError(path: path, reason: "is a directory, not a scenario file")) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .file(FileReadError(path: path, reason: "cannot be opened for reading (permission denied?)"))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
        } catch {
            throw .file(FileReadError(path: path, reason: "cannot be read: \(error.localizedDescription)"))
        }
        if data.count > maxFileBytes {
            throw .file(FileReadError(path: path, reason: "is larger than \(maxFileBytes >> 20) MiB; not a scenario file"))
        }
        return [UInt8](data)
    }

    static func resolve(path: String, chain: [String]) throws(LoadError) -> JSON5Value {
        let bytes = try readFile(path)
        let tree: JSON5Value
        do {
            tree = try JSON5Reader.parse(bytes, file: path)
        } catch {
            throw .data(error)
        }
        return try applyExtends(tree, path: path, chain: chain + [path])
    }

    /// `extends: "base.json5"`: the base (relative to this file), with this file's keys merged over it:
    /// objects merge key by key, anything else (arrays included) replaces.
    static func applyExtends(_ tree: JSON5Value, path: String, chain: [String]) throws(LoadError) -> JSON5Value {
        guard let ext = tree.member("extends") else { return tree }
        guard case .string(let relative) = ext.value.kind else {
            throw .data(
                ScenarioError(
                    location: ext.value.location, keyPath: "extends",
                    message: "expected the path of a scenario file, found \(ext.value.briefDescription)"))
        }
        let directory = (path as NSString).deletingLastPathComponent
        let basePath = relative.hasPrefix("/") ? relative : (directory.isEmpty ? relative : "\(directory)/\(relative)")
        let normalized = (basePath as NSString).standardizingPath
        if chain.contains(where: { ($0 as NSString).standardizingPath == normalized }) {
            throw .data(
                ScenarioError(
                    location: ext.value.location, keyPath: "extends",
                    message: "extends itself through \(chain.map { ($0 as NSString).lastPathComponent }.joined(separator: " -> "))"))
        }
        if chain.count > 16 {
            throw .data(ScenarioError(location: ext.value.location, keyPath: "extends", message: "extends more than 16 files deep"))
        }
        let base: JSON5Value
        do {
            base = try resolve(path: basePath, chain: chain)
        } catch .file(let e) {
            throw .data(
                ScenarioError(
                    location: ext.value.location, keyPath: "extends", message: "cannot read \(e.path): \(e.reason)"))
        } catch {
            throw error
        }
        return merge(base, over: tree, dropping: "extends")
    }

    /// Objects that are one value, not a set of keys: the top file's replaces the base's whole (a curve of two
    /// machines mixed point by point would be neither's).
    static let wholeObjectKeyPaths: Set<String> = ["machine.wakeupAfterIdle"]

    static func merge(_ base: JSON5Value, over top: JSON5Value, dropping: String? = nil, path: String = "") -> JSON5Value {
        guard case .object(let baseMembers) = base.kind, case .object(let topMembers) = top.kind else { return top }
        var members = baseMembers.filter { $0.key != dropping }
        for m in topMembers where m.key != dropping {
            let childPath = path.isEmpty ? m.key : path + "." + m.key
            if let i = members.firstIndex(where: { $0.key == m.key }) {
                let value = wholeObjectKeyPaths.contains(childPath) ? m.value : merge(members[i].value, over: m.value, path: childPath)
                members[i] = JSON5Member(key: m.key, keyLocation: m.keyLocation, value: value)
            } else {
                members.append(m)
            }
        }
        return JSON5Value(kind: .object(members), location: top.location)
    }

    /// Sets the value at `override.keyPath` (creating objects on the way); the value is read as JSON5 and
    /// taken as a string when it is not valid JSON5 (`device.latency=20us`).
    static func apply(_ override: Override, to tree: inout JSON5Value) throws(LoadError) {
        let file = "--set \(override.keyPath)"
        let value = (try? JSON5Reader.parse(override.value, file: file))
            ?? JSON5Value(kind: .string(override.value), location: SourceLocation(file: file, line: 1, column: 1))
        var parts: [(key: String, index: Int?)] = []
        for part in override.keyPath.split(separator: ".", omittingEmptySubsequences: false) {
            var name = String(part)
            var index: Int? = nil
            if name.hasSuffix("]"), let open = name.firstIndex(of: "[") {
                guard let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]), i >= 0 else {
                    throw .data(ScenarioError(location: nil, keyPath: override.keyPath, message: "bad index in --set key"))
                }
                index = i
                name = String(name[..<open])
            }
            if name.isEmpty {
                throw .data(ScenarioError(location: nil, keyPath: override.keyPath, message: "empty key in --set key path"))
            }
            parts.append((name, index))
        }
        tree = try set(parts[...], value, in: tree, fullPath: override.keyPath)
    }

    static func set(_ parts: ArraySlice<(key: String, index: Int?)>, _ value: JSON5Value, in node: JSON5Value, fullPath: String)
        throws(LoadError) -> JSON5Value
    {
        guard let first = parts.first else { return value }
        guard case .object(var members) = node.kind else {
            throw .data(
                ScenarioError(location: node.location, keyPath: fullPath, message: "--set goes through \(node.briefDescription), not an object"))
        }
        let rest = parts.dropFirst()
        let position = members.firstIndex { $0.key == first.key }
        var child = position.map { members[$0].value }
            ?? JSON5Value(kind: .object([]), location: SourceLocation(file: "--set \(fullPath)", line: 1, column: 1))
        if let index = first.index {
            guard case .array(var items) = child.kind, index < items.count else {
                throw .data(
                    ScenarioError(
                        location: child.location, keyPath: fullPath, message: "--set index [\(index)] is not in the array '\(first.key)'"))
            }
            items[index] = try set(rest, value, in: items[index], fullPath: fullPath)
            child = JSON5Value(kind: .array(items), location: child.location)
        } else {
            child = try set(rest, value, in: child, fullPath: fullPath)
        }
        if let position {
            members[position].value = child
        } else {
            members.append(JSON5Member(key: first.key, keyLocation: child.location, value: child))
        }
        return JSON5Value(kind: .object(members), location: node.location)
    }
}

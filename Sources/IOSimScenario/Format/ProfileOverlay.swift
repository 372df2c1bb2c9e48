//! A calibrated profile laid over a scenario: `iosim validate --profile P` and `iosim run --profile P`
//! take the profile's machine, kernel, device and interrupts keys over the scenario's own.

import IOSimModel

extension ScenarioLoader {
    /// The keys a profile may carry.
    public static let profileKeys = ["machine", "kernel", "device", "interrupts"]

    /// Loads the scenario at `path` with the profile at `profile` merged over it (profile keys win),
    /// then the overrides.
    public static func load(path: String, profile: String, overrides: [Override] = [], seed: UInt64? = nil)
        throws(LoadError) -> ScenarioFile
    {
        var tree = try resolve(path: path, chain: [])
        let overlay = try resolve(path: profile, chain: [])
        guard case .object(let members) = overlay.kind else {
            throw .data(ScenarioError(location: overlay.location, keyPath: "", message: "a profile is an object"))
        }
        for m in members {
            guard profileKeys.contains(m.key) else {
                throw .data(
                    ScenarioError(
                        location: m.keyLocation, keyPath: m.key, message: "a profile holds only \(profileKeys.joined(separator: ", "))",
                        hint: "found '\(m.key)'"))
            }
        }
        tree = merge(tree, over: overlay)
        for o in overrides { try apply(o, to: &tree) }
        do {
            var file = try ScenarioDecoder.decode(tree, path: path)
            if let seed { file.scenario.seed = seed }
            return file
        } catch {
            throw .data(error)
        }
    }
}

import Foundation
import Jinja

/// docker_container's `comparisons`: per option (or `*` for all) strict, ignore or allow_more_present, as
/// community.docker reads it. Options it does not name keep their default mode.
struct ContainerComparisons: Equatable, Sendable {
    static let argument = ArgumentSpec(
        "comparisons", type: .dict,
        doc: "How options compare with the container, by option name (or * for all): strict (equal), ignore (never "
            + "recreates), allow_more_present (sets, lists and dicts may hold more on the container). Defaults: strict "
            + "for single values and lists, allow_more_present for sets and dicts, ignore for stop_timeout. image, command, "
            + "env, volumes, network_mode, restart_policy, init and labels keep their own comparison; only ignore changes it.")

    /// The options `docker_container` compares that are not in `ContainerOption.all`, and their comparison types.
    static let basicOptions: [String: ComparisonType] = [
        "image": .value, "command": .list, "env": .set, "volumes": .set, "network_mode": .value, "restart_policy": .value,
        "init": .value, "labels": .dict, "networks": .setOfDicts,
    ]

    private var modes: [String: ComparisonMode] = [:]

    init() {}

    init(_ arguments: ModuleArguments, container: String) throws {
        guard case .dict(let given)? = arguments.value("comparisons") else { return }
        func type(of name: String) -> ComparisonType? { ContainerOption.named(name)?.type ?? Self.basicOptions[name] }
        func mode(_ value: Value, _ key: String) throws -> ComparisonMode {
            guard let mode = ComparisonMode(rawValue: value.displayText) else {
                throw ModuleArgumentError("comparisons of docker_container \(container): unknown comparison mode '\(value.shortText)' "
                    + "for \(key) (strict, ignore or allow_more_present)")
            }
            return mode
        }
        if let wildcard = given["*"] {
            let all = try mode(wildcard, "*")
            guard all != .allowMorePresent else {
                throw ModuleArgumentError("comparisons of docker_container \(container): the wildcard * can only be strict or ignore")
            }
            for name in Self.basicOptions.keys where name != "networks" || arguments.has("networks") { modes[name] = all }
            for option in ContainerOption.all { modes[option.name] = all }
        }
        for (key, value) in given where key != "*" {
            let name = ContainerOption.named(key)?.name ?? key
            guard let kind = type(of: name) else {
                throw ModuleArgumentError("comparisons of docker_container \(container): unknown module option '\(key)' "
                    + "(it must name an option that is part of the container's configuration)")
            }
            let chosen = try mode(value, key)
            if chosen == .allowMorePresent && kind == .value {
                throw ModuleArgumentError("comparisons of docker_container \(container): option '\(key)' is a value and not a "
                    + "set/list/dict, so its comparison cannot be allow_more_present")
            }
            modes[name] = chosen
        }
    }

    /// The mode for `option`: the one given, else the option's default.
    func mode(_ option: String, default fallback: ComparisonMode) -> ComparisonMode { modes[option] ?? fallback }

    /// Whether a difference in `field` (`env.KEY`, `labels.KEY`, `image`...) of a basic option counts.
    func counts(_ field: String) -> Bool {
        let option = field.split(separator: ".", maxSplits: 1).first.map(String.init) ?? field
        return modes[option] != .ignore
    }
}

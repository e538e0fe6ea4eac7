import Foundation
import Jinja

/// docker_network: a user-defined Docker network exists with this driver, options and labels (or not).
///
///     - docker_network: { name: backend, internal: yes }
public struct DockerNetworkModule: Module {
    public static let spec = ModuleSpec(
        name: "docker_network",
        aliases: ["community.docker.docker_network"],
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["network_name"], doc: "The network."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("driver", default: .string("bridge"), doc: "The network driver (bridge, overlay, macvlan...)."),
            ArgumentSpec("internal", type: .bool, doc: "No route out of the network."),
            ArgumentSpec("driver_options", type: .dict, doc: "Driver options (--opt)."),
            ArgumentSpec("labels", type: .dict, doc: "Labels (must be set with these values)."),
            ArgumentSpec("force", type: .bool, default: .bool(false), doc: "Recreate it even when it is as wanted."),
        ],
        doc: "Creates the network with `docker network create`; one whose driver, internal flag, options or labels "
            + "differ is removed and created again (Docker refuses while containers are attached: they are named). "
            + "state absent removes it.",
        example: "- docker_network:\n    name: backend\n    internal: yes")

    var name: String
    var present: Bool
    var driver: String
    var isInternal: Bool?
    var options: [String: String]
    var labels: [String: String]
    var force: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        present = try arguments.requiredString("state") == "present"
        driver = try arguments.requiredString("driver")
        isInternal = try arguments.optionalBool("internal")
        func strings(_ key: String) -> [String: String] {
            guard case .dict(let dict)? = arguments.value(key) else { return [:] }
            return Dictionary(uniqueKeysWithValues: dict.map { ($0.key, $0.value.displayText) })
        }
        options = strings("driver_options")
        labels = strings("labels")
        force = try arguments.bool("force")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("docker", "network", "inspect", name).silencingErrors.or(ShellCommand("echo", "[]"))
    }

    /// The network `docker network inspect` reports: driver, internal, options, labels and attached containers.
    struct Existing {
        var driver: String
        var isInternal: Bool
        var options: [String: String]
        var labels: [String: String]
        var containers: [String]
    }

    static func existing(_ json: String) -> Existing? {
        guard let data = json.data(using: .utf8), let list = try? JSONSerialization.jsonObject(with: data) as? [Any],
              let network = list.first as? [String: Any] else { return nil }
        let containers = (network["Containers"] as? [String: Any] ?? [:]).values
            .compactMap { ($0 as? [String: Any])?["Name"] as? String }.sorted()
        return Existing(driver: network["Driver"] as? String ?? "", isInternal: network["Internal"] as? Bool ?? false,
                        options: network["Options"] as? [String: String] ?? [:], labels: network["Labels"] as? [String: String] ?? [:],
                        containers: containers)
    }

    /// `field: before -> after` for each wanted setting the network lacks.
    func differences(_ network: Existing) -> [(String, String, String)] {
        var found: [(String, String, String)] = []
        if network.driver != driver { found.append(("driver", network.driver, driver)) }
        if let isInternal, isInternal != network.isInternal { found.append(("internal", String(network.isInternal), String(isInternal))) }
        for (key, value) in options.sorted(by: { $0.key < $1.key }) where network.options[key] != value {
            found.append(("driver_options.\(key)", network.options[key] ?? "(unset)", value))
        }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) where network.labels[key] != value {
            found.append(("labels.\(key)", network.labels[key] ?? "(unset)", value))
        }
        return found
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let network = Self.existing(probe?.stdoutText ?? "[]")
        var result = ModuleResult(values: ["network": .dict(["Name": .string(name)])])
        let remove = ShellCommand("docker", "network", "rm", name)
        guard present else {
            guard network != nil else { return .unchanged(result) }
            if context.diffMode { result.diffs.append(diff("state: present\n", "state: absent\n")) }
            return .change([.run(remove)], result)
        }
        var create = ["docker", "network", "create", "--driver", driver]
        if isInternal == true { create.append("--internal") }
        for (key, value) in options.sorted(by: { $0.key < $1.key }) { create += ["--opt", key + "=" + value] }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) { create += ["--label", key + "=" + value] }
        let creation = HostAction.run(ShellCommand(words: create + [name]))
        guard let network else {
            if context.diffMode { result.diffs.append(diff("state: absent\n", "state: present\n")) }
            return .change([creation], result)
        }
        let differences = differences(network)
        guard !differences.isEmpty || force else { return .unchanged(result) }
        if !network.containers.isEmpty {
            return ModulePlan(result: .failure("network \(name) must be recreated (" + differences.map(\.0).joined(separator: ", ")
                + ") but containers are attached: " + network.containers.joined(separator: ", ") + "; remove or disconnect them first"))
        }
        if context.diffMode {
            result.diffs.append(diff(differences.map { "\($0.0): \($0.1)\n" }.joined(), differences.map { "\($0.0): \($0.2)\n" }.joined()))
        }
        return .change([.run(remove), creation], result)
    }

    private func diff(_ before: String, _ after: String) -> ModuleDiff {
        ModuleDiff(beforeHeader: "network \(name)", afterHeader: "network \(name)", before: before, after: after)
    }
}

import Foundation

/// A container's configuration as far as docker_container manages it: what a task wants, or what
/// `docker container inspect` reports, in one shape so the two compare field by field.
struct ContainerConfig: Equatable {
    var imageId: String?
    var command: [String]?
    var env: [String: String]?
    var volumes: [String]?
    var networkMode: String?
    var restartPolicy: String?
    var initProcess: Bool?
    var labels: [String: String]?

    /// One difference: the field, and its value before and after, as the diff shows them.
    struct Difference: Equatable {
        var field: String
        var before: String
        var after: String
    }

    /// Where `existing` differs from this wanted configuration; a field this one leaves nil is not compared.
    func differences(from existing: ContainerConfig) -> [Difference] {
        var found: [Difference] = []
        func compare(_ field: String, _ want: String?, _ have: String?) {
            guard let want, want != (have ?? "") else { return }
            found.append(Difference(field: field, before: have ?? "", after: want))
        }
        compare("image", imageId, existing.imageId)
        compare("command", command.map(Self.words), existing.command.map(Self.words))
        if let env {
            let have = existing.env ?? [:]
            for key in Set(env.keys).union(have.keys).sorted() where env[key] != have[key] {
                found.append(Difference(field: "env.\(key)", before: have[key] ?? "(unset)", after: env[key] ?? "(unset)"))
            }
        }
        if let volumes, Set(volumes) != Set(existing.volumes ?? []) {
            found.append(Difference(field: "volumes", before: (existing.volumes ?? []).sorted().joined(separator: ", "),
                                    after: volumes.sorted().joined(separator: ", ")))
        }
        compare("network_mode", networkMode, existing.networkMode)
        compare("restart_policy", restartPolicy.map(Self.policy), existing.restartPolicy.map(Self.policy) ?? "no")
        if let initProcess, initProcess != (existing.initProcess ?? false) {
            found.append(Difference(field: "init", before: String(existing.initProcess ?? false), after: String(initProcess)))
        }
        for (key, value) in (labels ?? [:]).sorted(by: { $0.key < $1.key }) where existing.labels?[key] != value {
            found.append(Difference(field: "labels.\(key)", before: existing.labels?[key] ?? "(unset)", after: value))
        }
        return found
    }

    /// Docker says "" for a container created without a restart policy.
    static func policy(_ name: String) -> String { name.isEmpty ? "no" : name }

    static func words(_ words: [String]) -> String { words.map(ShellCommand.quote).joined(separator: " ") }

    /// `KEY=value` lines (an env file's, or inspect's Env list) as a dictionary; comments and blank lines skipped.
    static func environment(_ lines: [String]) -> [String: String] {
        var env: [String: String] = [:]
        for line in lines {
            let text = line.drop { $0 == " " || $0 == "\t" }
            guard !text.isEmpty, !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { continue }
            env[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return env
    }

    /// The configuration of the first object of `docker container inspect`'s JSON; nil when there is none.
    static func inspected(_ json: String) -> (config: ContainerConfig, running: Bool, id: String)? {
        guard let first = firstObject(json) else { return nil }
        let config = first["Config"] as? [String: Any] ?? [:]
        let host = first["HostConfig"] as? [String: Any] ?? [:]
        let state = first["State"] as? [String: Any] ?? [:]
        var volumes = host["Binds"] as? [String] ?? []
        volumes += (config["Volumes"] as? [String: Any] ?? [:]).keys.sorted()
        let restart = host["RestartPolicy"] as? [String: Any]
        let existing = ContainerConfig(
            imageId: first["Image"] as? String,
            command: config["Cmd"] as? [String],
            env: environment(config["Env"] as? [String] ?? []),
            volumes: volumes,
            networkMode: host["NetworkMode"] as? String,
            restartPolicy: restart?["Name"] as? String,
            initProcess: host["Init"] as? Bool,
            labels: config["Labels"] as? [String: String])
        return (existing, state["Running"] as? Bool ?? false, first["Id"] as? String ?? "")
    }

    /// An image's id, default command and environment, from `docker image inspect`'s JSON.
    static func image(_ json: String) -> (id: String, command: [String]?, env: [String: String], volumes: [String])? {
        guard let first = firstObject(json), let id = first["Id"] as? String else { return nil }
        let config = first["Config"] as? [String: Any] ?? [:]
        return (id, config["Cmd"] as? [String], environment(config["Env"] as? [String] ?? []),
                (config["Volumes"] as? [String: Any] ?? [:]).keys.sorted())
    }

    /// The first object of inspect's JSON list, nil when there is none.
    static func firstObject(_ json: String) -> [String: Any]? {
        guard let data = json.data(using: .utf8),
              let list = try? JSONSerialization.jsonObject(with: data) as? [Any] else { return nil }
        return list.first as? [String: Any]
    }
}

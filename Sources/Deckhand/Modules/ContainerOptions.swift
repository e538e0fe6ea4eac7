import Foundation
import Jinja

/// One docker_container option that maps onto a field of `docker container inspect`: its argument, how
/// community.docker normalises and compares it, where inspect holds it, and the `docker run` words that set it.
struct ContainerOption: Sendable {
    var argument: ArgumentSpec
    var type: ComparisonType
    var defaultMode: ComparisonMode
    /// The wanted value as community.docker normalises the parameter; nil when the task does not set it.
    var wanted: @Sendable (_ arguments: ModuleArguments, _ container: String) throws -> ContainerValue?
    /// The container's value, from the first object of inspect's JSON.
    var inspected: @Sendable (_ container: [String: Any]) -> ContainerValue?
    /// The `docker run` words that give a new container the wanted value.
    var runWords: @Sendable (ContainerValue) -> [String]

    var name: String { argument.name }

    init(_ argument: ArgumentSpec, _ type: ComparisonType, defaultMode: ComparisonMode? = nil,
         wanted: @escaping @Sendable (ModuleArguments, String) throws -> ContainerValue?,
         inspected: @escaping @Sendable ([String: Any]) -> ContainerValue?, runWords: @escaping @Sendable (ContainerValue) -> [String]) {
        self.argument = argument
        self.type = type
        self.defaultMode = defaultMode ?? type.defaultMode
        self.wanted = wanted
        self.inspected = inspected
        self.runWords = runWords
    }
}

extension ContainerOption {
    /// Every such option, in the order `docker run` gets its words.
    static let all: [ContainerOption] = [
        text("user", "--user", at: "Config", "User", doc: "The user (name or uid[:gid]) the command runs as."),
        text("working_dir", "--workdir", at: "Config", "WorkingDir", doc: "The working directory of the command."),
        entrypoint,
        text("hostname", "--hostname", at: "Config", "Hostname", doc: "The container's host name."),
        ContainerOption(ArgumentSpec("published_ports", type: .list, aliases: ["ports"],
                                     doc: "Ports to publish: [ip:][host_port:]container_port[/protocol] (8080:80, "
                                        + "127.0.0.1:8080:80, 53/udp, 8000-8001:8000-8001), compared as Docker's port bindings; "
                                        + "without an address the host's is default_host_ip (0.0.0.0). Docker discards "
                                        + "published ports of a container on network_mode host but keeps them in its configuration."),
                        .dict,
                        wanted: { arguments, _ in
                            try arguments.list("published_ports").map {
                                try ContainerValueParsing.portBindings($0, defaultHostIp: try arguments.string("default_host_ip") ?? "0.0.0.0")
                            }
                        },
                        inspected: { value($0, "HostConfig", "PortBindings") },
                        runWords: { ContainerValueParsing.publishWords($0) }),
        ContainerOption(ArgumentSpec("exposed_ports", type: .list, aliases: ["exposed", "expose"],
                                     doc: "Ports to expose without publishing them (80, 53/udp, 8000-8010); with the "
                                        + "image's and the published ones they must all be exposed."),
                        .set,
                        wanted: { arguments, _ in
                            try arguments.list("exposed_ports").map { .texts(try ContainerValueParsing.exposedPorts($0)) }
                        },
                        inspected: { container in
                            let ports = ((container["Config"] as? [String: Any])?["ExposedPorts"] as? [String: Any] ?? [:]).keys
                            return .texts(ports.sorted())
                        },
                        runWords: { $0.items.flatMap { ["--expose", $0.text ?? ""] } }),
        flag("publish_all_ports", "--publish-all", at: "HostConfig", "PublishAllPorts",
             doc: "Publish every exposed port that published_ports leaves to a random host port."),
        set("links", "--link", at: "HostConfig", "Links", doc: "Links to other containers: name or name:alias.",
            normalise: { link, container in
                let parts = link.split(separator: ":", maxSplits: 1).map(String.init)
                return "/\(parts[0]):/\(container)/\(parts.count == 2 ? parts[1] : parts[0])"
            },
            word: { link in
                // "/db:/web/database" as docker run's "db:database".
                let parts = link.dropFirst().split(separator: ":", maxSplits: 1)
                return String(parts[0]) + ":" + (parts.last?.split(separator: "/").last.map(String.init) ?? "")
            }),
        size("memory", "--memory", doc: "The memory limit (512m, 1g; bytes without a unit), compared in bytes."),
        text("log_driver", "--log-driver", at: "HostConfig", "LogConfig", "Type", doc: "The logging driver (json-file, syslog, journald, none...)."),
        ContainerOption(ArgumentSpec("log_options", type: .dict, aliases: ["log_opt"],
                                     doc: "Options of the logging driver (max-size: 10m, max-file: \"3\"), values as strings."),
                        .dict,
                        wanted: { arguments, _ in
                            guard case .dict(let options)? = arguments.value("log_options") else { return nil }
                            return .dict(Dictionary(uniqueKeysWithValues: options.map { ($0.key, .text($0.value.displayText)) }))
                        },
                        inspected: { value($0, "HostConfig", "LogConfig", "Config") },
                        runWords: { $0.entries.sorted { $0.key < $1.key }.flatMap { ["--log-opt", $0.key + "=" + ($0.value.text ?? "")] } }),
        flag("privileged", "--privileged", at: "HostConfig", "Privileged", doc: "Give the container every capability and device."),
        set("capabilities", "--cap-add", at: "HostConfig", "CapAdd", doc: "Capabilities to add (NET_ADMIN...), as docker run's "
                + "--cap-add. " + capabilityNote, normalise: { name, _ in capability(name) }, normaliseInspected: capability),
        set("cap_drop", "--cap-drop", at: "HostConfig", "CapDrop", doc: "Capabilities to drop (ALL, NET_RAW...). " + capabilityNote,
            normalise: { name, _ in capability(name) }, normaliseInspected: capability),
        flag("read_only", "--read-only", at: "HostConfig", "ReadonlyRootfs", doc: "Mount the container's root file system read-only."),
        ContainerOption(ArgumentSpec("tmpfs", type: .list, doc: "tmpfs mounts: path or path:options (/run:rw,size=64m)."),
                        .dict,
                        wanted: { arguments, _ in
                            try arguments.list("tmpfs").map { entries in
                                .dict(Dictionary(entries.map { entry -> (String, ContainerValue) in
                                    let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
                                    return (parts[0], .text(parts.count == 2 ? parts[1] : ""))
                                }, uniquingKeysWith: { _, last in last }))
                            }
                        },
                        inspected: { value($0, "HostConfig", "Tmpfs") },
                        runWords: { $0.entries.sorted { $0.key < $1.key }.flatMap { path, options in
                            ["--tmpfs", (options.text ?? "").isEmpty ? path : path + ":" + (options.text ?? "")]
                        } }),
        ContainerOption(ArgumentSpec("devices", type: .list, doc: "Host devices: host_path[:container_path[:permissions]] (/dev/fuse, /dev/sda:/dev/xvda:rwm)."),
                        .setOfDicts,
                        wanted: { arguments, _ in try arguments.list("devices").map { .list($0.map(ContainerValueParsing.device)) } },
                        inspected: { value($0, "HostConfig", "Devices") },
                        runWords: { $0.items.flatMap { device -> [String] in
                            let fields = ["PathOnHost", "PathInContainer", "CgroupPermissions"].map { device.entries[$0]?.text ?? "" }
                            return ["--device", fields.joined(separator: ":")]
                        } }),
        ContainerOption(ArgumentSpec("stop_timeout", type: .int, doc: "Seconds Docker waits after the stop signal before it kills "
                                        + "the container (also when deckhand stops it); not compared unless comparisons says so."),
                        .value, defaultMode: .ignore,
                        wanted: { arguments, _ in try arguments.int("stop_timeout").map(ContainerValue.number) },
                        inspected: { value($0, "Config", "StopTimeout") },
                        runWords: { ["--stop-timeout", $0.rendered] }),
        text("stop_signal", "--stop-signal", at: "Config", "StopSignal", doc: "The signal that stops the container (SIGTERM, SIGQUIT...)."),
        ContainerHealthcheck.option,
        ContainerOption(ArgumentSpec("detach", type: .bool, doc: "Run in the background (true) or wait for the command to end and "
                                        + "fail when it fails (false), as docker run with and without --detach."),
                        .value,
                        wanted: { arguments, _ in try arguments.optionalBool("detach").map(ContainerValue.flag) },
                        inspected: { container in
                            let config = container["Config"] as? [String: Any] ?? [:]
                            return .flag(!((config["AttachStdout"] as? Bool ?? false) && (config["AttachStderr"] as? Bool ?? false)))
                        },
                        runWords: { _ in [] }),
        flag("auto_remove", "--rm", at: "HostConfig", "AutoRemove", doc: "Let Docker remove the container when its command ends."),
        ContainerOption(ArgumentSpec("etc_hosts", type: .dict, doc: "Extra /etc/hosts entries: host name -> address."),
                        .set,
                        wanted: { arguments, _ in
                            guard case .dict(let hosts)? = arguments.value("etc_hosts") else { return nil }
                            return .texts(hosts.map { $0.key + ":" + $0.value.displayText })
                        },
                        inspected: { value($0, "HostConfig", "ExtraHosts") },
                        runWords: { $0.items.compactMap(\.text).sorted().flatMap { ["--add-host", $0] } }),
        ContainerOption(ArgumentSpec("dns_servers", type: .list, doc: "DNS servers, in order."),
                        .list,
                        wanted: { arguments, _ in try arguments.list("dns_servers").map(ContainerValue.texts) },
                        inspected: { value($0, "HostConfig", "Dns") },
                        runWords: { $0.items.flatMap { ["--dns", $0.text ?? ""] } }),
        ContainerOption(ArgumentSpec("ulimits", type: .list, doc: "Resource limits: name:soft[:hard] (nofile:1024:2048)."),
                        .setOfDicts,
                        wanted: { arguments, _ in try arguments.list("ulimits").map { .list(try $0.map(ContainerValueParsing.ulimit)) } },
                        inspected: { value($0, "HostConfig", "Ulimits") },
                        runWords: { $0.items.flatMap { limit -> [String] in
                            let fields = limit.entries
                            return ["--ulimit", (fields["Name"]?.text ?? "") + "=" + (fields["Soft"]?.text ?? "") + ":" + (fields["Hard"]?.text ?? "")]
                        } }),
        size("shm_size", "--shm-size", doc: "The size of /dev/shm (64m; bytes without a unit), compared in bytes."),
    ]

    /// The option called `name` or by one of its aliases.
    static func named(_ name: String) -> ContainerOption? {
        all.first { $0.name == name || $0.argument.aliases.contains(name) }
    }

    /// The value at `path` in inspect's object.
    static func value(_ container: [String: Any], _ path: String...) -> ContainerValue? {
        var current: Any? = container
        for key in path { current = (current as? [String: Any])?[key] }
        return ContainerValue(json: current)
    }

    private static func text(_ name: String, _ flag: String, at path: String..., doc: String) -> ContainerOption {
        ContainerOption(ArgumentSpec(name, singleLine: true, doc: doc), .value,
                        wanted: { arguments, _ in try arguments.string(name).map(ContainerValue.text) },
                        inspected: { container in
                            var current: Any? = container
                            for key in path { current = (current as? [String: Any])?[key] }
                            return (current as? String).map(ContainerValue.text)
                        },
                        runWords: { [flag, $0.rendered] })
    }

    private static func flag(_ name: String, _ flag: String, at section: String, _ key: String, doc: String) -> ContainerOption {
        ContainerOption(ArgumentSpec(name, type: .bool, doc: doc), .value,
                        wanted: { arguments, _ in try arguments.optionalBool(name).map(ContainerValue.flag) },
                        inspected: { .flag(($0[section] as? [String: Any])?[key] as? Bool ?? false) },
                        runWords: { $0 == .flag(true) ? [flag] : [] })
    }

    private static func size(_ name: String, _ flag: String, doc: String) -> ContainerOption {
        let key = name == "memory" ? "Memory" : "ShmSize"
        return ContainerOption(ArgumentSpec(name, doc: doc), .value,
                               wanted: { arguments, _ in
                                   try arguments.string(name).map { .number(try ContainerValueParsing.bytes($0, option: name)) }
                               },
                               inspected: { value($0, "HostConfig", key) },
                               runWords: { [flag, $0.rendered] })
    }

    /// docker run stores NET_ADMIN as CAP_NET_ADMIN (the API keeps what it is given), so both sides compare by
    /// the CLI's name: without that deckhand would recreate every container it made with a capability.
    private static let capabilityNote = "Compared as the docker CLI names them (NET_ADMIN is CAP_NET_ADMIN); community.docker "
        + "compares them as written, so write CAP_NET_ADMIN for it to agree with a container deckhand made."

    @Sendable private static func capability(_ name: String) -> String {
        let upper = name.uppercased()
        return upper == "ALL" || upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    }

    private static func set(_ name: String, _ flag: String, at section: String, _ key: String, doc: String,
                            normalise: @escaping @Sendable (String, String) -> String = { item, _ in item },
                            normaliseInspected: @escaping @Sendable (String) -> String = { $0 },
                            word: @escaping @Sendable (String) -> String = { $0 }) -> ContainerOption {
        ContainerOption(ArgumentSpec(name, type: .list, doc: doc), .set,
                        wanted: { arguments, container in
                            try arguments.list(name).map { items in .texts(items.map { normalise($0, container) }) }
                        },
                        inspected: { container in
                            value(container, section, key).map { .texts($0.items.compactMap(\.text).map(normaliseInspected)) }
                        },
                        runWords: { $0.items.compactMap(\.text).flatMap { [flag, word($0)] } })
    }

    /// entrypoint: a list compared in order with Config.Entrypoint; `docker run --entrypoint` takes one word.
    private static let entrypoint = ContainerOption(
        ArgumentSpec("entrypoint", type: .list, doc: "The entrypoint, one word (docker run's --entrypoint sets one; "
                        + "give further words in command); [] or \"\" clears the image's."),
        .list,
        wanted: { arguments, container in
            guard let words = try arguments.list("entrypoint") else { return nil }
            let kept = words.filter { !$0.isEmpty }
            guard kept.count <= 1 else {
                throw ModuleArgumentError("entrypoint of docker_container \(container) has \(kept.count) words, but docker run's "
                    + "--entrypoint takes one: give the first as entrypoint and the rest at the start of command")
            }
            return .texts(kept)
        },
        inspected: { value($0, "Config", "Entrypoint") },
        runWords: { ["--entrypoint", $0.items.first?.text ?? ""] })
}

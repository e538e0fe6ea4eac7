import Foundation
import Jinja

/// docker_container: a named container from an image, created, started, stopped or removed; recreated when
/// the wanted configuration (image, command, env, volumes, network, restart policy, init, labels and the options
/// of `ContainerOption.all`) differs as community.docker compares it; connected to its networks.
///
///     - docker_container:
///         name: web
///         image: 127.0.0.1:5000/site/web:1.4
///         env_file: /etc/site/web.env
///         network_mode: host
///         restart_policy: unless-stopped
///         init: yes
///         memory: 512m
///         log_options: {max-size: 10m, max-file: "3"}
public struct DockerContainerModule: Module {
    public static let spec = ModuleSpec(
        name: "docker_container",
        aliases: ["community.docker.docker_container"],
        arguments: [
            ArgumentSpec("name", required: true, singleLine: true, doc: "The container's name."),
            ArgumentSpec("image", doc: "The image (repository:tag); required unless state is absent."),
            ArgumentSpec("state", default: .string("started"), choices: ["started", "stopped", "present", "absent"],
                         doc: "started (running), stopped, present (created, left as it is) or absent."),
            ArgumentSpec("command", type: .raw, doc: "The command: a list of words, or a string split as a shell would."),
            ArgumentSpec("env", type: .dict, doc: "Environment variables (passed on stdin as an env file, never on a command line)."),
            ArgumentSpec("env_file", type: .path, doc: "An env file on the host (KEY=value lines); env wins over it."),
            ArgumentSpec("volumes", type: .list, doc: "Volumes: host:container[:mode] binds, name:container or container paths."),
            ArgumentSpec("network_mode", doc: "host, none, bridge, container:NAME or a network's name."),
            ArgumentSpec("restart_policy", choices: ["no", "on-failure", "always", "unless-stopped"], doc: "When Docker restarts it."),
            ArgumentSpec("init", type: .bool, doc: "Run an init (tini) as PID 1: signals reach the command, zombies are reaped."),
            ArgumentSpec("pull", type: .raw, default: .bool(false),
                         doc: "Pull the image first: true/always, or false/missing (only when it is not on the host), or never."),
            ArgumentSpec("labels", type: .dict, doc: "Labels (must be set with these values)."),
            ArgumentSpec("recreate", type: .bool, default: .bool(false), doc: "Recreate it even when its configuration is as wanted."),
            ArgumentSpec("restart", type: .bool, default: .bool(false), doc: "Restart it (when started and not recreated)."),
            ArgumentSpec("container_default_behavior", choices: ["compatibility", "no_defaults"], doc: "Accepted for compatibility; no effect."),
            ArgumentSpec("cleanup", type: .bool, default: .bool(false), doc: "With detach false: remove the container once its command succeeded."),
            ArgumentSpec("keep_volumes", type: .bool, default: .bool(true), doc: "Keep its anonymous volumes when it is removed or recreated."),
            ArgumentSpec("default_host_ip", doc: "The host address of published ports that name none (default 0.0.0.0)."),
            ContainerComparisons.argument,
        ] + ContainerNetworks.arguments + ContainerOption.all.map(\.argument),
        doc: "Compares the container that `docker container inspect` reports with the wanted configuration and, when "
            + "they differ (or it is missing), removes it and runs a new one; else starts or stops it as state says. "
            + "Each option compares as community.docker compares it (see comparisons), and only when the task sets it. "
            + "A difference in networks connects or disconnects the container instead. The diff lists every differing field.",
        example: "- docker_container:\n    name: web\n    image: 127.0.0.1:5000/site/web:1.4\n    env_file: /etc/site/web.env\n"
            + "    network_mode: host\n    restart_policy: unless-stopped\n    init: yes\n    memory: 512m\n"
            + "    log_options: {max-size: 10m, max-file: \"3\"}\n"
            + "    healthcheck: {test: \"wget -q -O /dev/null http://127.0.0.1:8000/health\", interval: 30s, retries: 3}")

    var name: String
    var image: String?
    var state: String
    var wanted: ContainerConfig
    var envFile: String?
    var pullPolicy: String
    var recreate: Bool
    var restart: Bool
    /// The options of `ContainerOption.all` the task sets, by name, normalised for comparison.
    var options: [String: ContainerValue] = [:]
    var networks: ContainerNetworks
    var comparisons: ContainerComparisons
    var cleanup: Bool
    var keepVolumes: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        image = try arguments.string("image")
        state = try arguments.requiredString("state")
        envFile = try arguments.string("env_file")
        recreate = try arguments.bool("recreate")
        restart = try arguments.bool("restart")
        wanted = ContainerConfig()
        switch arguments.value("command") {
        case .list(let items)?: wanted.command = items.map(\.displayText)
        case let value?: wanted.command = try ShellWords.split(value.displayText)
        case nil: break
        }
        if case .dict(let env)? = arguments.value("env") {
            var values: [String: String] = [:]
            for (key, value) in env {
                let text = value.displayText
                // Each variable is one line of the env file docker reads: a line break would start another variable.
                if text.contains(where: \.isNewline) || key.contains("=") || key.contains(where: \.isNewline) {
                    throw ModuleArgumentError("env \(key) of docker_container \(name) holds a line break or '=' in its name: "
                        + "Docker's env files carry one line per variable")
                }
                values[key] = text
            }
            wanted.env = values
        }
        wanted.volumes = try arguments.list("volumes")
        wanted.networkMode = try arguments.string("network_mode")
        wanted.restartPolicy = try arguments.string("restart_policy")
        wanted.initProcess = try arguments.optionalBool("init")
        if case .dict(let labels)? = arguments.value("labels") {
            wanted.labels = Dictionary(uniqueKeysWithValues: labels.map { ($0.key, $0.value.displayText) })
        }
        switch arguments.value("pull") {
        case .string(let text)? where ["always", "missing", "never"].contains(text): pullPolicy = text
        default: pullPolicy = try arguments.bool("pull") ? "always" : "missing"
        }
        if state != "absent" && image == nil { throw ModuleArgumentError("docker_container \(name) needs image (state \(state))") }
        for option in ContainerOption.all { options[option.name] = try option.wanted(arguments, name) }
        networks = try ContainerNetworks(arguments, container: name)
        if try arguments.bool("networks_cli_compatible"), wanted.networkMode == nil { wanted.networkMode = networks.wanted.first?.name }
        comparisons = try ContainerComparisons(arguments, container: name)
        cleanup = try arguments.bool("cleanup")
        keepVolumes = try arguments.bool("keep_volumes")
    }

    var detach: Bool { options["detach"] != .flag(false) }

    static let sections = ["@@pull", "@@container", "@@image", "@@env_file"]

    /// Pulls as `pull` says (not in check mode), then reads the container, the image and the env file.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var command = ShellCommand("echo", Self.sections[0])
        if let image, !context.checkMode && pullPolicy != "never" {
            let pull = ShellCommand("docker", "pull", "--quiet", image).mergingErrors.pipe(ShellCommand("tail", "-n", "3"))
            command = command.then(pullPolicy == "always" ? pull
                : ShellCommand("docker", "image", "inspect", image).silencingErrors.redirectingOutput(to: "/dev/null").or(pull))
        }
        command = command.then(ShellCommand("echo", Self.sections[1]))
            .then(ShellCommand("docker", "container", "inspect", name).silencingErrors.or(ShellCommand("echo", "[]")))
            .then(ShellCommand("echo", Self.sections[2]))
            .then(image.map { ShellCommand("docker", "image", "inspect", $0).silencingErrors.or(ShellCommand("echo", "[]")) }
                  ?? ShellCommand("echo", "[]"))
            .then(ShellCommand("echo", Self.sections[3]))
        if let envFile { command = command.then(ShellCommand("cat", envFile).silencingErrors) }
        return command.then(ShellCommand("true"))
    }

    /// The probe's output cut at its section markers.
    static func sectioned(_ output: String) -> [String: String] {
        var found: [String: String] = [:]
        var current: String?
        var lines: [String] = []
        for line in output.splitLines {
            if sections.contains(line) {
                if let current { found[current] = lines.joined(separator: "\n") }
                current = line
                lines = []
            } else {
                lines.append(line)
            }
        }
        if let current { found[current] = lines.joined(separator: "\n") }
        return found
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let sections = Self.sectioned(probe?.stdoutText ?? "")
        let existing = ContainerConfig.inspected(sections["@@container"] ?? "[]")
        var result = ModuleResult()
        result["container"] = .dict(["Name": .string(name), "Id": .string(existing?.id ?? ""),
                                     "State": .dict(["Running": .bool(existing?.running ?? false)])])
        let remove = removeCommand

        guard state != "absent" else {
            guard existing != nil else { return .unchanged(result) }
            if context.diffMode { result.diffs.append(stateDiff(before: existing!.running ? "started" : "stopped", after: "absent")) }
            return .change([.run(remove)], result)
        }

        let imageInfo = ContainerConfig.image(sections["@@image"] ?? "[]")
        if imageInfo == nil && !context.checkMode {
            let pullOutput = (sections["@@pull"] ?? "").trimmed
            return ModulePlan(result: .failure("image \(image ?? "") of container \(name) is not on \(context.hostName)"
                + (pullOutput.isEmpty ? " (pull is never)" : " and could not be pulled: \(pullOutput)")))
        }
        var want = wanted
        want.imageId = imageInfo?.id
        var env = imageInfo?.env ?? [:]
        if envFile != nil { env.merge(ContainerConfig.environment((sections["@@env_file"] ?? "").splitLines)) { _, file in file } }
        env.merge(wanted.env ?? [:]) { _, own in own }
        // Docker gives a container whose image sets no PATH the default one.
        if env["PATH"] == nil, let path = existing?.config.env?["PATH"] { env["PATH"] = path }
        want.env = env
        if let volumes = want.volumes { want.volumes = volumes + (imageInfo?.volumes ?? []).filter { !volumes.contains($0) } }
        if want.command == nil, options["entrypoint"] == nil, let existingCommand = existing?.config.command, existingCommand != (imageInfo?.command ?? []) {
            // The container runs another command than its image's default and the task names none: back to the default.
            want.command = imageInfo?.command ?? []
        }

        let inspected = ContainerConfig.firstObject(sections["@@container"] ?? "[]") ?? [:]
        let differences = existing.map {
            want.differences(from: $0.config).filter { comparisons.counts($0.field) }
                + optionDifferences(inspected, image: ContainerConfig.firstObject(sections["@@image"] ?? "[]"))
        } ?? []
        var actions: [HostAction] = []
        if existing == nil || !differences.isEmpty || recreate {
            if existing != nil { actions.append(.run(remove)) }
            actions += createActions(start: state == "started")
            if context.diffMode {
                result.diffs.append(existing == nil ? stateDiff(before: "absent", after: state)
                                                    : fieldDiff(differences, recreate: recreate))
            }
        } else if let existing {
            let networkChanges = networks.changes(inspected, container: name, mode: comparisons.mode("networks", default: .allowMorePresent))
            actions += networkChanges.commands.map { .run($0) }
            switch state {
            case "started" where !existing.running:
                actions.append(.run(ShellCommand(words: ["docker", "start"] + (detach ? [] : ["--attach"]) + [name])))
            case "started" where restart: actions.append(.run(ShellCommand("docker", "restart", name)))
            case "stopped" where existing.running: actions.append(.run(stopCommand))
            default: break
            }
            if !actions.isEmpty && context.diffMode {
                result.diffs.append(networkChanges.differences.isEmpty
                    ? stateDiff(before: existing.running ? "started" : "stopped", after: state == "stopped" ? "stopped" : "started")
                    : fieldDiff(networkChanges.differences, recreate: false, recreated: false))
            }
        }
        guard !actions.isEmpty else { return .unchanged(result) }
        return .change(actions, result)
    }

    /// Where the container's options (those the task sets, each compared in its own mode) differ from inspect's.
    func optionDifferences(_ inspected: [String: Any], image: [String: Any]?) -> [ContainerConfig.Difference] {
        var wantedValues = options
        if ["published_ports", "exposed_ports", "publish_all_ports"].contains(where: { options[$0] != nil }) {
            // community.docker expects the image's exposed ports and the published ones exposed too.
            let imagePorts = ((image?["Config"] as? [String: Any])?["ExposedPorts"] as? [String: Any] ?? [:]).keys
            let published = (options["published_ports"]?.entries.keys).map(Array.init) ?? []
            let given = options["exposed_ports"]?.items.compactMap(\.text) ?? []
            wantedValues["exposed_ports"] = .texts(Set(imagePorts).union(published).union(given).sorted())
        }
        return ContainerOption.all.compactMap { option in
            guard let want = wantedValues[option.name] else { return nil }
            let have = option.inspected(inspected)
            guard !option.type.matches(want, have, mode: comparisons.mode(option.name, default: option.defaultMode)) else { return nil }
            return ContainerConfig.Difference(field: option.name, before: have?.rendered ?? "(unset)", after: want.rendered)
        }
    }

    /// `docker rm --force`, after a graceful `docker stop` when the task gives stop_timeout.
    var removeCommand: ShellCommand {
        let remove = ShellCommand(words: ["docker", "rm", "--force"] + (keepVolumes ? [] : ["--volumes"]) + [name])
        return options["stop_timeout"] == nil ? remove : stopCommand.silencingErrors.then(remove)
    }

    var stopCommand: ShellCommand {
        // -t: --time before Docker 23, --timeout after.
        ShellCommand(words: ["docker", "stop"] + (options["stop_timeout"].map { ["-t", $0.rendered] } ?? []) + [name])
    }

    /// `docker run` (or `docker create`) with the wanted configuration, then its further networks; with detach
    /// false the run waits for the command (and fails with it), with cleanup the container is removed after.
    func createActions(start: Bool) -> [HostAction] {
        var actions = [createAction(start: start)]
        actions += networks.connectingNew(name, startedOn: wanted.networkMode).map { .run($0) }
        if start && !detach && cleanup { actions.append(.run(ShellCommand("docker", "rm", "--force", name))) }
        return actions
    }

    /// `docker run -d` (or `docker create`) with the wanted configuration; env reaches docker on stdin.
    func createAction(start: Bool) -> HostAction {
        var words = start ? ["docker", "run"] + (detach ? ["--detach"] : []) : ["docker", "create"]
        words += ["--name", name]
        if wanted.initProcess == true { words.append("--init") }
        if let mode = wanted.networkMode { words += ["--network", mode] }
        if let policy = wanted.restartPolicy { words += ["--restart", policy] }
        for (key, value) in (wanted.labels ?? [:]).sorted(by: { $0.key < $1.key }) { words += ["--label", key + "=" + value] }
        for volume in wanted.volumes ?? [] { words += ["--volume", volume] }
        for option in ContainerOption.all { if let value = options[option.name] { words += option.runWords(value) } }
        if wanted.networkMode == networks.wanted.first?.name { words += networks.firstNetworkWords }
        if let envFile { words += ["--env-file", envFile] }
        var stdin: Data?
        if let env = wanted.env, !env.isEmpty {
            words += ["--env-file", "/dev/stdin"]
            stdin = Data(env.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)\n" }.joined().utf8)
        }
        words.append(image ?? "")
        words += wanted.command ?? []
        return .run(ShellCommand(words: words), stdin: stdin)
    }

    private func stateDiff(before: String, after: String) -> ModuleDiff {
        ModuleDiff(beforeHeader: "container \(name)", afterHeader: "container \(name)", before: "state: \(before)\n", after: "state: \(after)\n")
    }

    private func fieldDiff(_ differences: [ContainerConfig.Difference], recreate: Bool, recreated: Bool = true) -> ModuleDiff {
        let before = differences.map { "\($0.field): \($0.before)\n" }.joined()
        let after = differences.map { "\($0.field): \($0.after)\n" }.joined()
        return ModuleDiff(beforeHeader: "container \(name)", afterHeader: "container \(name)" + (recreated ? " (recreated)" : ""),
                          before: before.isEmpty && recreate ? "recreate: false\n" : before,
                          after: after.isEmpty && recreate ? "recreate: true\n" : after)
    }
}

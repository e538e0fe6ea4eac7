import Foundation
import Jinja

/// docker_login: logs the Docker CLI in to a registry (or out); the password reaches `docker login` on stdin.
///
///     - docker_login: { registry_url: 123.dkr.ecr.eu-west-1.amazonaws.com, username: AWS, password: "{{ token }}" }
public struct DockerLoginModule: Module {
    public static let spec = ModuleSpec(
        name: "docker_login",
        aliases: ["community.docker.docker_login"],
        arguments: [
            ArgumentSpec("registry_url", default: .string("https://index.docker.io/v1/"), aliases: ["registry", "url"],
                         doc: "The registry (host[:port] or URL)."),
            ArgumentSpec("username", doc: "The user; required with state present."),
            ArgumentSpec("password", noLog: true, doc: "Its password or token; required with state present."),
            ArgumentSpec("reauthorize", type: .bool, default: .bool(false), aliases: ["reauth"],
                         doc: "Log in even when the same credentials are stored."),
            ArgumentSpec("config_path", type: .path, aliases: ["dockercfg_path"],
                         doc: "The CLI's config.json (default: ~/.docker/config.json of the user the task runs as)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present: logged in; absent: logged out."),
        ],
        doc: "Runs `docker login --password-stdin` (the password never on a command line) when config.json does not "
            + "hold these credentials for the registry, or `docker logout` for state absent.",
        example: "- docker_login:\n    registry_url: 127.0.0.1:5000\n    username: deploy\n    password: \"{{ registry_password }}\"")

    var registry: String
    var username: String?
    var password: String?
    var reauthorize: Bool
    var configPath: String?
    var present: Bool

    public init(_ arguments: ModuleArguments) throws {
        registry = try arguments.requiredString("registry_url")
        username = try arguments.string("username")
        password = try arguments.string("password")
        reauthorize = try arguments.bool("reauthorize")
        configPath = try arguments.string("config_path")
        present = try arguments.requiredString("state") == "present"
        if present && (username == nil || password == nil) {
            throw ModuleArgumentError("docker_login needs username and password (or state: absent)")
        }
    }

    /// The CLI, pointed at the folder of `config_path` when one is given.
    var docker: ShellCommand {
        guard let configPath else { return ShellCommand("docker") }
        return ShellCommand("docker", "--config", (configPath as NSString).deletingLastPathComponent)
    }

    /// The key config.json's `auths` uses: the CLI keeps Docker Hub's URL whole and strips others to the host.
    var registryKey: String {
        if registry.contains("index.docker.io") || registry == "docker.io" { return "https://index.docker.io/v1/" }
        var key = registry
        for scheme in ["https://", "http://"] where key.hasPrefix(scheme) { key = String(key.dropFirst(scheme.count)) }
        return key.split(separator: "/").first.map(String.init) ?? key
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        if let configPath { return ShellCommand("cat", configPath).silencingErrors.or(ShellCommand("true")) }
        return ShellCommand(parts: [.syntax("cat \"${DOCKER_CONFIG:-$HOME/.docker}/config.json\" 2>/dev/null || true")], compound: true)
    }

    /// The `auth` (base64 of user:password) config.json stores for the registry, nil when there is none.
    static func storedAuth(_ configText: String, registry: String) -> String? {
        guard let data = configText.data(using: .utf8), !data.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let auths = object["auths"] as? [String: Any] else { return nil }
        let entry = auths[registry] ?? auths["http://" + registry] ?? auths["https://" + registry]
        guard let fields = entry as? [String: Any] else { return nil }
        return fields["auth"] as? String ?? ""
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let stored = Self.storedAuth(probe?.stdoutText ?? "", registry: registryKey)
        var result = ModuleResult()
        guard present else {
            guard stored != nil else { return .unchanged(result) }
            return .change([.run(docker.appending("logout", registryKey))], result)
        }
        let wanted = Data("\(username ?? ""):\(password ?? "")".utf8).base64EncodedString()
        result["login_result"] = .dict(["username": .string(username ?? ""), "serveraddress": .string(registryKey)])
        if stored == wanted && !reauthorize { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: "docker login \(registryKey)", afterHeader: "docker login \(registryKey)",
                                           before: stored == nil ? "logged in: false\n" : "logged in: other credentials\n",
                                           after: "logged in: \(username ?? "")\n"))
        }
        let login = docker.appending("login", "--username", username ?? "", "--password-stdin", registryKey)
        return .change([.run(login, stdin: Data((password ?? "").utf8))], result)
    }
}

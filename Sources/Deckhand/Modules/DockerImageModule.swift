import Foundation
import Jinja

/// docker_image: makes sure an image is on the host (pulled, built from a context, or loaded), tagged into
/// another repository and pushed, or removed.
///
///     - docker_image: { name: 127.0.0.1:5000/site/web, tag: "1.4", source: pull }
///     - docker_image: { name: site/web, source: build, build: { path: /srv/build/web }, repository: 127.0.0.1:5000/site/web, push: yes }
public struct DockerImageModule: Module {
    public static let spec = ModuleSpec(
        name: "docker_image",
        aliases: ["community.docker.docker_image"],
        arguments: [
            ArgumentSpec("name", required: true, doc: "The image: repository, with a :tag or not."),
            ArgumentSpec("tag", default: .string("latest"), doc: "The tag, when name has none."),
            ArgumentSpec("source", choices: ["pull", "build", "load", "local"],
                         doc: "Where a missing image comes from: pull (the registry in its name), build (build.path), "
                            + "load (load_path, a docker save archive) or local (must already be there)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("force_source", type: .bool, default: .bool(false),
                         doc: "Pull, build or load even when the image is there (changed only when its id changes)."),
            ArgumentSpec("build", type: .dict, doc: "path (the context), dockerfile, args (build args), pull, nocache."),
            ArgumentSpec("load_path", type: .path, doc: "The archive for source load."),
            ArgumentSpec("repository", doc: "Also tag the image as this repository[:tag] (and push that with push)."),
            ArgumentSpec("push", type: .bool, default: .bool(false), doc: "Push the image (or repository) to its registry."),
            ArgumentSpec("force_tag", type: .bool, default: .bool(false), doc: "Tag as repository even when it names another image."),
        ],
        doc: "Pulls, builds (docker build from a context folder on the host) or loads an image that is missing (or "
            + "always, with force_source), tags it as repository, pushes it; state absent removes it.",
        example: "- docker_image:\n    name: 127.0.0.1:5000/site/web\n    tag: \"1.4\"\n    source: pull")

    /// build's own options, read with the same rules as a module's arguments.
    static let buildSpec = ModuleSpec(name: "docker_image build", arguments: [
        ArgumentSpec("path", type: .path, doc: "The context folder on the host."),
        ArgumentSpec("dockerfile", doc: "The Dockerfile, relative to path."),
        ArgumentSpec("args", type: .dict, doc: "Build arguments."),
        ArgumentSpec("pull", type: .bool, doc: "Pull the FROM images first."),
        ArgumentSpec("nocache", type: .bool, doc: "Build without the cache."),
    ], doc: "build options", example: "")

    var reference: String
    var source: String?
    var present: Bool
    var forceSource: Bool
    var buildPath: String?
    var dockerfile: String?
    var buildArgs: [(String, String)]
    var buildPull: Bool
    var noCache: Bool
    var loadPath: String?
    var repository: String?
    var push: Bool

    public init(_ arguments: ModuleArguments) throws {
        let name = try arguments.requiredString("name")
        let tag = try arguments.requiredString("tag")
        reference = Self.hasTag(name) ? name : name + ":" + tag
        source = try arguments.string("source")
        present = try arguments.requiredString("state") == "present"
        forceSource = try arguments.bool("force_source")
        buildArgs = []
        buildPull = false
        noCache = false
        if case .dict(let given)? = arguments.value("build") {
            let build = try ModuleArguments(given, spec: Self.buildSpec, task: "build")
            buildPath = try build.string("path")
            dockerfile = try build.string("dockerfile")
            buildPull = try build.bool("pull")
            noCache = try build.bool("nocache")
            if case .dict(let args)? = build.value("args") { buildArgs = args.map { ($0.key, $0.value.displayText) } }
        }
        loadPath = try arguments.string("load_path")
        // A tag in name wins over the tag argument, for the repository too (as community.docker does).
        let effectiveTag = Self.hasTag(name) && !name.contains("@") ? String(name.split(separator: ":").last ?? "") : tag
        repository = try arguments.string("repository").map { Self.hasTag($0) ? $0 : $0 + ":" + effectiveTag }
        push = try arguments.bool("push")
        if present && source == "build" && buildPath == nil { throw ModuleArgumentError("docker_image source build needs build.path") }
        if present && source == "load" && loadPath == nil { throw ModuleArgumentError("docker_image source load needs load_path") }
    }

    /// Whether a reference carries a tag (or digest): a colon after the last slash (a registry's port is before it).
    static func hasTag(_ reference: String) -> Bool {
        reference.contains("@") || reference.split(separator: "/").last?.contains(":") == true
    }

    static func inspectId(_ reference: String) -> ShellCommand {
        ShellCommand("docker", "image", "inspect", "--format", "{{.Id}}", reference).silencingErrors.or(ShellCommand("true"))
    }

    /// The image's id, a line, then the repository tag's id (each empty when missing).
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        Self.inspectId(reference).then(ShellCommand("echo", "@@")).then(repository.map(Self.inspectId) ?? ShellCommand("true"))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let halves = (probe?.stdoutText ?? "").components(separatedBy: "@@\n")
        let currentId = halves.first?.splitLines.first?.trimmed ?? ""
        let repositoryId = halves.count > 1 ? halves[1].splitLines.first?.trimmed ?? "" : ""
        var result = ModuleResult()
        result["image"] = .dict(["name": .string(reference), "Id": .string(currentId)])
        guard present else {
            guard !currentId.isEmpty else { return .unchanged(result) }
            if context.diffMode { result.diffs.append(diff(before: currentId, after: "absent")) }
            return .change([.run(ShellCommand("docker", "image", "rm", reference))], result)
        }

        var actions: [HostAction] = []
        let tags = repository != nil && (repositoryId != currentId || currentId.isEmpty)
        let onlyFetches = !tags && !push
        if currentId.isEmpty || forceSource {
            // Compare the id after the fetch: a forced pull or build that yields the same image changed nothing.
            let before = currentId
            guard let fetch = try fetchCommand(missing: currentId.isEmpty) else {
                return ModulePlan(result: .failure("image \(reference) is not on the host and source is \(source ?? "not given"): "
                    + "give source pull, build or load"))
            }
            actions.append(HostAction.run(fetch.and(ShellCommand("docker", "image", "inspect", "--format", "@@id {{.Id}}", reference)))
                .interpreting { output, result in
                    let id = output.stdoutText.splitLines.last { $0.hasPrefix("@@id ") }.map { String($0.dropFirst(5)) } ?? ""
                    result["image"] = .dict(["name": .string(reference), "Id": .string(id)])
                    if !before.isEmpty && id == before && onlyFetches { result.changed = false }
                })
        }
        if let repository, tags {
            actions.append(.run(ShellCommand("docker", "tag", reference, repository)))
        }
        if push { actions.append(.run(ShellCommand("docker", "push", repository ?? reference), changedWhenOutputContains: "Pushed")) }
        guard !actions.isEmpty else { return .unchanged(result) }
        if context.diffMode && currentId.isEmpty { result.diffs.append(diff(before: "absent", after: "present")) }
        return .change(actions, result)
    }

    private func diff(before: String, after: String) -> ModuleDiff {
        ModuleDiff(beforeHeader: "image \(reference)", afterHeader: "image \(reference)", before: "image: \(before)\n", after: "image: \(after)\n")
    }

    /// The command that brings the image onto the host from its source.
    func fetchCommand(missing: Bool) throws -> ShellCommand? {
        switch source {
        case "pull":
            return ShellCommand("docker", "pull", reference)
        case "build":
            var words = ["docker", "build", "--tag", reference]
            if let dockerfile { words += ["--file", dockerfile.hasPrefix("/") ? dockerfile : (buildPath ?? ".") + "/" + dockerfile] }
            for (name, value) in buildArgs { words += ["--build-arg", name + "=" + value] }
            if buildPull { words.append("--pull") }
            if noCache { words.append("--no-cache") }
            return ShellCommand(words: words + ["--", buildPath ?? "."])
        case "load":
            return ShellCommand("docker", "load", "--input", loadPath ?? "")
        default:
            return nil
        }
    }
}

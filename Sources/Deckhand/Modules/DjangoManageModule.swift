import Foundation
import Jinja

/// django_manage: runs a manage.py command in the app's virtualenv; migrate and collectstatic report
/// changed only when they applied migrations or copied files.
///
///     - django_manage: { command: migrate, app_path: /webapps/shop/current, virtualenv: /webapps/shop/venv }
public struct DjangoManageModule: Module {
    public static let spec = ModuleSpec(
        name: "django_manage",
        arguments: [
            ArgumentSpec("command", required: true, doc: "The manage.py command with its arguments (migrate, collectstatic, check...)."),
            ArgumentSpec("project_path", type: .path, required: true, aliases: ["app_path", "chdir"], doc: "The folder of manage.py."),
            ArgumentSpec("virtualenv", type: .path, aliases: ["virtual_env"], doc: "The virtualenv whose python runs manage.py."),
            ArgumentSpec("settings", doc: "DJANGO_SETTINGS_MODULE."),
            ArgumentSpec("pythonpath", type: .path, aliases: ["python_path"], doc: "Extra PYTHONPATH."),
            ArgumentSpec("database", doc: "--database for migrate and friends."),
            ArgumentSpec("fixtures", doc: "Fixtures for loaddata (space-separated)."),
            ArgumentSpec("skip", type: .bool, doc: "Accepted for compatibility."),
            ArgumentSpec("clear", type: .bool, default: .bool(false), doc: "collectstatic --clear."),
            ArgumentSpec("link", type: .bool, doc: "collectstatic --link."),
        ],
        doc: "Runs manage.py in a virtualenv; migrate/collectstatic are changed only when they did something.",
        example: "- django_manage:\n    command: migrate\n    app_path: /webapps/shop/current\n    virtualenv: /webapps/shop/venv")

    var words: [String]
    var projectPath: String
    var virtualenv: String?
    var settings: String?
    var pythonPath: String?
    var database: String?
    var fixtures: [String]
    var clear: Bool
    var link: Bool

    public init(_ arguments: ModuleArguments) throws {
        words = try ShellWords.split(try arguments.requiredString("command"))
        guard !words.isEmpty else { throw ModuleArgumentError("command is empty") }
        projectPath = try arguments.requiredString("project_path")
        virtualenv = try arguments.string("virtualenv")
        settings = try arguments.string("settings")
        pythonPath = try arguments.string("pythonpath")
        database = try arguments.string("database")
        fixtures = (try arguments.string("fixtures") ?? "").split(separator: " ").map(String.init)
        clear = try arguments.bool("clear")
        link = try arguments.bool("link")
    }

    var command: ShellCommand {
        let python = virtualenv.map { $0 + "/bin/python" } ?? "python3"
        var arguments = words
        let name = words[0]
        if ["migrate", "collectstatic", "flush", "loaddata", "createcachetable"].contains(name) {
            arguments.append("--noinput")
        }
        if name == "collectstatic" {
            if clear { arguments.append("--clear") }
            if link { arguments.append("--link") }
        }
        if let database, ["migrate", "loaddata", "flush", "createcachetable"].contains(name) { arguments += ["--database", database] }
        if name == "loaddata" { arguments += fixtures }
        var environment: [String: String] = [:]
        if let settings { environment["DJANGO_SETTINGS_MODULE"] = settings }
        if let pythonPath { environment["PYTHONPATH"] = pythonPath }
        return ShellCommand(words: [python, "manage.py"] + arguments).withEnvironment(environment).inDirectory(projectPath)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult(values: ["cmd": .string(words.joined(separator: " ")), "app_path": .string(projectPath)])
        if context.checkMode {
            result.skipped = true
            result.msg = "skipped: manage.py \(words[0]) cannot be predicted in check mode"
            return ModulePlan(result: result)
        }
        var action = HostAction.runReporting(command)
        switch words[0] {
        case "migrate": action.changeMarker = "  Applying "
        // "0 static files copied to '/srv/static', 120 unmodified." means nothing changed.
        case "collectstatic": action.unchangedMarker = "0 static files copied"
        case "check", "showmigrations", "diffsettings", "help", "version", "shell", "dbshell":
            action.changeMarker = "\u{0}"
        default: break
        }
        return .change([action], result)
    }
}

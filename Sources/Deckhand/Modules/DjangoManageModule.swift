import Foundation
import Jinja
import SSH

/// django_manage: runs a manage.py command in a project, with its virtualenv and settings.
///
///     - django_manage: { command: migrate, app_path: /webapps/app/current, virtualenv: /webapps/app/venv }
public struct DjangoManageModule: Module {
    public static let spec = ModuleSpec(
        name: "django_manage",
        arguments: [
            ArgumentSpec("command", required: true, doc: "The manage.py command and its arguments (migrate, collectstatic, loaddata...)."),
            ArgumentSpec("project_path", type: .path, required: true, aliases: ["app_path", "chdir"], doc: "The directory holding manage.py."),
            ArgumentSpec("virtualenv", type: .path, aliases: ["virtual_env"], doc: "The virtualenv whose python runs manage.py."),
            ArgumentSpec("settings", doc: "The settings module (--settings)."),
            ArgumentSpec("pythonpath", type: .path, aliases: ["python_path"], doc: "Added to the Python path (--pythonpath)."),
            ArgumentSpec("database", doc: "The database alias (--database)."),
            ArgumentSpec("fixtures", doc: "Fixtures for loaddata, space-separated."),
            ArgumentSpec("apps", doc: "Apps for test, space-separated."),
            ArgumentSpec("cache_table", doc: "The table for createcachetable."),
            ArgumentSpec("clear", type: .bool, default: .bool(false), doc: "collectstatic --clear."),
            ArgumentSpec("link", type: .bool, default: .bool(false), doc: "collectstatic --link."),
            ArgumentSpec("merge", type: .bool, default: .bool(false), doc: "makemigrations --merge."),
            ArgumentSpec("skip", type: .bool, default: .bool(false), doc: "Accepted (south's --skip); ignored."),
            ArgumentSpec("failfast", type: .bool, default: .bool(false), aliases: ["fail_fast"], doc: "test --failfast."),
            ArgumentSpec("testrunner", aliases: ["test_runner"], doc: "test --testrunner."),
        ],
        doc: "Runs `python manage.py COMMAND` in project_path (with --noinput where the command takes it). migrate "
            + "reports changed only when migrations were applied, collectstatic only when files were copied or linked, "
            + "loaddata only when objects were installed; other commands report ok. Skipped in check mode.",
        example: "- django_manage:\n    command: migrate\n    app_path: /webapps/app/current\n    virtualenv: /webapps/app/venv\n    settings: app.settings.production")

    var command: [String]
    var projectPath: String
    var virtualenv: String?
    var settings: String?
    var pythonpath: String?
    var database: String?
    var fixtures: [String]
    var apps: [String]
    var cacheTable: String?
    var clear: Bool
    var link: Bool
    var merge: Bool
    var failfast: Bool
    var testrunner: String?

    public init(_ arguments: ModuleArguments) throws {
        command = try ShellWords.split(try arguments.requiredString("command"))
        guard let first = command.first, !first.hasPrefix("-") else { throw ModuleArgumentError("command is empty or starts with '-'") }
        projectPath = try arguments.requiredString("project_path", "app_path", "chdir")
        virtualenv = try arguments.string("virtualenv", "virtual_env")
        settings = try arguments.string("settings")
        pythonpath = try arguments.string("pythonpath", "python_path")
        database = try arguments.string("database")
        fixtures = (try arguments.string("fixtures") ?? "").split(separator: " ").map(String.init)
        apps = (try arguments.string("apps") ?? "").split(separator: " ").map(String.init)
        cacheTable = try arguments.string("cache_table")
        clear = try arguments.bool("clear", default: false)
        link = try arguments.bool("link", default: false)
        merge = try arguments.bool("merge", default: false)
        failfast = try arguments.bool("failfast", "fail_fast", default: false)
        testrunner = try arguments.string("testrunner", "test_runner")
        if first == "loaddata" && fixtures.isEmpty && command.count == 1 { throw ModuleArgumentError("loaddata needs fixtures") }
    }

    static let noInputCommands: Set<String> = ["flush", "syncdb", "migrate", "test", "collectstatic"]

    var words: [String] {
        let python = virtualenv.map { $0 + "/bin/python" } ?? "python3"
        var words = [python, "manage.py"] + command
        let name = command[0]
        if DjangoManageModule.noInputCommands.contains(name) && !command.contains("--noinput") && !command.contains("--no-input") {
            words.append("--noinput")
        }
        if let settings { words.append("--settings=" + settings) }
        if let pythonpath { words.append("--pythonpath=" + pythonpath) }
        if let database, ["migrate", "loaddata", "flush", "createcachetable", "dumpdata"].contains(name) { words.append("--database=" + database) }
        if name == "collectstatic" { if clear { words.append("--clear") }; if link { words.append("--link") } }
        if name == "makemigrations" && merge { words.append("--merge") }
        if name == "test" {
            if failfast { words.append("--failfast") }
            if let testrunner { words.append("--testrunner=" + testrunner) }
            words += apps
        }
        if name == "createcachetable", let cacheTable { words.append(cacheTable) }
        if name == "loaddata" { words += fixtures }
        return words
    }

    /// Whether the command's output says it changed something (Ansible's per-command filters).
    static func changed(command: String, output: String) -> Bool {
        let lines = output.splitLines
        switch command {
        case "migrate":
            return lines.contains { $0.trimmed.hasPrefix("Applying ") || $0.contains("Migrating forwards to") }
        case "collectstatic":
            for line in lines {
                let words = line.trimmed.split(separator: " ")
                if words.count >= 2, let count = Int(words[0]), count > 0,
                   line.contains("static file") && (line.contains("copied") || line.contains("symlinked")) { return true }
            }
            return false
        case "loaddata":
            return lines.contains { $0.contains("Installed") && !$0.contains("Installed 0 object") }
        case "flush":
            return true
        case "createcachetable":
            return !lines.contains { $0.contains("already exists") } && !output.isEmpty
        default:
            return false
        }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        result["cmd"] = .string(words.joined(separator: " "))
        result["project_path"] = .string(projectPath)
        result["app_path"] = .string(projectPath)
        result["virtualenv"] = virtualenv.map(Value.string) ?? .none
        result["settings"] = settings.map(Value.string) ?? .none
        result["pythonpath"] = pythonpath.map(Value.string) ?? .none
        if context.checkMode {
            result.skipped = true
            result.msg = "skipped: manage.py \(command[0]) cannot be predicted in check mode"
            return ModulePlan(result: result)
        }
        let name = command[0]
        let shell = ShellCommand(words: words).inDirectory(projectPath)
        let action = HostAction.run(shell).interpreting { output, result in
            result.record(output, command: nil)
            result["out"] = .string(output.stdoutText)
            result.changed = DjangoManageModule.changed(command: name, output: output.stdoutText)
            // A non-zero exit fails the task in the runner, with stderr (Django's traceback) in msg.
        }
        var plan = ModulePlan.change([action], result)
        plan.result.changed = false
        return plan
    }
}

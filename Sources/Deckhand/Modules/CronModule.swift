import Foundation
import Jinja

/// cron: keeps one named job in a user's crontab (or in /etc/cron.d/FILE), or removes it.
///
///     - cron: { name: clearsessions, minute: "0", hour: "3", job: "/webapps/app/venv/bin/python manage.py clearsessions", user: app }
public struct CronModule: Module {
    public static let spec = ModuleSpec(
        name: "cron",
        arguments: [
            ArgumentSpec("name", required: true, doc: "Identifies the job (written as a `#Ansible: name` comment)."),
            ArgumentSpec("job", aliases: ["value"], doc: "The command."),
            ArgumentSpec("minute", default: .string("*"), doc: "Minute field."),
            ArgumentSpec("hour", default: .string("*"), doc: "Hour field."),
            ArgumentSpec("day", default: .string("*"), aliases: ["dom"], doc: "Day of month field."),
            ArgumentSpec("month", default: .string("*"), doc: "Month field."),
            ArgumentSpec("weekday", default: .string("*"), aliases: ["dow"], doc: "Day of week field."),
            ArgumentSpec("special_time", choices: ["annually", "daily", "hourly", "monthly", "reboot", "weekly", "yearly"], doc: "@daily and friends instead of the fields."),
            ArgumentSpec("user", doc: "Whose crontab (default: the login user, or root with become)."),
            ArgumentSpec("cron_file", doc: "Write to /etc/cron.d/FILE instead of a crontab (needs user)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("disabled", type: .bool, default: .bool(false), doc: "Keep the job, commented out."),
        ],
        doc: "Adds, updates or removes one named cron job.",
        example: "- cron:\n    name: backup\n    special_time: daily\n    job: /usr/local/bin/backup")

    var name: String
    var job: String?
    var schedule: String
    var user: String?
    var cronFile: String?
    var present: Bool
    var disabled: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        job = try arguments.string("job")
        if let special = try arguments.string("special_time") {
            schedule = "@" + special
        } else {
            schedule = try ["minute", "hour", "day", "month", "weekday"].map(arguments.requiredString).joined(separator: " ")
        }
        user = try arguments.string("user")
        cronFile = try arguments.string("cron_file").map { $0.hasPrefix("/") ? $0 : "/etc/cron.d/" + $0 }
        present = try arguments.requiredString("state") == "present"
        disabled = try arguments.bool("disabled")
        if present && job == nil { throw ModuleArgumentError("job is required with state=present") }
        if cronFile != nil && user == nil && present { throw ModuleArgumentError("cron_file needs user") }
    }

    var readCommand: ShellCommand {
        if let cronFile { return ShellCommand("cat", "--", cronFile).silencingErrors.or(ShellCommand("true")) }
        return ShellCommand(words: ["crontab"] + (user.map { ["-u", $0] } ?? []) + ["-l"]).silencingErrors.or(ShellCommand("true"))
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? { readCommand }

    /// The crontab with the named job put in place (the line after its `#Ansible: name` comment).
    func edit(_ text: String) -> String {
        var lines = text.splitLines
        let marker = "#Ansible: " + name
        var entry = (disabled ? "#" : "") + schedule + " "
        if cronFile != nil, let user { entry += user + " " }
        entry += job ?? ""
        if let index = lines.firstIndex(of: marker) {
            let end = index + 1 < lines.count ? index + 2 : index + 1
            lines.replaceSubrange(index..<end, with: present ? [marker, entry] : [])
        } else if present {
            lines += [marker, entry]
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let current = probe?.stdoutText ?? ""
        let edited = edit(current)
        var result = ModuleResult(values: ["name": .string(name), "state": .string(present ? "present" : "absent")])
        guard edited != current else { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: cronFile ?? "crontab", afterHeader: cronFile ?? "crontab", before: current, after: edited))
        }
        if let cronFile {
            return .change([.put(Data(edited.utf8), to: cronFile, mode: 0o644)], result)
        }
        let install = ShellCommand(words: ["crontab"] + (user.map { ["-u", $0] } ?? []) + ["-"])
        return .change([.run(install, stdin: Data(edited.utf8))], result)
    }
}

import Foundation
import Jinja
import SSH

/// cron: manages one job in a user's crontab or in /etc/cron.d, found again by its `#Ansible: name` line.
///
///     - cron: { name: clearsessions, minute: "15", hour: "3", job: "/webapps/app/venv/bin/python manage.py clearsessions", user: app }
public struct CronModule: Module {
    static let specialTimes = ["annually", "daily", "hourly", "monthly", "reboot", "weekly", "yearly"]

    public static let spec = ModuleSpec(
        name: "cron",
        arguments: [
            ArgumentSpec("name", required: true, doc: "The job's name: the `#Ansible: name` comment that finds it again."),
            ArgumentSpec("job", aliases: ["value"], doc: "The command to run (required with state present)."),
            ArgumentSpec("user", doc: "Whose crontab (default: the login or become user); with cron_file, who runs the job (default root)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("cron_file", type: .path, doc: "A file in /etc/cron.d (a bare name goes there) instead of the user's crontab."),
            ArgumentSpec("minute", default: .string("*"), doc: "Minute field."),
            ArgumentSpec("hour", default: .string("*"), doc: "Hour field."),
            ArgumentSpec("day", default: .string("*"), aliases: ["dom"], doc: "Day of month field."),
            ArgumentSpec("month", default: .string("*"), doc: "Month field."),
            ArgumentSpec("weekday", default: .string("*"), aliases: ["dow"], doc: "Day of week field."),
            ArgumentSpec("special_time", choices: specialTimes, doc: "@reboot, @daily... instead of the five fields."),
            ArgumentSpec("disabled", type: .bool, default: .bool(false), doc: "Keep the job commented out."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Accepted; no backup is kept."),
        ],
        doc: "Adds, updates or removes one cron job, marked by a `#Ansible: NAME` comment line as Ansible writes it, "
            + "so existing Ansible-managed crontabs keep working.",
        example: "- cron:\n    name: clearsessions\n    user: app\n    minute: \"15\"\n    hour: \"3\"\n    job: /webapps/app/venv/bin/python /webapps/app/current/manage.py clearsessions")

    var name: String
    var job: String?
    var user: String?
    var present: Bool
    var cronFile: String?
    var fields: [String]
    var specialTime: String?
    var disabled: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        guard !name.contains("\n") else { throw ModuleArgumentError("cron name must be one line") }
        job = try arguments.string("job", "value")
        user = try arguments.string("user")
        present = try arguments.choice("state", ["present", "absent"], default: "present") == "present"
        if let file = try arguments.string("cron_file") {
            cronFile = file.hasPrefix("/") ? file : "/etc/cron.d/" + file
        }
        fields = try [arguments.string("minute"), arguments.string("hour"), arguments.string("day", "dom"),
                      arguments.string("month"), arguments.string("weekday", "dow")].map { $0 ?? "*" }
        specialTime = try arguments.choice("special_time", CronModule.specialTimes, default: nil)
        disabled = try arguments.bool("disabled", default: false)
        if present && job == nil { throw ModuleArgumentError("job is required with state=present") }
        if let job, job.contains("\n") { throw ModuleArgumentError("job must be one line (a newline would end the cron entry)") }
        if specialTime != nil && fields.contains(where: { $0 != "*" }) {
            throw ModuleArgumentError("special_time cannot be combined with minute, hour, day, month or weekday")
        }
        for field in fields where field.contains(where: { $0 == " " || $0 == "\n" }) {
            throw ModuleArgumentError("cron time field \(field.debugDescription) must not contain spaces")
        }
    }

    private var crontab: ShellCommand {
        ShellCommand(words: ["crontab"] + (user.map { ["-u", $0] } ?? []))
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        if let cronFile {
            return ShellCommand(parts: [.assignment("f", cronFile), .syntax("; if test -f \"$f\"; then echo present; cat -- \"$f\"; else echo absent; fi")], compound: true)
        }
        // "no crontab for user" is an empty crontab, not an error.
        return ShellCommand(parts: [.syntax("echo present;")] + crontab.appending("-l").parts + [.syntax("2>/dev/null; true")], compound: true)
    }

    /// The job line as Ansible writes it.
    var jobLine: String {
        let time = specialTime.map { "@" + $0 } ?? fields.joined(separator: " ")
        let who = cronFile != nil ? " " + (user ?? "root") : ""
        return (disabled ? "#" : "") + time + who + " " + (job ?? "")
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var lines = (probe?.stdoutText ?? "absent\n").splitLines
        let fileExists = lines.first == "present"
        if !lines.isEmpty { lines.removeFirst() }
        let before = lines
        let marker = "#Ansible: " + name
        if let index = lines.firstIndex(of: marker) {
            let hasJob = index + 1 < lines.count && !lines[index + 1].hasPrefix("#Ansible: ")
            lines.removeSubrange(index...(hasJob ? index + 1 : index))
            if present { lines.insert(contentsOf: [marker, jobLine], at: index) }
        } else if present {
            lines += [marker, jobLine]
        }
        var result = ModuleResult()
        result["jobs"] = .list(lines.filter { $0.hasPrefix("#Ansible: ") }.map { .string(String($0.dropFirst(10))) })
        if let cronFile { result["cron_file"] = .string(cronFile) }
        if lines == before && (fileExists || !present) { return .unchanged(result) }
        let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        if context.diffMode {
            let beforeText = before.isEmpty ? "" : before.joined(separator: "\n") + "\n"
            result.diffs.append(ModuleDiff(beforeHeader: cronFile ?? "crontab", afterHeader: cronFile ?? "crontab", before: beforeText, after: text))
        }
        if let cronFile {
            if lines.isEmpty && !present { return .change([.run(ShellCommand("rm", "-f", "--", cronFile))], result) }
            return .change([.put(Data(text.utf8), to: cronFile, mode: 0o644)], result)
        }
        return .change([.run(crontab.appending("-"), stdin: Data(text.utf8))], result)
    }
}

import Foundation
import Jinja

/// user: makes sure a system account exists with the given uid, shell, home and groups (or does not exist).
///
///     - user: { name: app, shell: /bin/bash, home: /webapps/app, groups: [www-data], append: yes }
public struct UserModule: Module {
    public static let spec = ModuleSpec(
        name: "user",
        arguments: [
            ArgumentSpec("name", required: true, aliases: ["user"], singleLine: true, doc: "The account name."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
            ArgumentSpec("uid", type: .int, doc: "The user id."),
            ArgumentSpec("group", singleLine: true, doc: "The primary group."),
            ArgumentSpec("groups", type: .list, doc: "Supplementary groups."),
            ArgumentSpec("append", type: .bool, default: .bool(false), doc: "Add to groups instead of setting exactly these."),
            ArgumentSpec("shell", singleLine: true, doc: "The login shell."),
            ArgumentSpec("home", type: .path, singleLine: true, doc: "The home directory."),
            ArgumentSpec("comment", singleLine: true, doc: "The GECOS field."),
            ArgumentSpec("system", type: .bool, default: .bool(false), doc: "Create a system account."),
            ArgumentSpec("create_home", type: .bool, default: .bool(true), aliases: ["createhome"], doc: "Create the home directory."),
            ArgumentSpec("password", noLog: true, singleLine: true, doc: "The encrypted password (crypt format)."),
            ArgumentSpec("remove", type: .bool, default: .bool(false), doc: "With state absent: remove the home directory too."),
            ArgumentSpec("force", type: .bool, default: .bool(false),
                         doc: "With state absent: remove the account even while it is logged in (userdel --force)."),
        ],
        doc: "Ensures a local account exists with the given attributes, or is removed.",
        example: "- user:\n    name: app\n    shell: /bin/bash\n    home: /webapps/app\n    system: yes")

    var name: String
    var present: Bool
    var uid: Int?
    var group: String?
    var groups: [String]?
    var append: Bool
    var shell: String?
    var home: String?
    var comment: String?
    var system: Bool
    var createHome: Bool
    var password: String?
    var remove: Bool
    var force: Bool

    public init(_ arguments: ModuleArguments) throws {
        name = try arguments.requiredString("name")
        present = try arguments.requiredString("state") == "present"
        uid = try arguments.int("uid")
        group = try arguments.string("group")
        groups = try arguments.list("groups")
        append = try arguments.bool("append")
        shell = try arguments.string("shell")
        home = try arguments.string("home")
        comment = try arguments.string("comment")
        system = try arguments.bool("system")
        createHome = try arguments.bool("create_home")
        password = try arguments.string("password")
        remove = try arguments.bool("remove")
        force = try arguments.bool("force")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        ShellCommand("getent", "passwd", name).and(ShellCommand("echo", "@@groups"))
            .and(ShellCommand("id", "-gn", name)).and(ShellCommand("id", "-Gn", name)).or(ShellCommand("true"))
    }

    /// The account as `getent passwd` and `id` report it.
    struct Account: Equatable {
        var uid: Int
        var gid: Int
        var comment: String
        var home: String
        var shell: String
        var primaryGroup: String
        var groups: [String]
    }

    static func parse(_ output: String) -> Account? {
        let lines = output.components(separatedBy: "\n")
        guard let entry = lines.first, entry.contains(":") else { return nil }
        let fields = entry.components(separatedBy: ":")
        guard fields.count >= 7, let uid = Int(fields[2]), let gid = Int(fields[3]) else { return nil }
        let marker = lines.firstIndex(of: "@@groups") ?? lines.count
        let primary = marker + 1 < lines.count ? lines[marker + 1].trimmed : ""
        let groups = marker + 2 < lines.count ? lines[marker + 2].split(separator: " ").map(String.init) : []
        return Account(uid: uid, gid: gid, comment: fields[4], home: fields[5], shell: fields[6],
                       primaryGroup: primary, groups: groups.filter { $0 != primary })
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let account = UserModule.parse(probe?.stdoutText ?? "")
        var result = ModuleResult()
        result["name"] = .string(name)
        result["state"] = .string(present ? "present" : "absent")
        guard present else {
            guard account != nil else { return .unchanged(result) }
            let flags = (force ? ["-f"] : []) + (remove ? ["-r"] : [])
            result["force"] = .bool(force)
            result["remove"] = .bool(remove)
            return .change([.run(ShellCommand(words: ["userdel"] + flags + [name]))], result)
        }
        guard let account else {
            var words = ["useradd"]
            if let uid { words += ["-u", String(uid)] }
            if let group { words += ["-g", group] }
            if let groups, !groups.isEmpty { words += ["-G", groups.joined(separator: ",")] }
            if let shell { words += ["-s", shell] }
            if let home { words += ["-d", home] }
            if let comment { words += ["-c", comment] }
            if let password { words += ["-p", password] }
            if system { words.append("-r") }
            words.append(createHome ? "-m" : "-M")
            words.append(name)
            if let uid { result["uid"] = .int(uid) }
            if let shell { result["shell"] = .string(shell) }
            if let home { result["home"] = .string(home) }
            if context.diffMode {
                result.diffs.append(ModuleDiff(beforeHeader: "user \(name)", afterHeader: "user \(name)",
                                               before: "state: absent\n", after: "state: present\n"))
            }
            result["createhome"] = .bool(createHome)
            result["system"] = .bool(system)
            // What useradd chose (uid, group, home...) is read back, as Ansible reports the new account.
            let create = HostAction.run(ShellCommand(words: words).and(ShellCommand("getent", "passwd", name)))
                .interpreting { output, result in
                    guard let made = UserModule.parse(output.stdoutText) else { return }
                    result["uid"] = .int(made.uid)
                    result["group"] = .int(made.gid)
                    result["comment"] = .string(made.comment)
                    result["home"] = .string(made.home)
                    result["shell"] = .string(made.shell)
                }
            return .change([create], result)
        }
        result["uid"] = .int(uid ?? account.uid)
        result["shell"] = .string(shell ?? account.shell)
        result["home"] = .string(home ?? account.home)
        var words = ["usermod"]
        var before: [String] = [], after: [String] = []
        func differ(_ key: String, _ flag: String, _ have: String, _ want: String?) {
            guard let want, want != have else { return }
            words += [flag, want]
            before.append("\(key): \(have)")
            after.append("\(key): \(want)")
        }
        differ("uid", "-u", String(account.uid), uid.map(String.init))
        differ("group", "-g", account.primaryGroup, group.flatMap { Int($0) == account.gid ? nil : $0 })
        differ("shell", "-s", account.shell, shell)
        differ("home", "-d", account.home, home)
        differ("comment", "-c", account.comment, comment)
        if let groups {
            let wanted = Set(groups.filter { $0 != account.primaryGroup })
            let have = Set(account.groups)
            let needed = append ? !wanted.isSubset(of: have) : wanted != have
            if needed {
                words += (append ? ["-a"] : []) + ["-G", groups.joined(separator: ",")]
                before.append("groups: \(account.groups.joined(separator: ","))")
                after.append("groups: \((append ? Array(have.union(wanted)).sorted() : groups).joined(separator: ","))")
            }
        }
        guard words.count > 1 else { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: "user \(name)", afterHeader: "user \(name)",
                                           before: before.joined(separator: "\n") + "\n", after: after.joined(separator: "\n") + "\n"))
        }
        return .change([.run(ShellCommand(words: words + [name]))], result)
    }
}

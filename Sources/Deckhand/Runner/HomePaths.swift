import Foundation
import Jinja
import OrderedCollections

/// A path argument on the host that starts with `~` (`~/.ssh`, `~deploy/app`) names a home folder on the host,
/// as Ansible's modules expand it there: the home of the user the task runs as (after become), or of the named
/// user. One command asks the host for the homes a task's arguments name.
extension TaskExecution {
    func expandingHomes(_ args: OrderedDictionary<String, Value>, spec: ModuleSpec,
                        target: () async throws -> Target) async throws -> OrderedDictionary<String, Value> {
        let hostPaths = Set(spec.arguments.filter { $0.type == .path || $0.type == .pathList }.flatMap { [$0.name] + $0.aliases })
        var users: [String] = []
        func collect(_ value: Value) {
            switch value {
            case .string(let text): if let user = HomePath.user(in: text), !users.contains(user) { users.append(user) }
            case .list(let items): items.forEach(collect)
            default: break
            }
        }
        for (key, value) in args where hostPaths.contains(key) { collect(value) }
        guard !users.isEmpty else { return args }

        let target = try await target()
        let output = try await target.connection.run(HomePath.query(users), become: target.become, stdin: nil)
        let homes = output.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [String: String] = [:]
        for (user, home) in zip(users, homes) where home.hasPrefix("/") { found[user] = home }
        func expand(_ value: Value) -> Value {
            switch value {
            case .string(let text): return .string(HomePath.expand(text, homes: found))
            case .list(let items): return .list(items.map(expand))
            default: return value
            }
        }
        var expanded = args
        for (key, value) in args where hostPaths.contains(key) { expanded[key] = expand(value) }
        return expanded
    }
}

/// `~` and `~user` at the start of a path.
enum HomePath {
    /// The user a path's `~` names: "" for the task's own user, nil when the path does not start with `~`.
    static func user(in path: String) -> String? {
        guard path.hasPrefix("~") else { return nil }
        let name = path.dropFirst().prefix { $0 != "/" }
        // A user name as useradd accepts it; anything else stays a literal file name, as in the shell.
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), !name.hasPrefix("-") else { return nil }
        return String(name)
    }

    static func expand(_ path: String, homes: [String: String]) -> String {
        guard let user = user(in: path), let home = homes[user] else { return path }
        return home + path.dropFirst(1 + user.count)
    }

    /// One line per user: the home from the user database ("" is the user the command runs as).
    static func query(_ users: [String]) -> ShellCommand {
        var parts: [ShellCommand.Part] = []
        for user in users {
            if user.isEmpty {
                parts.append(.syntax("h=$(getent passwd \"$(id -un)\" | cut -d: -f6); printf '%s\\n' \"${h:-$HOME}\";"))
            } else {
                parts += [.assignment("u", user), .syntax("; getent passwd \"$u\" | cut -d: -f6 | grep . || echo;")]
            }
        }
        parts.append(.syntax("true"))
        return ShellCommand(parts: parts, compound: true)
    }
}

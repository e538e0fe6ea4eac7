import Foundation
import Jinja
import OrderedCollections

/// getent: reads a name service database on the host (passwd, group, hosts, services...) with getent(1) and
/// sets `getent_<database>`: each entry's first field mapped to its other fields (several entries of one key:
/// a list of them), as Ansible's getent does.
///
///     - getent: { database: passwd, key: deploy }
///     - debug: { msg: "home: {{ getent_passwd.deploy[4] }}" }
public struct GetentModule: Module {
    public static let spec = ModuleSpec(
        name: "getent",
        setsHostVariables: true,
        arguments: [
            ArgumentSpec("database", required: true, doc: "The database: passwd, group, hosts, services, shadow..."),
            ArgumentSpec("key", doc: "One entry to look up (all of them when unset)."),
            ArgumentSpec("service", doc: "The NSS service to read from (getent -s), e.g. files."),
            ArgumentSpec("split", doc: "The field separator (':' for passwd, shadow, group and gshadow; whitespace otherwise)."),
            ArgumentSpec("fail_key", type: .bool, default: .bool(true), doc: "Fail when the key is not found."),
        ],
        doc: "Reads a name service database on the host with getent and sets getent_<database> for the next tasks.",
        example: "- getent:\n    database: passwd\n    key: root")

    var database: String
    var key: String?
    var service: String?
    var split: String?
    var failKey: Bool

    public init(_ arguments: ModuleArguments) throws {
        database = try arguments.requiredString("database")
        key = try arguments.string("key")
        service = try arguments.string("service")
        split = try arguments.string("split")
        failKey = try arguments.bool("fail_key")
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        if split == "" { return nil }
        var words = ["getent"]
        if let service { words += ["-s", service] }
        words.append(database)
        if let key { words.append(key) }
        return ShellCommand(words: words)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        if split == "" {
            return ModulePlan(result: .failure("Invalid split value. The value must be a non-empty string"))
        }
        guard let probe else { return ModulePlan(result: .failure("getent did not run")) }
        switch probe.exitStatus {
        case 0: break
        case 1: return ModulePlan(result: .failure("Missing arguments, or database unknown."))
        case 2 where failKey || key == nil:
            return ModulePlan(result: .failure("One or more supplied key could not be found in the database."))
        case 2: break
        case 3: return ModulePlan(result: .failure("Enumeration not supported on this database."))
        default:
            return ModulePlan(result: .failure("getent exited \(probe.exitStatus): \(probe.stderrText.trimmed)"))
        }
        let separator = split ?? (["passwd", "shadow", "group", "gshadow"].contains(database) ? ":" : nil)
        var entries = OrderedDictionary<String, Value>()
        var seen: [String: Int] = [:]
        for line in probe.stdoutText.split(separator: "\n") {
            let fields = separator.map { line.components(separatedBy: $0) }
                ?? line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first else { continue }
            let rest = Value.list(fields.dropFirst().map { .string($0) })
            switch seen[first, default: 0] {
            case 0: entries[first] = rest
            case 1: entries[first] = .list([entries[first]!, rest])
            default: if case .list(var all) = entries[first]! { all.append(rest); entries[first] = .list(all) }
            }
            seen[first, default: 0] += 1
        }
        if probe.exitStatus == 2, let key { entries[key] = Value.none }
        var result = ModuleResult()
        result.facts = ["getent_" + database: .dict(entries)]
        return .unchanged(result)
    }
}

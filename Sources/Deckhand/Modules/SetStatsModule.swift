import Foundation
import Jinja
import OrderedCollections

/// set_stats: names values for the end of the run (Ansible's custom stats). A built-in playbook tells its verb
/// what happened this way: the verb reads the name, never a task's title.
///
///     - set_stats:
///         data: { backup_created: "{{ backup_dir }}/{{ backup_name.stdout }}" }
///         per_host: true
public struct SetStatsModule: Module {
    public static let spec = ModuleSpec(
        name: "set_stats",
        arguments: [
            ArgumentSpec("data", type: .dict, required: true,
                         doc: "The stats to set: each key a name (letters, digits and _), each value any value."),
            ArgumentSpec("per_host", type: .bool, default: .bool(false),
                         doc: "Keep the stats under the host (true) or once for the whole run (false)."),
            ArgumentSpec("aggregate", type: .bool, default: .bool(true), doc: """
                Add to a stat already set (numbers sum, text and lists join, dicts merge; a value of another \
                type is ignored) instead of replacing it.
                """),
        ],
        argumentProblemWording: ModuleSpec.invalidOptions("set_stats"),
        doc: """
            Sets custom stats for the run, kept in the run's summary (deckhand's verbs read their outcome from \
            them); changes nothing on the host.
            """,
        example: "- set_stats:\n    data:\n      backup_created: \"{{ backup_path }}\"\n    per_host: true")

    var update: StatsUpdate

    public init(_ arguments: ModuleArguments) throws {
        guard case .dict(let data)? = arguments.value("data") else {
            throw ModuleArgumentError("The 'data' option needs to be a dictionary/hash")
        }
        for name in data.keys where !SetFactModule.isIdentifier(name) {
            throw ModuleArgumentError("The variable name '\(name)' is not valid. Variables must start with a letter or "
                                      + "underscore character, and contain only letters, numbers and underscores.")
        }
        update = StatsUpdate(data: data, perHost: try arguments.bool("per_host"),
                             aggregate: try arguments.bool("aggregate"))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        .unchanged(ModuleResult(values: ["ansible_stats": update.reported]))
    }
}

/// One set_stats result: the stats it names and how they join those already set. It travels in the task's
/// result as `ansible_stats`, where the runner collects it (as Ansible's strategy does).
public struct StatsUpdate: Sendable, Hashable {
    public var data: OrderedDictionary<String, Value>
    public var perHost: Bool
    public var aggregate: Bool

    public init(data: OrderedDictionary<String, Value>, perHost: Bool = false, aggregate: Bool = true) {
        self.data = data
        self.perHost = perHost
        self.aggregate = aggregate
    }

    /// The update read back from a result's `ansible_stats`; nil when there is none or it names nothing.
    public init?(reported: Value?) {
        guard case .dict(let stats)? = reported, case .dict(let data)? = stats["data"], !data.isEmpty else { return nil }
        self.init(data: data, perHost: stats["per_host"] == .bool(true), aggregate: stats["aggregate"] != .bool(false))
    }

    /// As the result reports it (`ansible_stats`).
    public var reported: Value {
        .dict(["data": .dict(data), "per_host": .bool(perHost), "aggregate": .bool(aggregate)])
    }
}

import Foundation
import Jinja

/// gather_facts: gathers the host's facts as a task, as the play's `gather_facts: true` does (through setup).
///
///     - gather_facts:
///     - debug: { msg: "{{ ansible_distribution }}" }
public struct GatherFactsModule: Module {
    public static let spec: ModuleSpec = {
        var spec = ModuleSpec(
            name: "gather_facts",
            arguments: SetupModule.spec.arguments + [
                ArgumentSpec("parallel", type: .bool, doc: "Accepted for compatibility: deckhand's one fact module runs once either way."),
                ArgumentSpec("gather_timeout", type: .int, default: .int(10), doc: "Accepted for compatibility: facts come in one command."),
            ],
            doc: "Gathers facts as the play keyword gather_facts does (the setup module's facts, as ansible_facts.X and "
                + "ansible_X), for a play that starts with gather_facts: false or wants them again later.",
            example: "- gather_facts:\n- debug:\n    msg: \"{{ ansible_distribution }}\"")
        spec.registeredFactPrefix = "ansible_"
        return spec
    }()

    var setup: SetupModule

    public init(_ arguments: ModuleArguments) throws {
        setup = try SetupModule(arguments)
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? { try setup.probe(context) }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        try setup.plan(probe, context)
    }
}

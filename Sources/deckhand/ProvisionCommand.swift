import ArgumentParser
import Deckhand
import Foundation

/// `deckhand provision STAGE`: playbooks/provision.yml, a fresh host to the full web host (idempotent).
struct ProvisionCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Bring a Debian/Ubuntu host to the full web host layout (idempotent; --check shows what would change).")

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @OptionGroup var options: StageOptions

    func run() async throws {
        let run = try await VerbRun.run(.provision, stage: stage, variables: [], options: options,
                                        connection: deckhand.connection)
        try run.finish({
            let changed = run.summary.stats.reduce(0) { $0 + $1.stats.changed }
            return changed == 0 ? "\(stage) is provisioned; nothing needed changing"
                : "\(stage) is provisioned (\(changed) change\(changed == 1 ? "" : "s"))"
        }(), action: "provision", changesHost: true)
    }
}

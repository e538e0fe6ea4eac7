import ArgumentParser
import Deckhand
import Foundation

/// `deckhand certs status|renew STAGE`: playbooks/certs.yml.
struct CertsCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Days until the served TLS certificate expires, or renew it with certbot now.",
        discussion: "renew forces certbot to renew; its deploy hook validates the nginx config and reloads nginx, "
            + "then deckhand checks nginx serves the new certificate.")

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case status, renew
    }

    @Argument(help: ArgumentHelp("status or renew.", valueName: "action"))
    var action: Action

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @OptionGroup var options: StageOptions

    func run() async throws {
        let run = try await VerbRun.run(.certs, stage: stage, variables: [("certs_action", .string(action.rawValue))],
                                        options: options, connection: deckhand.connection)
        try run.finish(run.text(.certificate)
                           ?? "certs \(action.rawValue) on \(stage) done", action: "certs \(action.rawValue)", changesHost: action == .renew)
    }
}

import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand history STAGE`: playbooks/history.yml, the deploys and rollbacks recorded in .deckhand/history.
struct HistoryCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the deploys and rollbacks of a stage (oldest first), with the releases on the host.")

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @Option(name: .customLong("limit"), help: ArgumentHelp("How many of the newest lines to show.", valueName: "n"))
    var limit: Int = 20

    @OptionGroup var options: StageOptions

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let run = try await VerbRun.run(.history, stage: stage, variables: [("history_limit", .int(limit))],
                                        options: options, connection: deckhand.connection)
        let lines = run.lines(.history).compactMap(DeployHistoryLine.init(parsing:))
        let current = run.text(.currentRelease)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if run.succeeded {
            if lines.isEmpty {
                run.say("no deploys recorded on \(stage) yet")
            } else {
                run.say(DeployHistoryLine.table(lines))
            }
        }
        try run.finish(current.isEmpty ? "\(stage): no release is current"
                       : "\(stage): current release \(current)", action: "history")
    }
}

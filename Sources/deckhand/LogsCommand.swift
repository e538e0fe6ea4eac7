import ArgumentParser
import Deckhand
import Foundation

/// `deckhand logs rotate STAGE`: playbooks/logs_rotate.yml.
struct LogsCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Rotate every log of a stage now and check each writer moved to the new file.",
        discussion: "Only 'rotate' exists yet; 'tail' is planned.")

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case rotate
    }

    @Argument(help: ArgumentHelp("rotate.", valueName: "action"))
    var action: Action

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @OptionGroup var options: StageOptions

    func run() async throws {
        let run = try await VerbRun.run("logs_rotate.yml", stage: stage, variables: [], options: options,
                                        connection: deckhand.connection)
        try run.finish("logs of \(stage) rotated; every writer now logs to the new files", action: "logs rotate", changesHost: true)
    }
}

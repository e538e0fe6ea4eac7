import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand maintenance on|off|status STAGE`: playbooks/maintenance.yml.
struct MaintenanceCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Turn maintenance mode on or off (503 with the maintenance page), or show since when it is on.",
        discussion: """
            on/off is one atomic rename of /webapps/<domain>/maintenance_off.html <-> maintenance_on.html, then a \
            check through nginx on the host that the site answers 503 with the page (or no longer does).
            """)

    enum State: String, ExpressibleByArgument, CaseIterable {
        case on, off, status
    }

    @Argument(help: ArgumentHelp("on, off or status.", valueName: "state"))
    var state: State

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @Option(name: .customLong("message"), help: ArgumentHelp(
        "With on: the text of the page for this maintenance (off puts the default back).", valueName: "text"))
    var message: String?

    @OptionGroup var options: StageOptions

    func validate() throws {
        if message != nil && state != .on {
            throw ValidationError("--message goes with 'maintenance on' only")
        }
    }

    func run() async throws {
        var variables: [(String, Jinja.Value)] = [("maintenance_state", .string(state.rawValue))]
        if let message { variables.append(("maintenance_text", .string(message))) }
        let run = try await VerbRun.run(.maintenance, stage: stage, variables: variables,
                                        options: options, connection: deckhand.connection)
        let since = UTCClock.hoursMinutes(Date())
        try run.finish({
            switch state {
            case .on:
                return "maintenance is ON on \(stage) (503 served since \(since) UTC)"
            case .off:
                let code = run.text(.siteAnswer)
                return "maintenance is OFF on \(stage)" + (code.map { " (the site answers \($0))" } ?? "")
            case .status:
                return run.text(.maintenanceStatus).map { "\(stage): \($0)" }
                    ?? "\(stage): maintenance state unknown (see above)"
            }
        }(), action: "maintenance \(state.rawValue)", changesHost: state != .status)
    }
}

import ArgumentParser
import Deckhand
import Foundation

/// `deckhand status STAGE`: playbooks/status.yml, one screen about the stage.
struct StatusCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "One screen about a stage: version, maintenance, services, certificate, last backup, disk, Redis.")

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @OptionGroup var options: StageOptions

    func run() async throws {
        let run = try await VerbRun.run(.status, stage: stage, variables: [], options: options,
                                        connection: deckhand.connection)
        let lines = run.lines(.statusLines)
        // The screen itself, one fact per line (the report above prints the registered list as data).
        if run.succeeded && !lines.isEmpty { run.say("\n" + lines.joined(separator: "\n"), shownLive: true) }
        try run.finish({
            // The things a user acts on at 2 a.m., repeated as one line under the screen.
            let alarms = lines.filter { $0.contains("NOT RUNNING") || $0.contains("EXPOSED") || $0.contains("NONE SERVED")
                || $0.contains("FATAL") || $0.contains("STOPPED") || $0.contains("BACKOFF") }
            let version = lines.first { $0.hasPrefix("version:") }.map { $0.dropFirst("version:".count)
                .trimmingCharacters(in: .whitespaces) } ?? "unknown"
            let maintenance = lines.first { $0.hasPrefix("maintenance:") }.map { $0.dropFirst("maintenance:".count)
                .trimmingCharacters(in: .whitespaces) } ?? "unknown"
            let health = alarms.isEmpty ? "all services running"
                : "ATTENTION: " + alarms.map { $0.replacingOccurrences(of: "  ", with: " ") }.joined(separator: "; ")
            return "\(stage): version \(version), maintenance \(maintenance), \(health)"
        }(), action: "status")
    }
}

import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand maintenance on|off|status STAGE`: playbooks/maintenance.yml.
struct MaintenanceCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Turn maintenance mode on or off (503 with the maintenance page), or show who turned it on, when and why.",
        discussion: """
            on/off is one atomic rename of /webapps/<domain>/maintenance_off.html <-> maintenance_on.html, then a \
            check through nginx on the host that the site answers 503 with the page (or no longer does). \
            --allow lets addresses through to the app while everyone else gets the page (nginx is reloaded with \
            the list before the page goes on); each 'on' gives the whole list, 'off' empties it. A window turned \
            on here stays on through deploys; only 'maintenance off' ends it.
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

    @Option(name: .customLong("allow"), help: ArgumentHelp(
        "With on: an address or CIDR block (203.0.113.7, 10.0.0.0/8, 2001:db8::/48) that still reaches the app (repeatable).",
        valueName: "cidr"))
    var allow: [String] = []

    @Option(name: .customLong("until"), help: ArgumentHelp(
        "With on: when it should end, shown on the page: HH:MM (UTC, the next one), YYYY-MM-DD HH:MM (UTC), ISO 8601 with Z or an offset, or a span from now (45m, 2h, 1h30m).",
        valueName: "time"))
    var until: String?

    @OptionGroup var options: StageOptions

    func validate() throws {
        if state != .on {
            if message != nil { throw ValidationError("--message goes with 'maintenance on' only") }
            if !allow.isEmpty { throw ValidationError("--allow goes with 'maintenance on' only") }
            if until != nil { throw ValidationError("--until goes with 'maintenance on' only") }
        }
        _ = try allowedBlocks()
        _ = try end()
    }

    /// --allow, each checked strictly and written the way nginx reads it; the same block given twice counts once.
    func allowedBlocks() throws -> [AddressBlock] {
        var blocks: [AddressBlock] = []
        for text in allow {
            do {
                let block = try AddressBlock(text)
                if !blocks.contains(block) { blocks.append(block) }
            } catch let error as AddressBlockError {
                throw ValidationError("--allow \(error.description)")
            }
        }
        return blocks
    }

    func end() throws -> MaintenanceEnd? {
        guard let until else { return nil }
        do {
            return try MaintenanceEnd(until)
        } catch let error as MaintenanceEndError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let blocks = try allowedBlocks()
        var variables: [(String, Jinja.Value)] = [
            ("maintenance_state", .string(state.rawValue)),
            ("maintenance_performer", .string(StageNotification.performer)),
        ]
        if let message { variables.append(("maintenance_text", .string(message))) }
        if state == .on {
            variables.append(("maintenance_allow", .list(blocks.map { .string($0.description) })))
            // The playbook checks the page from 127.0.0.1: when that is let through it must see the app instead.
            variables.append(("maintenance_loopback_allowed", .bool(blocks.contains { $0.contains("127.0.0.1") })))
        }
        if let end = try end() { variables.append(("maintenance_until", .string(end.text))) }
        let started = Date()
        let run = try await VerbRun.run(.maintenance, stage: stage, variables: variables,
                                        options: options, connection: deckhand.connection)
        if state != .status {
            let notice = DeckhandNotice(stage: stage, action: "maintenance \(state.rawValue)",
                                        performer: StageNotification.performer,
                                        duration: Date().timeIntervalSince(started),
                                        outcome: run.succeeded ? "ok" : "failed", message: message ?? "")
            await StageNotification.send(notice, target: run.target, checkMode: run.checkMode)
        }
        if state == .status && run.succeeded {
            MaintenanceWindowLines.print(run.lines(.maintenanceWindow))
        }
        let since = UTCClock.hoursMinutes(Date())
        try run.finish({
            switch state {
            case .on:
                let allowed = blocks.isEmpty ? "" : ", \(blocks.map(\.description).joined(separator: " ")) let through"
                return "maintenance is ON on \(stage) (503 served since \(since) UTC\(allowed))"
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

/// The record of a window `maintenance status` prints above its final line: who turned it on and how, the
/// message, the expected end and the allow list.
enum MaintenanceWindowLines {
    static func print(_ record: [String]) {
        var fields: [String: String] = [:]
        for line in record {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard !fields.isEmpty else { return }
        let how = ["manual": "by hand (deckhand maintenance on)", "deploy": "by a deploy, while it migrates",
                   "rollback": "by a rollback"][fields["by"] ?? ""] ?? (fields["by"] ?? "?")
        var lines = ["turned on:  \(how), by \(fields["performer"].flatMap { $0.isEmpty ? nil : $0 } ?? "?")"]
        if let message = fields["message"], !message.isEmpty { lines.append("message:    \(message)") }
        if let until = fields["until"], !until.isEmpty { lines.append("until:      \(until)") }
        let allow = fields["allow"] ?? ""
        lines.append("allowed:    " + (allow.isEmpty ? "nobody (everyone gets the page)" : allow))
        for line in lines { Swift.print(TerminalText.escaped(line)) }
    }
}

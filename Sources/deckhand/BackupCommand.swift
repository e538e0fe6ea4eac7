import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand backup create|list|verify|restore|prune STAGE`: playbooks/backup.yml.
struct BackupCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Database backups in /webapps/<domain>/DB_backups: create, list, verify, restore, prune.",
        discussion: """
            create: pg_dump -Fc named <version>_<UTC time>.dump, kept only once pg_restore reads the whole archive back, then prune. \
            prune: keep the newest backup_keep_count dumps, none older than backup_keep_days. \
            verify: read every dump back in full (or only --file); a cut dump is BROKEN. \
            restore: --file (default: the newest) into the database --into; the live database is refused \
            unless --yes-overwrite-live.
            """)

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case create, list, verify, restore, prune
    }

    @Argument(help: ArgumentHelp("create, list, verify, restore or prune.", valueName: "action"))
    var action: Action

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @Option(name: .customLong("into"), help: ArgumentHelp("restore: the database to restore into.", valueName: "db"))
    var into: String?

    @Option(name: .customLong("file"), help: ArgumentHelp(
        "restore/verify: the dump's file name in DB_backups (default: the newest / all).", valueName: "name"))
    var file: String?

    @Flag(name: .customLong("yes-overwrite-live"), help: "restore: allow restoring over the live database.")
    var yesOverwriteLive = false

    @OptionGroup var options: StageOptions

    func validate() throws {
        if action == .restore && (into ?? "").isEmpty {
            throw ValidationError("backup restore needs --into DB: the database to restore into (a scratch one, or the live one with --yes-overwrite-live)")
        }
        if action != .restore && (into != nil || yesOverwriteLive) {
            throw ValidationError("--into and --yes-overwrite-live go with 'backup restore' only")
        }
        if file != nil && action != .restore && action != .verify {
            throw ValidationError("--file goes with 'backup restore' or 'backup verify' only")
        }
    }

    func run() async throws {
        var variables: [(String, Jinja.Value)] = [("backup_action", .string(action.rawValue))]
        if let into { variables.append(("restore_database", .string(into))) }
        if let file { variables.append(("backup_file", .string(file))) }
        if yesOverwriteLive { variables.append(("backup_overwrite_live", .bool(true))) }
        let run = try await VerbRun.run(.backup, stage: stage, variables: variables, options: options,
                                        connection: deckhand.connection)
        try run.finish({
            switch action {
            case .create:
                return run.text(.backupCreated).map { "backup created: \($0)" }
                    ?? "backup create on \(stage) done"
            case .list:
                let count = run.lines(.backups).filter { !$0.isEmpty }.count
                return "\(count) backup\(count == 1 ? "" : "s") on \(stage)"
            case .verify:
                let lines = run.lines(.backupsVerified).filter { !$0.isEmpty }
                return lines.isEmpty ? "no backups to verify on \(stage)"
                    : "all \(lines.count) backup\(lines.count == 1 ? "" : "s") on \(stage) read back in full with pg_restore"
            case .restore:
                return run.text(.backupRestored) ?? "restore on \(stage) done"
            case .prune:
                return run.text(.backupsPruned).map { "pruned on \(stage): \($0)" }
                    ?? "nothing to prune on \(stage)"
            }
        }(), action: "backup \(action.rawValue)", changesHost: action == .create || action == .restore || action == .prune)
    }
}

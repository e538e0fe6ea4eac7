import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand deploy STAGE [--ref REF]`: playbooks/deploy.yml, a new release locked, backed up, health-checked.
struct DeployCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a branch, tag or commit as a new release without downtime; roll back by itself if unhealthy.",
        discussion: """
            Lock, pre-flight (ref, disk, database, current release healthy), verified pg_dump backup, \
            releases/<UTC time>-<ref>/ with its static files and a .venv shared with the releases of the same \
            requirements and Python (built only when none has them), migrations (maintenance on while they \
            run), atomic switch of repo, gunicorn HUP (no failed request), RQ restart, health check through nginx \
            (a failure puts the previous release back and names the backup), history line. The same commit \
            already live: only the health check runs. Ctrl-C stops after the current task, rolls back if the \
            switch happened and releases the lock; a second Ctrl-C quits at once (the lock then stays: see \
            `deckhand lock`).
            """)

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @Option(name: .customLong("ref"), help: ArgumentHelp(
        "The branch, tag or commit to deploy (default: the stage's app_repo_ref).", valueName: "ref"))
    var ref: String?

    @Option(name: .customLong("message"), help: ArgumentHelp("Why: shown in the lock and the history.", valueName: "text"))
    var message: String?

    @Option(name: .customLong("lock-wait"), help: ArgumentHelp(
        "Seconds to wait for another deploy's lock before giving up (default: the stage's deploy_lock_wait, 0).",
        valueName: "seconds"))
    var lockWait: Int?

    @Flag(name: .customLong("skip-backup"), help: "Do not back up the database first.")
    var skipBackup = false

    @Flag(name: .customLong("no-maintenance"), help: "Keep serving while migrations run (no maintenance page).")
    var noMaintenance = false

    @Option(name: .customLong("keep"), help: ArgumentHelp(
        "How many releases to keep, the current one included (default: the stage's deploy_keep, 5).", valueName: "n"))
    var keep: Int?

    @Flag(name: .customLong("force"), help: "Build a new release even when the ref's commit already is live.")
    var force = false

    @OptionGroup var options: StageOptions

    func validate() throws {
        if let lockWait, lockWait < 0 { throw ValidationError("--lock-wait takes seconds, 0 or more") }
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1 (the current release)") }
        if let ref, ref.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--ref needs a branch, tag or commit") }
    }

    func run() async throws {
        // Only what was given on the command line: the stage's own settings stay otherwise.
        var variables: [(String, Jinja.Value)] = []
        if let lockWait { variables.append(("deploy_lock_wait", .int(lockWait))) }
        if let keep { variables.append(("deploy_keep", .int(keep))) }
        if let ref { variables.append(("deploy_ref", .string(ref))) }
        if let message { variables.append(("deploy_message", .string(message))) }
        if skipBackup { variables.append(("deploy_skip_backup", .bool(true))) }
        if noMaintenance { variables.append(("deploy_maintenance", .bool(false))) }
        if force { variables.append(("deploy_force", .bool(true))) }
        let (run, outcome, seconds, interrupted) = try await DeployRunner.run(
            .deploy, stage: stage, variables: variables, options: options, connection: deckhand.connection)
        try run.finish({
            if run.checkMode {
                return run.text(.deployPlan).map { "check mode: deploy on \(stage) \($0)" }
                    ?? "deploy of \(stage) checked"
            }
            var line = "deployed \(outcome["ref"] ?? ref ?? "?") (\(outcome["commit"] ?? "?")) to \(stage) as release \(outcome["release"] ?? "?") in \(seconds)s"
            if outcome["virtualenv"] == "reused" { line += " (virtualenv reused: same requirements and Python)" }
            if outcome["unchanged"]?.lowercased() == "true" { line += "; it was already live, health checked" }
            // A window someone opened stays open: the deploy says so rather than end it.
            if outcome["maintenance"]?.lowercased() == "true" {
                line += "; maintenance stays ON, as it was before the deploy (deckhand maintenance off \(stage) ends it)"
            }
            return line
        }(), action: interrupted ? "deploy (interrupted)" : "deploy", changesHost: false)
    }
}

/// What deploy.yml and rollback.yml are told about who runs them, and where the user's hooks are.
enum DeployRunner {
    /// Runs the playbook of `verb` (deploy or rollback) with Ctrl-C stopping it cleanly; a refused lock or a
    /// failed run becomes the user's error. Returns the run, the fields of its outcome (deployed, rolled_back),
    /// the seconds taken and whether Ctrl-C stopped it.
    static func run(_ verb: BuiltInVerb, stage: String, variables: [(String, Jinja.Value)], options: StageOptions,
                    connection: ConnectionOptions) async throws
        -> (run: VerbRun, outcome: [String: String], seconds: String, interrupted: Bool) {
        let action = verb.rawValue
        let (failed, done): (VerbOutcome, VerbOutcome) = verb == .deploy ? (.deployFailed, .deployed) : (.rollbackFailed, .rolledBack)
        let started = Date()
        let interruption = CtrlC.stopsRun(action)
        let run = try await VerbRun.run(verb, stage: stage, variables: variables, options: options,
                                        connection: connection, interruption: interruption, defaults: identity)
        let elapsed = Date().timeIntervalSince(started)
        let seconds = String(format: "%.1f", elapsed)
        let fields = run.fields(done)
        let given = Dictionary(variables, uniquingKeysWith: { $1 }).mapValues(\.plainText)
        var notice = DeckhandNotice(
            stage: stage, action: action, ref: fields["ref"] ?? given[verb == .deploy ? "deploy_ref" : "rollback_to"] ?? "",
            commit: fields["commit"] ?? "", release: fields["release"] ?? "", performer: StageNotification.performer,
            duration: elapsed, outcome: "ok", message: given["deploy_message"] ?? "")
        if let refusal = run.text(.lockRefused) {
            notice.outcome = "refused"
            notice.message = refusal
            await StageNotification.send(notice, target: run.target, checkMode: run.checkMode)
            throw DeckhandFailure(.failed, "\(action) refused: " + refusal)
        }
        if let failure = run.text(failed) {
            let line = summary(of: failure, action: action, stage: stage)
            notice.outcome = interruption.wasRequested ? "interrupted" : "failed"
            notice.message = line
            await StageNotification.send(notice, target: run.target, checkMode: run.checkMode)
            throw DeckhandFailure(.failed, line)
        }
        if !run.succeeded {
            notice.outcome = interruption.wasRequested ? "interrupted" : "failed"
        } else if fields["unchanged"]?.lowercased() == "true" {
            notice.outcome = "unchanged"
        }
        await StageNotification.send(notice, target: run.target, checkMode: run.checkMode)
        return (run, fields, seconds, interruption.wasRequested)
    }

    /// deploy_user, deploy_machine, deploy_pid (for the lock and the history) and deploy_hooks_dir
    /// (hooks/ beside deckhand.yml); an -e of the same name wins.
    static func identity(_ target: StageTarget) -> [(String, Jinja.Value)] {
        let environment = ProcessInfo.processInfo.environment
        let user = environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? NSUserName()
        var values: [(String, Jinja.Value)] = [
            ("deploy_user", .string(user)),
            ("deploy_machine", .string(machineName)),
            ("deploy_pid", .string(String(ProcessInfo.processInfo.processIdentifier))),
        ]
        values.append(("deploy_stage", .string(target.name)))
        if let folder = target.configDirectory {
            values.append(("deploy_hooks_dir", .string((folder as NSString).appendingPathComponent("hooks"))))
        }
        return values
    }

    /// The final stderr line of a failed deploy or rollback: the playbook's explanation without the log lines.
    static func summary(of failure: String, action: String, stage: String) -> String {
        let lines = failure.split(separator: "\n").map(String.init)
        var kept: [String] = []
        var inLog = false
        for line in lines {
            if line.hasPrefix("Last lines of ") { inLog = true; continue }
            if inLog && line.hasPrefix("  ") && !line.hasPrefix("  deckhand ") { continue }
            inLog = false
            kept.append(line.trimmingCharacters(in: .whitespaces))
        }
        return "\(action) failed on \(stage): " + kept.joined(separator: " ") + " (gunicorn log lines above)"
    }

    /// This machine's short host name, as the lock records it.
    static var machineName: String {
        let name = ProcessInfo.processInfo.hostName
        return name.split(separator: ".").first.map(String.init) ?? name
    }
}

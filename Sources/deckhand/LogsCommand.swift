import ArgumentParser
import Deckhand
import Foundation

/// `deckhand logs rotate|tail STAGE`: the logs of app_logs (defaults.yml), rotated or followed.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Rotate every log of a stage now, or show them all as one stream.",
        discussion: """
            The logs are app_logs of the built-in playbooks' defaults.yml (nginx access and error, gunicorn, \
            rqworker, rqscheduler, app, cron under /webapps/<domain>/logs): the list logrotate rotates, so \
            both verbs always see the same files. A stage may override app_logs like any other variable.
            """,
        subcommands: [LogsRotateCommand.self, LogsTailCommand.self])
}

/// `deckhand logs rotate STAGE`: playbooks/logs_rotate.yml.
struct LogsRotateCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Rotate every log of a stage now and check each writer moved to the new file.")

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @OptionGroup var options: StageOptions

    func run() async throws {
        let run = try await VerbRun.run(.logsRotate, stage: stage, variables: [], options: options,
                                        connection: deckhand.connection)
        try run.finish("logs of \(stage) rotated; every writer now logs to the new files", action: "logs rotate", changesHost: true)
    }
}

/// `deckhand logs tail STAGE`: one remote tail over the stage's logs, each line prefixed with its log.
struct LogsTailCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the last lines of every log of a stage, each prefixed with its log; -f keeps following.",
        discussion: """
            e.g. deckhand logs tail production -f --service nginx,gunicorn. Each line starts with its log \
            ('gunicorn     | ...'; a service with several files is named by file: nginx-access, nginx-error), \
            coloured on a terminal unless NO_COLOR is set. Without -f the last N lines of each log are printed, \
            log after log. With -f they are followed as one stream (through rotation, and a log that appears \
            later) until Ctrl-C, which ends the remote tail too. Reads as root (nginx's logs are root's and \
            adm's) through sudo, as the playbooks do. A log that does not exist yet is reported on stderr, not \
            an error. --check prints the remote command instead of running it.
            --grep and --since filter the lines here, not on the host (the pattern never reaches a shell): \
            without -f the whole of each log is read and the last N lines that match are shown (with --since and \
            no -n: every line since then); with -f --since every line since then is shown, then new ones; with \
            -f --grep the last N lines and new ones, those that match. A line's time is read from the line \
            (gunicorn, nginx, RQ and Python logging stamps; UTC when no zone is given); a line with none (a \
            traceback) goes with the line above it.
            """)

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host (-i).", valueName: "stage"))
    var stage: String

    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new lines until Ctrl-C.")
    var follow = false

    @Option(name: [.customShort("n"), .customLong("lines")], help: ArgumentHelp(
        "How many of the last lines of each log to print first (default 10).", valueName: "n"))
    var lines: Int?

    @Option(name: .customLong("grep"), help: ArgumentHelp(
        "Only lines matching this regular expression (e.g. 'ERROR|Traceback', ' 5[0-9][0-9] ').", valueName: "pattern"))
    var grep: String?

    @Option(name: .customLong("since"), help: ArgumentHelp(
        "Only lines written in this last span of time: 90s, 15m, 2h, 1d, 1h30m.", valueName: "duration"))
    var since: String?

    @Option(name: .customLong("service"), help: ArgumentHelp(
        "Only these services' logs: nginx, gunicorn, rqworker, rqscheduler, app, cron (repeatable, or comma-separated).",
        valueName: "service"))
    var services: [String] = []

    @OptionGroup var options: StageOptions

    func validate() throws {
        if let lines, lines < 0 { throw ValidationError("-n takes a number of lines, 0 or more; got \(lines)") }
        if follow && since != nil && lines != nil {
            throw ValidationError("-n does not go with -f --since: every line since then is shown, then the new ones")
        }
        _ = try selection()
    }

    /// --grep and --since as a selection; with neither, every line passes.
    func selection() throws -> LogLineSelection {
        do {
            let span = try since.map { try TimeSpan($0) }
            // Without -f the whole logs are searched: keep the last N passing lines of each (all since --since).
            let last = follow ? nil : (lines ?? (span == nil ? 10 : nil))
            return try LogLineSelection(grep: grep, since: span, last: last)
        } catch let error as TimeSpanError {
            throw ValidationError("--since \(error.description)")
        } catch let error as LogLineSelectionError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        if options.output == .json { JSONOutcome.expect(command: "logs tail", stage: stage) }
        let host = try StageHost.resolve(stage, options: options, verb: "logs tail")
        let logs: [AppLog]
        do {
            let wanted = services.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                .filter { !$0.isEmpty }
            logs = try AppLog.selecting(wanted, from: AppLog.list(from: host.requiredValue("app_logs")))
        } catch let error as AppLogError {
            throw DeckhandFailure(.usage, "\(stage): \(error)")
        }
        let selection = try selection()
        let wholeLogs = !selection.isEmpty && (!follow || since != nil)
        let tail = LogTail(logs: logs, lines: lines ?? 10, follow: follow, wholeLogs: wholeLogs)
        let become = try host.root()
        if options.check || options.verbose > 0 {
            if options.output == .human { print("\(stage): \(tail.command.becoming(become))") }
            if options.check {
                JSONOutcome.write(ok: true, exitCode: 0, message: "\(stage): \(tail.command.becoming(become))", checkMode: true)
                return
            }
        }
        let printer = LogTailPrinter(tail: tail, selection: selection, stage: stage,
                                     colours: isatty(STDOUT_FILENO) == 1 && TerminalCapabilities.coloursWanted(),
                                     json: options.output == .json)
        // Ctrl-C (or a TERM) ends -f: cancelling closes the channel, and the remote side ends with it.
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            // Before the remote tail runs there is nothing to end on the host: stop at once, as Ctrl-C does.
            source.setEventHandler { if !printer.stop() { Foundation.exit(128 + number) } }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let connection = try await host.connect(deckhand.connection)
        let work = Task {
            try await connection.run(tail.command, become: become, stdin: nil) { stream, data in
                printer.receive(data, from: stream)
            }
        }
        printer.onStop { work.cancel() }
        let outcome = await work.result
        await connection.close()
        printer.finish()

        switch outcome {
        case .failure where printer.stopped:
            JSONOutcome.write(ok: true, exitCode: 0, message: "\(stage): logs tail stopped")
            return
        case .failure(let error as ConnectionError):
            throw DeckhandFailure(.unreachable, "\(stage): \(error.located)")
        case .failure(let error):
            throw error
        case .success(let result):
            if printer.succeeded(exitStatus: result.exitStatus) {
                JSONOutcome.write(ok: true, exitCode: 0, message: "\(stage): printed the logs")
                return
            }
            Terminal.error("""
                logs tail failed on \(stage): the remote command exited with status \(result.exitStatus) (see above). \
                It reads the logs as root: the login user needs sudo (with a password, set ansible_become_password \
                for the stage or DECKHAND_BECOME_PASSWORD).
                """)
            throw ExitCode(DeckhandExit.failed.rawValue)
        }
    }
}

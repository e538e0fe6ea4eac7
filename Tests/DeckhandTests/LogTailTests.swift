import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// `deckhand logs tail` without a host: which files app_logs names, the remote command, and reading tail's
/// output back into lines per log however the chunks are cut.
final class LogTailTests: XCTestCase {
    private let logs = [
        AppLog(service: "nginx", label: "nginx-access", path: "/w/logs/nginx-access.log"),
        AppLog(service: "nginx", label: "nginx-error", path: "/w/logs/nginx-error.log"),
        AppLog(service: "gunicorn", label: "gunicorn", path: "/w/logs/gunicorn_supervisor.log"),
        AppLog(service: "cron", label: "cron", path: "/w/logs/cron.log"),
    ]
    private var access: AppLog { logs[0] }
    private var error: AppLog { logs[1] }
    private var gunicorn: AppLog { logs[2] }
    private var cron: AppLog { logs[3] }

    // MARK: app_logs

    func testAppLogsNameEachFileByItsServiceOrByItsNameWhenTheServiceHasSeveral() throws {
        let value = Value.dict([
            "nginx": .list([.string("/w/logs/nginx-access.log"), .string("/w/logs/nginx-error.log")]),
            "gunicorn": .list([.string("/w/logs/gunicorn_supervisor.log")]),
            "cron": .string("/w/logs/cron.log"),
        ])
        XCTAssertEqual(try AppLog.list(from: value), logs)
    }

    func testAServiceFilterKeepsItsLogsAndAnUnknownOneNamesTheKnownOnes() throws {
        XCTAssertEqual(try AppLog.selecting(["nginx"], from: logs), [access, error])
        XCTAssertEqual(try AppLog.selecting(["cron", "gunicorn"], from: logs), [gunicorn, cron])
        XCTAssertEqual(try AppLog.selecting([], from: logs), logs)
        XCTAssertThrowsError(try AppLog.selecting(["celery"], from: logs)) { error in
            XCTAssertEqual("\(error)", "no service 'celery' in app_logs; the stage's logs are: nginx, gunicorn, cron")
        }
    }

    func testAppLogsOfTheWrongShapeSayWhatToWrite() {
        XCTAssertThrowsError(try AppLog.list(from: .string("/w/logs"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("app_logs must map each service to its log files"), "\(error)")
        }
        XCTAssertThrowsError(try AppLog.list(from: .dict(["app": .list([.int(3)])]))) { error in
            XCTAssertEqual("\(error)", "app_logs.app lists a number; give the paths of its log files")
        }
        XCTAssertThrowsError(try AppLog.list(from: .dict(["app": .string("logs/app.log")]))) { error in
            XCTAssertEqual("\(error)", "app_logs.app names 'logs/app.log'; log files need absolute paths")
        }
    }

    func testTheBuiltInDefaultsListEveryLogTheLogrotateTemplateRotates() throws {
        let playbooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("playbooks")
        let defaults = try String(contentsOf: playbooks.appendingPathComponent("defaults.yml"), encoding: .utf8)
        for service in ["nginx", "gunicorn", "rqworker", "rqscheduler", "app", "cron"] {
            XCTAssertTrue(defaults.contains("\n  \(service): ["), "defaults.yml's app_logs lists \(service)")
        }
        let template = try String(contentsOf: playbooks.appendingPathComponent("templates/logrotate.j2"), encoding: .utf8)
        XCTAssertFalse(template.contains("/logs/"), "logrotate.j2 names no log itself; it rotates app_logs")
    }

    func testTheStagesLogsComeFromTheBuiltInDefaultsAndCheckShowsTheCommand() throws {
        let folder = NSTemporaryDirectory() + "deckhand-logtail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "stages:\n  test:\n    host: 127.0.0.1\n    domain: shop.example.com\n"
            .write(toFile: folder + "/deckhand.yml", atomically: true, encoding: .utf8)
        let nginx = try DeckhandBinary.run(["logs", "tail", "test", "--check", "-n", "5", "--service", "nginx"], in: folder)
        XCTAssertEqual(nginx.status, 0, nginx.stderr)
        XCTAssertEqual(nginx.stdout, "test: sudo -H -n -u root -- /bin/sh -c 'LC_ALL=C tail -v -n 5 -- "
                       + "/webapps/shop.example.com/logs/nginx-access.log /webapps/shop.example.com/logs/nginx-error.log'\n")
        let moved = try DeckhandBinary.run(["logs", "tail", "test", "--check", "--service", "app,cron",
                                            "-e", "app_log_file=/var/log/shop/app.log"], in: folder)
        XCTAssertEqual(moved.stdout, "test: sudo -H -n -u root -- /bin/sh -c 'LC_ALL=C tail -v -n 10 -- "
                       + "/var/log/shop/app.log /webapps/shop.example.com/logs/cron.log'\n", moved.stderr)
        let unknown = try DeckhandBinary.run(["logs", "tail", "test", "--service", "celery"], in: folder)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderr, "deckhand: test: no service 'celery' in app_logs; the stage's logs are: "
                       + "nginx, gunicorn, rqworker, rqscheduler, app, cron\n")
    }

    // MARK: The command

    func testTheCommandIsOneTailWithAHeaderForEveryFile() {
        let tail = LogTail(logs: [access, AppLog(service: "app", label: "app", path: "/w/my logs/app.log")], lines: 25)
        XCTAssertEqual(tail.command.rendered,
                       "LC_ALL=C tail -v -n 25 -- /w/logs/nginx-access.log '/w/my logs/app.log'")
    }

    func testFollowingRunsAWatchdogThatEndsTailWhenItCanNoLongerWrite() {
        let rendered = LogTail(logs: [access], lines: 0, follow: true).command.rendered
        XCTAssertTrue(rendered.hasPrefix("LC_ALL=C tail -v -n 0 -F -- /w/logs/nginx-access.log & tail_pid=$!;"), rendered)
        XCTAssertTrue(rendered.contains("trap 'kill $tail_pid 2>/dev/null' EXIT;"), rendered)
        XCTAssertTrue(rendered.contains("echo >&2"), rendered)
    }

    func testTheCommandRunByAShellPrintsTheLastLinesOfEachLogAndReportsAMissingOne() async throws {
        let folder = NSTemporaryDirectory() + "deckhand-logtail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let accessLog = AppLog(service: "nginx", label: "nginx-access", path: folder + "/nginx-access.log")
        let appLog = AppLog(service: "app", label: "app", path: folder + "/my app.log")
        let cronLog = AppLog(service: "cron", label: "cron", path: folder + "/cron.log")
        try "GET /one\nGET /two\nGET /three\n".write(toFile: accessLog.path, atomically: true, encoding: .utf8)
        try "first\n\nlast without a newline".write(toFile: appLog.path, atomically: true, encoding: .utf8)

        let tail = LogTail(logs: [accessLog, cronLog, appLog], lines: 2)
        let result = try await LocalConnection().run(tail.command)
        var reader = LogTailReader(logs: tail.logs)
        let events = reader.readErrors(result.stderr) + reader.readOutput(result.stdout) + reader.finish()

        XCTAssertEqual(events, [
            .missing(cronLog),
            .line(accessLog, "GET /two"), .line(accessLog, "GET /three"),
            .line(appLog, ""), .line(appLog, "last without a newline"),
        ])
        XCTAssertEqual(result.exitStatus, 1, "GNU tail says a file was missing")
        XCTAssertTrue(reader.succeeded(exitStatus: result.exitStatus), "a log that does not exist yet is no failure")
    }

    func testTheWatchdogEndsAFollowingTailOnceItsOutputIsGone() throws {
        // Only stderr (the watchdog's) is closed: GNU tail watches its own stdout, so this proves the watchdog.
        let folder = NSTemporaryDirectory() + "deckhand-logtail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = AppLog(service: "app", label: "app", path: folder + "/app.log")
        try "started\n".write(toFile: log.path, atomically: true, encoding: .utf8)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", LogTail(logs: [log], lines: 1, follow: true).command.rendered]
        let out = Pipe(), err = Pipe()
        shell.standardOutput = out
        shell.standardError = err
        try shell.run()
        defer { if shell.isRunning { shell.terminate() } }
        let header = out.fileHandleForReading.availableData
        XCTAssertTrue(String(decoding: header, as: UTF8.self).hasPrefix("==> \(log.path) <=="))
        XCTAssertFalse(tails(following: log.path).isEmpty, "tail follows the log")

        try err.fileHandleForReading.close()
        let deadline = Date().addingTimeInterval(10)
        while (shell.isRunning || !tails(following: log.path).isEmpty) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertFalse(shell.isRunning, "the script ends")
        XCTAssertEqual(tails(following: log.path), [], "and takes tail with it")
        try out.fileHandleForReading.close()
    }

    private func tails(following path: String) -> [String] {
        let pgrep = Process()
        pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        pgrep.arguments = ["-f", "^tail .*" + NSRegularExpression.escapedPattern(for: path)]
        let out = Pipe()
        pgrep.standardOutput = out
        try? pgrep.run()
        pgrep.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
    }

    // MARK: Reading tail's output

    private let sample = """
        ==> /w/logs/nginx-access.log <==
        GET / 200

        GET /health/ 200

        ==> /w/logs/gunicorn_supervisor.log <==
        [INFO] Booting worker

        ==> /w/logs/nginx-access.log <==
        GET /new 200

        """

    private var sampleEvents: [LogTailEvent] {
        [.line(access, "GET / 200"), .line(access, ""), .line(access, "GET /health/ 200"),
         .line(gunicorn, "[INFO] Booting worker"), .line(access, "GET /new 200")]
    }

    func testEachLineGoesToTheLogOfTheHeaderAboveItAndSeparatorsDisappear() {
        var reader = LogTailReader(logs: logs)
        XCTAssertEqual(reader.readOutput(Data(sample.utf8)) + reader.finish(), sampleEvents)
    }

    func testChunksCutAnywhereReadTheSame() {
        let bytes = Array(("==> /w/logs/nginx-error.log <==\nüñï ✓ café\n" + "\n" + sample).utf8)
        let expected = [LogTailEvent.line(error, "üñï ✓ café")] + sampleEvents
        for size in [1, 2, 3, 7, 64] {
            var reader = LogTailReader(logs: logs)
            var events: [LogTailEvent] = []
            var start = 0
            while start < bytes.count {
                let end = min(start + size, bytes.count)
                events += reader.readOutput(Data(bytes[start..<end]))
                start = end
            }
            events += reader.finish()
            XCTAssertEqual(events, expected, "chunks of \(size) bytes")
        }
    }

    func testALineThatLooksLikeAHeaderOfAnotherFileStaysALine() {
        var reader = LogTailReader(logs: logs)
        let text = "==> /w/logs/cron.log <==\nGET /x\n==> /etc/shadow <==\n==> /w/logs/cron.log <==x\n"
        XCTAssertEqual(reader.readOutput(Data(text.utf8)), [
            .line(cron, "GET /x"), .line(cron, "==> /etc/shadow <=="), .line(cron, "==> /w/logs/cron.log <==x"),
        ])
    }

    func testALastLineWithoutNewlineEndsWhereTheNextHeaderBegins() {
        // tail writes "\n==> next <==" after a file whose last line has no newline: no empty line appears.
        var reader = LogTailReader(logs: logs)
        let text = "==> /w/logs/cron.log <==\nbackup done\n==> /w/logs/gunicorn_supervisor.log <==\nok\n"
        XCTAssertEqual(reader.readOutput(Data(text.utf8)), [.line(cron, "backup done"), .line(gunicorn, "ok")])
    }

    func testTheWatchdogsEmptyLinesAreDroppedAndTailsNewsNamesTheLog() {
        var reader = LogTailReader(logs: logs)
        let text = "\n\ntail: cannot open '/w/logs/cron.log' for reading: No such file or directory\n\n"
            + "tail: '/w/logs/cron.log' has appeared;  following new file\n"
            + "tail: /w/logs/nginx-access.log: file truncated\n"
        XCTAssertEqual(reader.readErrors(Data(text.utf8)), [
            .missing(cron),
            .notice(cron, "'/w/logs/cron.log' has appeared;  following new file"),
            .notice(access, "/w/logs/nginx-access.log: file truncated"),
        ])
        XCTAssertEqual(reader.missing, [cron])
        XCTAssertEqual(reader.problems, [])
    }

    func testAnUnreadableLogOrASudoRefusalIsAFailure() {
        var reader = LogTailReader(logs: logs)
        _ = reader.readErrors(Data("tail: cannot open '/w/logs/nginx-error.log' for reading: Permission denied\n".utf8))
        XCTAssertFalse(reader.succeeded(exitStatus: 1))

        var refused = LogTailReader(logs: logs)
        XCTAssertEqual(refused.readErrors(Data("sudo: a password is required".utf8)) + refused.finish(),
                       [.notice(nil, "sudo: a password is required")])
        XCTAssertFalse(refused.succeeded(exitStatus: 1))
        XCTAssertTrue(LogTailReader(logs: logs).succeeded(exitStatus: 0))
    }

    func testAnEndlessLineIsPassedOnInPieces() {
        var reader = LogTailReader(logs: logs)
        _ = reader.readOutput(Data("==> /w/logs/cron.log <==\n".utf8))
        let events = reader.readOutput(Data(repeating: UInt8(ascii: "x"), count: LogTailReader.maximumLineLength + 10))
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first, .line(cron, String(repeating: "x", count: LogTailReader.maximumLineLength + 10)))
    }

    // MARK: The prefix

    func testPrefixesAlignTheLinesAndColourOnlyWhenAsked() {
        let plain = LogLinePrefix(logs: logs, colours: false)
        XCTAssertEqual(plain.format(gunicorn, "Booting"), "gunicorn     | Booting")
        XCTAssertEqual(plain.format(access, "GET /"), "nginx-access | GET /")
        let coloured = LogLinePrefix(logs: logs, colours: true)
        XCTAssertEqual(coloured.format(access, "GET /"), "\u{1B}[36mnginx-access |\u{1B}[0m GET /")
        XCTAssertEqual(coloured.format(cron, "done"), "\u{1B}[35mcron         |\u{1B}[0m done")
    }
}

import Foundation
import XCTest

/// The verbs with their connection cut from the server side at every task boundary in turn, as a dying
/// sshd or network cuts it in production: the sshd processes serving the run are killed (SIGKILL) the moment
/// deckhand starts task k. After each cut the site answers 200 or 503 with the maintenance page, no
/// temporary file is left under /webapps/<domain> or in nginx's and supervisor's configuration, the deploy
/// lock is free or names its holder, the same verb run again finishes, and a third run changes nothing.
///
/// Cut points: every task of `maintenance on`, `maintenance off` and `backup create` (they are short); eight
/// chosen tasks of `deploy` (`deployCutPoints`).
/// Each test prints how many cut points it tried and what each left.
final class ConnectionCutTests: XCTestCase {
    private var host: WebHost!

    override func setUpWithError() throws {
        host = try WebHost.require()
        guard FileManager.default.fileExists(atPath: "/usr/bin/ss") || FileManager.default.fileExists(atPath: "/bin/ss") else {
            throw XCTSkip("ss (iproute2) finds the sshd serving a run; install iproute2")
        }
    }

    override func tearDownWithError() throws {
        guard let host else { return }
        if (try? host.site().status) == 503 {
            _ = try? host.deckhand(["maintenance", "off", "test"])
        }
        host.cleanUp()
    }

    func testMaintenanceOnCutAtEveryTaskLeavesTheSiteWholeAndTheNextRunFinishes() throws {
        try cutAtEveryTask(["maintenance", "on", "test", "--message", "Cut short"], before: ["maintenance", "off", "test"])
    }

    func testMaintenanceOffCutAtEveryTaskLeavesTheSiteWholeAndTheNextRunFinishes() throws {
        try cutAtEveryTask(["maintenance", "off", "test"], before: ["maintenance", "on", "test"])
    }

    func testBackupCreateCutAtEveryTaskKeepsOnlyWholeDumps() throws {
        // Every run makes a new dump: the third run is `backup verify` (every kept dump reads back) instead.
        try cutAtEveryTask(["backup", "create", "test"], before: nil, third: ["backup", "verify", "test"])
        XCTAssertEqual(partialDumps(), [], "no .partial dump outlives the next backup")
    }

    /// deploy has 44 tasks and takes ~22 s here: a cut at each would not fit make test's 30 minutes, so it is
    /// cut at these boundaries (the first task whose name starts so): just after the lock is taken, before the
    /// backup, mid-build (requirements), with the new vhost rendered, just before the switch, after the switch
    /// before gunicorn runs the release, before maintenance goes off, and before the lock is released.
    static let deployCutPoints = [
        "Refuse to run while another run holds the lock", "Back up the database", "Install the release's Python requirements",
        "Validate the nginx config", "Switch repo to", "Wait until every gunicorn worker runs", "Turn maintenance off",
        "Record the deploy in the history and release the lock",
    ]

    func testDeployCutAtChosenTasksLeavesOldOrNewServingAndTheLockNamed() throws {
        func otherRef() throws -> String { try host.liveVersion() == "2.0.0" ? "v1" : "v2" }
        let versions = ["v1": "1.0.0", "v2": "2.0.0"]
        let baseline = try host.deckhand(["deploy", "test", "--ref", try otherRef()])
        XCTAssertEqual(baseline.status, 0, "the uncut deploy: \(baseline)")
        let headers = baseline.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("TASK [") || $0.hasPrefix("RUNNING HANDLER [") }
        var report: [String] = []
        for point in Self.deployCutPoints {
            guard let index = headers.firstIndex(where: { $0.hasPrefix("TASK [" + point) }) else {
                XCTFail("deploy has no task named \(point)...; update deployCutPoints")
                continue
            }
            let k = index + 1
            let ref = try otherRef()
            let running = try host.startDeckhand(["deploy", "test", "--ref", ref, "--message", "cut at \(k)"],
                                                 environment: ["DECKHAND_TEST_STOP_AT_TASK": String(k)])
            guard let task = waitForTask(k, of: running) else {
                XCTFail("the deploy ended before task \(k) (\(point)): \(running.wait())")
                continue
            }
            let killed = cutConnection(of: running.process.processIdentifier)
            running.signal(SIGCONT)
            let cut = running.wait(timeout: 120)
            Thread.sleep(forTimeInterval: 1)

            let site = try host.site()
            let version = site.status == 200 ? WebHost.version(inPage: site.body) : nil
            let temporaries = temporaryFiles()
            var lock = "free"
            if host.lockInfo != nil {
                let status = try host.deckhand(["lock", "status", "test"])
                lock = status.stdout.contains("\(running.process.processIdentifier)") ? "held, reported with its holder" : "held, holder NOT named"
                XCTAssertTrue(status.stdout.contains("\(running.process.processIdentifier)"), "cut \(k): lock status names the cut run: \(status)")
                XCTAssertEqual(try host.deckhand(["lock", "release", "test"]).status, 0)
            }
            let again = try host.deckhand(["deploy", "test", "--ref", ref])
            let now = try host.liveVersion()
            report.append("cut \(k) at [\(task)] (killed sshd \(killed.map(String.init).joined(separator: ","))): exit \(cut.status), "
                          + "site \(site.status) \(version ?? ""), \(temporaries.count) temporary files, lock \(lock), "
                          + "\(host.releases.count) release folders, next deploy exit \(again.status) serving \(now ?? "?")")

            XCTAssertFalse(killed.isEmpty, "cut \(k): a connection was cut")
            XCTAssertEqual(cut.status, 4, "cut \(k) at [\(task)]: the lost host: \(cut)")
            XCTAssertTrue(cut.stdout.contains("(during task '"), "cut \(k): the lost host is reported with its task: \(cut)")
            XCTAssertTrue((site.status == 200 && ["1.0.0", "2.0.0"].contains(version ?? ""))
                          || (site.status == 503 && site.body.contains(WebHost.maintenanceTitle)),
                          "cut \(k) at [\(task)]: the site answered \(site.status) \(version ?? "")")
            XCTAssertEqual(temporaries, [], "cut \(k) at [\(task)]: temporary files left")
            XCTAssertEqual(again.status, 0, "cut \(k) at [\(task)]: deploying \(ref) again: \(again)")
            XCTAssertEqual(now, versions[ref], "cut \(k): the next deploy serves \(ref)")
        }
        print("deploy: tried \(report.count) cut points\n  " + report.joined(separator: "\n  "))
    }

    // MARK: The cut

    /// For k = 1, 2, ...: runs `before` (the state the verb starts from), then `verb`, cutting its connection
    /// when task k starts; checks what is left, runs `verb` again and then `third` (default: `verb`, which
    /// must change nothing). Stops once a run ends before reaching task k.
    private func cutAtEveryTask(_ verb: [String], before: [String]?, third: [String]? = nil) throws {
        var report: [String] = []
        var k = 1
        while k < 40 {
            if let before {
                let prepared = try host.deckhand(before)
                XCTAssertEqual(prepared.status, 0, "preparing with \(before.joined(separator: " ")): \(prepared)")
            }
            let running = try host.startDeckhand(verb, environment: ["DECKHAND_TEST_STOP_AT_TASK": String(k)])
            guard let task = waitForTask(k, of: running) else {
                let output = running.wait(timeout: 300)
                XCTAssertEqual(output.status, 0, "the uncut run: \(output)")
                break
            }
            let killed = cutConnection(of: running.process.processIdentifier)
            running.signal(SIGCONT)
            let cut = running.wait(timeout: 120)
            Thread.sleep(forTimeInterval: 1)  // the host's shells notice their input ended and clean up

            let site = try host.site()
            let page = site.status == 200 ? "200 \(WebHost.version(inPage: site.body) ?? "?")"
                : site.status == 503 && site.body.contains(WebHost.maintenanceTitle) ? "503 maintenance page" : "\(site.status)"
            let temporaries = temporaryFiles()
            let lock = host.lockInfo
            let again = try host.deckhand(verb)
            let last = try host.deckhand(third ?? verb)
            let sshd = killed.isEmpty ? "no connection open yet" : "killed sshd " + killed.map(String.init).joined(separator: ",")
            report.append("cut \(k) at [\(task)] (\(sshd)): exit \(cut.status), "
                          + "site \(page), \(temporaries.count) temporary files, lock \(lock == nil ? "free" : "held"), "
                          + "next run exit \(again.status), third run exit \(last.status)")

            // Before its first remote task a run has no connection yet; after its last it needs none: such a
            // run ends well. Otherwise the host is unreachable, named with the task it was on.
            XCTAssertTrue(cut.status == 0 || cut.status == 4, "cut \(k) at [\(task)]: \(cut)")
            if cut.status == 4 {
                XCTAssertFalse(killed.isEmpty, "cut \(k): a connection was cut")
                XCTAssertTrue(cut.stdout.contains("unreachable: [test]") && cut.stdout.contains("(during task '"),
                              "cut \(k) at [\(task)]: the lost host is reported with its task: \(cut)")
            }
            XCTAssertTrue(site.status == 200 || (site.status == 503 && site.body.contains(WebHost.maintenanceTitle)),
                          "cut \(k) at [\(task)]: the site answered \(site.status)")
            XCTAssertEqual(temporaries, [], "cut \(k) at [\(task)]: temporary files left")
            if let lock { XCTAssertFalse(lock.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "cut \(k): the lock names its holder") }
            XCTAssertEqual(again.status, 0, "cut \(k) at [\(task)]: running \(verb.joined(separator: " ")) again: \(again)")
            XCTAssertEqual(last.status, 0, "cut \(k) at [\(task)]: the third run: \(last)")
            if third == nil {
                XCTAssertTrue(last.stdout.contains("changed=0"), "cut \(k) at [\(task)]: the third run changed something: \(last)")
            }
            k += 1
        }
        print("\(verb.joined(separator: " ")): tried \(report.count) cut points\n  " + report.joined(separator: "\n  "))
        XCTAssertGreaterThan(report.count, 2, "the verb has tasks to cut at")
    }

    /// The name of task k once deckhand has stopped itself at its start (DECKHAND_TEST_STOP_AT_TASK), nil when
    /// the run ended first.
    private func waitForTask(_ k: Int, of running: RunningCommand) -> String? {
        let deadline = Date().addingTimeInterval(300)
        let statFile = "/proc/\(running.process.processIdentifier)/stat"
        while Date() < deadline && running.process.isRunning {
            // The state is the field after the parenthesised command name: T once stopped.
            if let stat = try? String(contentsOfFile: statFile, encoding: .utf8),
               let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "T" {
                let headers = running.stdout.components(separatedBy: "\n")
                    .filter { $0.hasPrefix("TASK [") || $0.hasPrefix("RUNNING HANDLER [") }
                guard let header = headers.last, let open = header.firstIndex(of: "[") else { return "?" }
                return String(header[header.index(after: open)..<(header.lastIndex(of: "]") ?? header.endIndex)])
            }
            usleep(5_000)
        }
        return nil
    }

    /// Kills (SIGKILL) the sshd processes at the other end of `pid`'s connections to the test host: the
    /// per-connection sshd, never the listener (which holds no established connection).
    private func cutConnection(of pid: Int32) -> [Int32] {
        let port = ":\(22022)"
        let lines = (try? run(["ss", "-tnpH", "state", "established"])) ?? ""
        var clientPorts: [String] = []
        for line in lines.split(separator: "\n") where line.contains("pid=\(pid),") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            // state filter drops the State column: Recv-Q Send-Q Local Peer Process
            guard fields.count >= 4, fields[3].hasSuffix(port) else { continue }
            clientPorts.append(String(fields[2].split(separator: ":").last ?? ""))
        }
        var killed: [Int32] = []
        for line in lines.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 5, fields[2].hasSuffix(port),
                  clientPorts.contains(String(fields[3].split(separator: ":").last ?? "")) else { continue }
            for match in fields[4].components(separatedBy: "pid=").dropFirst() {
                if let sshd = Int32(match.prefix { $0.isNumber }), sshd != pid {
                    kill(sshd, SIGKILL)
                    killed.append(sshd)
                }
            }
        }
        return killed
    }

    // MARK: What is left

    /// deckhand's temporary files (`.<name>.deckhand.<pid>.<random>`) in the site and the services' configuration.
    private func temporaryFiles() -> [String] {
        var found: [String] = []
        for root in [host.appDirectory, "/etc/nginx", "/etc/supervisor"] {
            guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
            while let path = walker.nextObject() as? String {
                let name = (path as NSString).lastPathComponent
                if name.hasPrefix("."), name.contains(".deckhand.") { found.append(root + "/" + path) }
                // Release folders hold the app's whole tree: no need to walk it.
                if path.hasPrefix("releases/") || path.hasPrefix("repo/") || path.contains("/.venv") { walker.skipDescendants() }
            }
        }
        return found
    }

    private func partialDumps() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: host.appDirectory + "/DB_backups")) ?? [])
            .filter { $0.hasSuffix(".partial") }
    }

    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

import Foundation
import XCTest

/// Issue 13's fault injection: the connection of a verb's run is cut from the server side (the engine's test
/// switch DECKHAND_FAULT_CUT_BEFORE_TASK=N kills, on the host, the sshd process serving the run right before
/// its N-th task) at task boundaries in turn, and after each cut the user finds: deckhand exited 4 naming
/// the task it was on; the site answers 200 from the old or the new release, or 503 with the maintenance page;
/// no deckhand temporary file or .partial under /webapps/<domain>, /etc/nginx, /etc/supervisor (after the
/// next run at the latest), `nginx -t` passes and supervisor's configuration parses; the deploy lock is free or
/// `deckhand lock status` names its holder and `deckhand lock release` frees it; the same verb run again
/// finishes, and a third run changes nothing. One line per cut point says what it left.
///
/// Cut points: every boundary of maintenance on, maintenance off and backup create (a second or less a run);
/// a chosen handful for the long verbs, so the suite stays near 6 minutes on the 2-core machine (a deploy
/// builds a virtualenv in ~40 s): see `deployCuts`, `rollbackCuts` and `provisionCuts`. A cut before a task
/// that never reaches the host (it is skipped, or runs on the controller) and after which no task reaches it
/// either goes unnoticed: the run then ends 0 with its work done, and the line says so; so do the cuts before
/// the tasks after it, which the walk then leaves out.
final class FaultInjectionTests: XCTestCase {
    private var host: WebHost!
    private var liveBefore: String?

    override func setUpWithError() throws {
        host = try WebHost.require()
        liveBefore = host.liveRelease
    }

    override func tearDownWithError() throws {
        guard let host else { return }
        if host.lockInfo != nil { _ = try? host.deckhand(["lock", "release", "test"]) }
        if (try? host.site().status) == 503 { _ = try? host.deckhand(["maintenance", "off", "test"]) }
        host.cleanUp()
    }

    // MARK: Every boundary

    func testCuttingMaintenanceOnAtEveryTaskBoundary() throws {
        try walk(["maintenance", "on", "test"], given: { try self.maintenance("off") })
        try maintenance("off")
    }

    func testCuttingMaintenanceOffAtEveryTaskBoundary() throws {
        try walk(["maintenance", "off", "test"], given: { try self.maintenance("on") })
    }

    /// A backup always adds a dump, so its third run is asked to add exactly one and leave no .partial.
    func testCuttingBackupCreateAtEveryTaskBoundary() throws {
        try walk(["backup", "create", "test"], given: {}, thirdRunChanges: true)
    }

    // MARK: Chosen boundaries of the long verbs

    /// Task numbers of a deploy that builds a new release (printed by the switch, N=0). 5: right after the lock
    /// is taken; 24: its virtualenv found (the shared one of its requirements) but not linked yet (an unfinished
    /// release folder); 43: right after the symlink switch, before gunicorn is told (repo points to a release
    /// nobody serves); 46: before the health check (the new release serves).
    static let deployCuts = [
        5: "Inspect the host", 24: "Link the release to its shared virtualenv",
        43: "Apply the changed supervisor programs", 46: "Check the site's health",
    ]

    func testCuttingDeployAtChosenTaskBoundaries() throws {
        for (number, title) in FaultInjectionTests.deployCuts.sorted(by: { $0.key < $1.key }) {
            // Each cut deploys the tag that is not live, v1 and v2 in turn.
            let ref = try host.liveVersion() == "1.0.0" ? "v2" : "v1"
            try cut(["deploy", "test", "--ref", ref], before: number, expecting: title, given: {},
                    settled: { $0.lastLine.contains("it was already live") })
        }
        try bringBackTheReleaseThatWasLive()
    }

    /// Task numbers of a rollback (--to an earlier release): 4, right after the lock is taken; 25, right after
    /// the symlink switch, before gunicorn is told; 28, before the health check (the release serves). (5-22 read
    /// and, when the releases' migrations differ, change the database first.)
    static let rollbackCuts = [
        4: "Find the current release",
        25: "Apply the changed supervisor programs", 28: "Check the site's health",
    ]

    func testCuttingRollbackAtChosenTaskBoundaries() throws {
        // Complete releases only: a deploy cut mid-build leaves one without postactivate.
        let releases = host.releases.filter {
            FileManager.default.fileExists(atPath: host.appDirectory + "/releases/\($0)/.venv/bin/postactivate")
        }
        guard releases.count >= 2, let live = host.liveRelease else {
            throw XCTSkip("a rollback needs two releases: run DeployTests first")
        }
        let earlier = try XCTUnwrap(releases.last { $0 < live } ?? releases.first { $0 != live })
        for (number, title) in FaultInjectionTests.rollbackCuts.sorted(by: { $0.key < $1.key }) {
            try cut(["rollback", "test", "--to", earlier], before: number, expecting: title,
                    given: { try self.rollback(to: live) },
                    settled: { FaultInjectionTests.skipped("Switch repo to releases/", in: $0.stdout) })
        }
        try rollback(to: live)
    }

    /// Provision over a provisioned host (each run 5-8 s, most tasks change nothing): 20, repo -> the release;
    /// 30, supervisor's programs; 42, the TLS vhost.
    static let provisionCuts = [
        20: "Make the first release current", 30: "Install the supervisor programs", 42: "Write the vhost with TLS",
    ]

    func testCuttingProvisionAtChosenTaskBoundaries() throws {
        for (number, title) in FaultInjectionTests.provisionCuts.sorted(by: { $0.key < $1.key }) {
            try cut(["provision", "test"], before: number, expecting: title, given: {})
        }
    }

    // MARK: The story of one cut

    /// Cuts `arguments` before each of its task boundaries in turn (learnt from a run with N=0).
    private func walk(_ arguments: [String], given: () throws -> Void, thirdRunChanges: Bool = false) throws {
        try given()
        let listing = try withCut(0) { try host.deckhand(arguments) }
        XCTAssertEqual(listing.status, 0, "the uncut run finishes:\n\(listing)")
        let titles = FaultInjectionTests.numberedTasks(listing.stderr)
        XCTAssertFalse(titles.isEmpty, "the switch numbers the task starts:\n\(listing)")
        print("fault injection: \(arguments.joined(separator: " ")): \(titles.count) task boundaries, cutting before each")
        for number in 1...titles.count {
            let noticed = try cut(arguments, before: number, expecting: titles[number - 1], given: given,
                                  thirdRunChanges: thirdRunChanges)
            // Unnoticed: no task from `number` on reached the host, so a cut before any later one goes unnoticed too.
            if !noticed, number < titles.count {
                print("fault injection: \(arguments.joined(separator: " ")): cuts before tasks \(number + 1)-\(titles.count): "
                      + "no task from \(number) on reaches the host, so they go unnoticed as the cut before \(number) did")
                break
            }
        }
    }

    /// Given `given`, the run of `arguments` cut before task `number`; then what the user checks and does.
    /// Returns whether the run noticed the cut (exit 4).
    @discardableResult
    private func cut(_ arguments: [String], before number: Int, expecting title: String, given: () throws -> Void,
                     thirdRunChanges: Bool = false, settled: ((Output) -> Bool)? = nil) throws -> Bool {
        let verb = arguments.joined(separator: " ")
        try given()
        let dumpsBefore = dumps()
        let cut = try withCut(number) { try host.deckhand(arguments) }
        let started = FaultInjectionTests.numberedTasks(cut.stderr)
        XCTAssertTrue(started.count >= number && started[number - 1].hasPrefix(title),
                      "\(verb): task \(number) is \(title):\n\(cut.stderr)")
        var left: [String] = []
        if cut.status == 4 {
            let task = FaultInjectionTests.unreachableTask(cut.stdout)
            XCTAssertNotNil(task, "\(verb) cut before \(number): the output names the task it was on:\n\(cut)")
            XCTAssertTrue(cut.stderr.contains("could not reach test"), "\(verb) cut before \(number):\n\(cut)")
            left.append("exit 4 at [\(task ?? "?")]")
        } else {
            XCTAssertEqual(cut.status, 0, "\(verb) cut before \(number) exits 4, or 0 when no later task reached the host:\n\(cut)")
            left.append("exit \(cut.status), cut unnoticed (no later task reached the host)")
        }

        left.append(try siteAnswer(verb, number))
        let leftovers = temporaryFiles()
        if !leftovers.isEmpty { left.append("temporary files \(leftovers.joined(separator: ", "))") }
        try checkConfigurations(verb, number)
        if let info = host.lockInfo {
            let holder = info.split(separator: "\n").first { $0.hasPrefix("user=") }.map { String($0.dropFirst(5)) } ?? "?"
            let status = try host.deckhand(["lock", "status", "test"])
            XCTAssertTrue(status.stdout.contains(holder) && status.stdout.contains("pid="),
                          "\(verb) cut before \(number): lock status names the holder \(holder):\n\(status)")
            let release = try host.deckhand(["lock", "release", "test"])
            XCTAssertEqual(release.status, 0, "lock release:\n\(release)")
            XCTAssertNil(host.lockInfo, "\(verb) cut before \(number): lock release frees the lock")
            left.append("the lock held by \(holder) (released with deckhand lock release)")
        }

        let again = try host.deckhand(arguments)
        XCTAssertEqual(again.status, 0, "\(verb) cut before \(number): the same verb again finishes:\n\(again)")
        XCTAssertEqual(temporaryFiles(), [], "\(verb) cut before \(number): no temporary file after the next run")
        XCTAssertEqual(unfinishedReleases(), [], "\(verb) cut before \(number): no unfinished release after the next run")
        try checkConfigurations(verb, number)
        _ = try siteAnswer(verb, number)

        let dumpsBeforeThird = dumps()
        let third = try host.deckhand(arguments)
        XCTAssertEqual(third.status, 0, "\(verb) cut before \(number): a third run finishes:\n\(third)")
        if thirdRunChanges {
            XCTAssertEqual(dumps().subtracting(dumpsBeforeThird).count, 1, "\(verb): the third run adds one dump")
        } else if let settled {
            XCTAssertTrue(settled(third), "\(verb) cut before \(number): a third run changes nothing:\n\(third)")
        } else {
            XCTAssertTrue(third.stdout.contains(" changed=0 "), "\(verb) cut before \(number): a third run changes nothing:\n\(third)")
        }
        XCTAssertEqual(temporaryFiles(), [], "\(verb) cut before \(number): no temporary file after a third run")
        let newDumps = dumps().subtracting(dumpsBefore).count
        print("fault injection: \(verb): cut before task \(number) [\(started.count >= number ? started[number - 1] : title)]: "
              + left.joined(separator: "; ") + "; again: exit 0" + (newDumps > 0 ? " (\(newDumps) new dumps in all)" : ""))
        return cut.status == 4
    }

    /// 200 with a version of the sample app, or 503 with the maintenance page; what the site answered.
    private func siteAnswer(_ verb: String, _ number: Int) throws -> String {
        let page = try host.site()
        if page.status == 200, let version = WebHost.version(inPage: page.body) { return "site 200 \(version)" }
        XCTAssertTrue(page.status == 503 && page.body.contains(WebHost.maintenanceTitle),
                      "\(verb) cut before \(number): the site answers 200 or 503 with the maintenance page, not \(page.status):\n\(page.body.prefix(300))")
        return "site \(page.status) maintenance page"
    }

    /// `nginx -t` passes; supervisor's configuration (main file and conf.d) parses as an INI file.
    private func checkConfigurations(_ verb: String, _ number: Int) throws {
        let nginx = try Output.run(URL(fileURLWithPath: "/usr/sbin/nginx"), ["-t", "-q"], in: "/")
        XCTAssertEqual(nginx.status, 0, "\(verb) cut before \(number): nginx -t:\n\(nginx)")
        let supervisor = try Output.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
            import configparser, glob
            configparser.RawConfigParser(strict=True).read(
                ["/etc/supervisor/supervisord.conf"] + sorted(glob.glob("/etc/supervisor/conf.d/*.conf")))
            """], in: "/")
        XCTAssertEqual(supervisor.status, 0, "\(verb) cut before \(number): supervisor's configuration:\n\(supervisor)")
    }

    /// deckhand's temporary files (.<name>.deckhand.XXXXXX, .deckhand-*) and the playbooks' *.partial under the
    /// app folder and nginx's and supervisor's configuration; releases being deleted (.removing-*) aside.
    private func temporaryFiles() -> [String] {
        let find = try? Output.run(URL(fileURLWithPath: "/usr/bin/find"), [
            host.appDirectory, "/etc/nginx", "/etc/supervisor", "-name", ".removing-*", "-prune", "-o",
            "(", "-name", ".*.deckhand.*", "-o", "-name", ".deckhand-*", "-o", "-name", "*.partial", ")", "-print",
        ], in: "/")
        return (find?.stdout ?? "").split(separator: "\n").map(String.init).sorted()
    }

    /// Folders under releases/ without .venv/bin/postactivate (a deploy's last build step links it).
    private func unfinishedReleases() -> [String] {
        host.releases.filter {
            !FileManager.default.fileExists(atPath: host.appDirectory + "/releases/\($0)/.venv/bin/postactivate")
        }
    }

    private func dumps() -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: host.appDirectory + "/DB_backups")) ?? [])
            .filter { $0.hasSuffix(".dump") && !$0.hasPrefix(".") })
    }

    // MARK: Givens

    private func maintenance(_ state: String) throws {
        let output = try host.deckhand(["maintenance", state, "test"])
        guard output.status == 0 else { throw Unprepared("could not turn maintenance \(state):\n\(output)") }
    }

    private func rollback(to release: String) throws {
        guard host.liveRelease != release else { return }
        let output = try host.deckhand(["rollback", "test", "--to", release])
        guard output.status == 0 else { throw Unprepared("could not bring \(release) back:\n\(output)") }
    }

    /// The release live when the test began, back (rolled back to, or deployed again when it was pruned).
    private func bringBackTheReleaseThatWasLive() throws {
        guard let release = liveBefore, host.liveRelease != release else { return }
        if host.releases.contains(release) {
            try rollback(to: release)
        } else if let ref = release.split(separator: "-", maxSplits: 1).last {
            let output = try host.deckhand(["deploy", "test", "--ref", String(ref)])
            guard output.status == 0 else { throw Unprepared("could not deploy \(ref) again:\n\(output)") }
        }
    }

    // MARK: Reading the run

    /// Runs `body` with the engine's cut switch set to `number` (0: number the tasks, cut none).
    private func withCut(_ number: Int, _ body: () throws -> Output) rethrows -> Output {
        setenv("DECKHAND_FAULT_CUT_BEFORE_TASK", String(number), 1)
        defer { unsetenv("DECKHAND_FAULT_CUT_BEFORE_TASK") }
        return try body()
    }

    /// The titles the switch numbered on stderr ("DECKHAND_FAULT_CUT_BEFORE_TASK: task 3: Title"), in order.
    static func numberedTasks(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: #"^DECKHAND_FAULT_CUT_BEFORE_TASK: task [0-9]+: "#, options: .regularExpression)
            else { return nil }
            return String(line[range.upperBound...])
        }
    }

    /// Whether the task whose title starts with `title` was skipped.
    static func skipped(_ title: String, in stdout: String) -> Bool {
        let lines = stdout.split(separator: "\n")
        guard let index = lines.firstIndex(where: { $0.hasPrefix("TASK [" + title) }), index + 1 < lines.count else { return false }
        return lines[index + 1].hasPrefix("skipping:")
    }

    /// The title of the task whose result was `unreachable: [test]`.
    static func unreachableTask(_ stdout: String) -> String? {
        var current: String?
        for line in stdout.split(separator: "\n") {
            if line.hasPrefix("TASK ["), let end = line.range(of: "] ", options: .backwards) {
                current = String(line[line.index(line.startIndex, offsetBy: 6)..<end.lowerBound])
            } else if line.hasPrefix("unreachable: [") || line.hasPrefix("fatal: [") && line.contains("UNREACHABLE") {
                return current
            }
        }
        return nil
    }

    struct Unprepared: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

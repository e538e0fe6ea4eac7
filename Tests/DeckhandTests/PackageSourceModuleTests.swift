import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// apt_repository, apt_key, unarchive, ufw and wait_for_connection decide from recorded probe output, without a host.
final class PackageSourceModuleTests: XCTestCase {
    private func writes(_ plan: ModulePlan) -> [String: String] {
        var files: [String: String] = [:]
        for action in plan.actions { if case .put(let write) = action.kind { files[write.path] = String(decoding: write.data, as: UTF8.self) } }
        return files
    }

    // MARK: apt_repository

    func testAptRepositoryNamesItsFileAsAnsibleAndReenablesAComment() throws {
        let repo = "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://user:pw@download.docker.com/linux/debian bookworm stable"
        let docker = try makeModule(AptRepositoryModule.self, ["repo": repo, "update_cache": false])
        XCTAssertEqual(docker.targetFile, "/etc/apt/sources.list.d/download_docker_com_linux_debian.list")
        let sources = "@@file /etc/apt/sources.list\ndeb http://deb.debian.org/debian bookworm main\n\n"
        let added = try docker.plan(recordedOutput(sources), ModuleContext(diffMode: true))
        XCTAssertEqual(writes(added), ["/etc/apt/sources.list.d/download_docker_com_linux_debian.list": repo + "\n"])
        XCTAssertEqual(added.result["sources_added"], .list([.string("/etc/apt/sources.list.d/download_docker_com_linux_debian.list")]))
        XCTAssertEqual(added.result.diffs.first?.beforeHeader, "/dev/null")
        let present = "@@file /etc/apt/sources.list.d/x.list\n" + repo.replacingOccurrences(of: " bookworm", with: "   bookworm") + "\n\n"
        XCTAssertFalse(try docker.plan(recordedOutput(present), ModuleContext()).result.changed, "spaces do not make another source")
        let disabled = try docker.plan(recordedOutput("@@file /etc/apt/sources.list\n# " + repo + " # old\n\n"), ModuleContext())
        XCTAssertEqual(writes(disabled), ["/etc/apt/sources.list": repo + " # old\n"])
        let named = try makeModule(AptRepositoryModule.self, ["repo": "deb http://deb.debian.org/debian bookworm-backports main", "filename": "backports"])
        let plan = try named.plan(recordedOutput(sources), ModuleContext())
        XCTAssertEqual(Array(writes(plan).keys), ["/etc/apt/sources.list.d/backports.list"])
        XCTAssertTrue(commandLines(plan).last?.contains("apt-get update -q") ?? false, "update_cache defaults to yes")
        let removal = try makeModule(AptRepositoryModule.self, ["repo": "deb http://deb.debian.org/debian bookworm-backports main", "state": "absent"])
        let removed = try removal.plan(recordedOutput("@@file /etc/apt/sources.list.d/backports.list\ndeb http://deb.debian.org/debian bookworm-backports main\n\n"), ModuleContext())
        XCTAssertEqual(commandLines(removed).first, "rm -f -- /etc/apt/sources.list.d/backports.list")
        XCTAssertFalse(try removal.plan(recordedOutput(sources), ModuleContext()).result.changed)
        XCTAssertThrowsError(try makeModule(AptRepositoryModule.self, ["repo": "ppa:deadsnakes/ppa"]))
        XCTAssertThrowsError(try makeModule(AptRepositoryModule.self, ["repo": "http://example.com stable main"]))
    }

    // MARK: apt_key

    func testAptKeyComparesFingerprintsAndSendsDataOnStdin() throws {
        let fingerprint = "CBCC0AD35768629D64A20D7DD9D99C477972C13F"
        let byData = try makeModule(AptKeyModule.self, ["data": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nx\n", "keyring": "/etc/apt/trusted.gpg.d/t.gpg"])
        let probeText = try XCTUnwrap(byData.probe(ModuleContext())).rendered
        XCTAssertFalse(probeText.contains("BEGIN PGP"), "the key travels in the environment, on stdin: \(probeText)")
        XCTAssertFalse(try byData.plan(recordedOutput("have \(fingerprint)\nwant \(fingerprint)\n"), ModuleContext()).result.changed)
        let add = try byData.plan(recordedOutput("want \(fingerprint)\n"), ModuleContext())
        XCTAssertEqual(commandLines(add), ["apt-key --keyring /etc/apt/trusted.gpg.d/t.gpg add -"])
        let byId = try makeModule(AptKeyModule.self, ["id": "0xd9d99c477972c13f", "keyserver": "keyserver.ubuntu.com"])
        XCTAssertThrowsError(try makeModule(AptKeyModule.self, ["id": "12345"]))
        XCTAssertEqual(commandLines(try byId.plan(recordedOutput(""), ModuleContext())), ["apt-key adv --no-tty --keyserver keyserver.ubuntu.com --recv D9D99C477972C13F"])
        XCTAssertFalse(try byId.plan(recordedOutput("have \(fingerprint)\n"), ModuleContext()).result.changed)
        let remove = try makeModule(AptKeyModule.self, ["id": fingerprint, "state": "absent"])
        XCTAssertEqual(commandLines(try remove.plan(recordedOutput("have \(fingerprint)\n"), ModuleContext())), ["apt-key del 7972C13F"])
        XCTAssertFalse(try remove.plan(recordedOutput(""), ModuleContext()).result.changed)
        XCTAssertTrue(try makeModule(AptKeyModule.self, ["url": "https://x/key.asc"]).plan(recordedOutput(""), ModuleContext()).result.failed,
                      "no key could be read from the URL")
    }

    // MARK: unarchive

    func testUnarchiveUploadsComparesAndExtractsOnlyOnADifference() throws {
        let module = try makeModule(UnarchiveModule.self, ["src": "app.tar.gz", "dest": "/opt/app", "owner": "www-data"])
        let context = ModuleContext(checkMode: true, readSourceFile: { _ in Data("archive".utf8) })
        let plan = try module.plan(nil, context)
        XCTAssertTrue(plan.runsInCheckMode, "check mode compares on the host, as Ansible uploads the archive too")
        guard case .put(let upload)? = plan.actions.first?.kind else { return XCTFail("the archive is uploaded first") }
        XCTAssertTrue(upload.path.hasPrefix("/tmp/.deckhand-unarchive-"))
        let script = try XCTUnwrap(commandLines(plan).first)
        XCTAssertFalse(script.contains("@@extracted"), "check mode never unpacks into dest")
        XCTAssertTrue(commandLines(try module.plan(nil, ModuleContext(readSourceFile: { _ in Data() }))).first?.contains("@@extracted") ?? false)
        var result = ModuleResult()
        try UnarchiveModule.read("@@handler tar\n@@file a\n@@file a/b.txt\n", into: &result, dest: "/opt/app", source: "app.tar.gz", listFiles: true)
        XCTAssertFalse(result.changed)
        XCTAssertEqual(result["files"], .list([.string("a"), .string("a/b.txt")]))
        try UnarchiveModule.read("@@handler zip\n@@file a\n@@differs a\n", into: &result, dest: "/opt/app", source: "x.zip", listFiles: false)
        XCTAssertTrue(result.changed)
        XCTAssertEqual(result["handler"], .string("ZipArchive"))
        XCTAssertThrowsError(try UnarchiveModule.read("@@nodest\n", into: &result, dest: "/nope", source: "x", listFiles: false)) { error in
            XCTAssertEqual("\(error)", "Destination '/nope' must be an existing dir")
        }
        let skipped = try makeModule(UnarchiveModule.self, ["src": "/srv/a.zip", "dest": "/opt", "remote_src": true, "creates": "/opt/a"])
        let skip = try skipped.plan(recordedOutput("exists\n"), ModuleContext()).result
        XCTAssertEqual(skip.msg, "skipped, since /opt/a exists")
        XCTAssertTrue(skip.skipped, "skipped, as Ansible's action plugin reports it")
        var checked = ModuleResult()
        try UnarchiveModule.read("@@handler tar\n@@file a\n@@differs a\n", into: &checked, dest: "/opt", source: "a.tgz", listFiles: false, check: true)
        XCTAssertTrue(checked.skipped, "a tar archive is skipped in check mode, as in Ansible")
        XCTAssertTrue(checked.msg?.hasSuffix("(deckhand compared it: it would unpack)") ?? false, checked.msg ?? "")
        XCTAssertTrue(try makeModule(UnarchiveModule.self, ["src": "https://example.com/a.zip", "dest": "/opt"]).remote, "a URL is downloaded by the host")
    }

    // MARK: ufw

    func testUfwBuildsRulesAsCommunityGeneralAndPredictsInCheckMode() throws {
        let ssh = try makeModule(UfwModule.self, ["rule": "allow", "port": "22", "proto": "tcp", "comment": "ssh; $(reboot)"])
        XCTAssertEqual(ssh.commands.map { ShellCommand(words: $0).rendered }, ["ufw allow from any to any port 22 proto tcp comment 'ssh; $(reboot)'"])
        let status = "Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n@@rules\n"
        let check = try ssh.plan(recordedOutput(status), ModuleContext(checkMode: true))
        XCTAssertEqual(commandLines(check).first?.hasSuffix("ufw --dry-run allow from any to any port 22 proto tcp comment 'ssh; $(reboot)'"), true)
        XCTAssertTrue(check.runsInCheckMode)
        let missing = try ssh.plan(recordedOutput("@@missing\n"), ModuleContext(hostName: "web1"))
        XCTAssertTrue(missing.result.msg?.hasPrefix("ufw: the ufw command is not installed on web1") ?? false)
        let enable = try makeModule(UfwModule.self, ["state": "enabled", "policy": "deny"])
        XCTAssertEqual(enable.commands, [["ufw", "-f", "enable"], ["ufw", "default", "deny"]])
        XCTAssertFalse(try enable.plan(recordedOutput(status), ModuleContext(checkMode: true)).result.changed)
        XCTAssertTrue(try enable.plan(recordedOutput(status.replacingOccurrences(of: "active", with: "inactive")), ModuleContext(checkMode: true)).result.changed)
        let run = try enable.plan(recordedOutput(status), ModuleContext())
        XCTAssertTrue(commandLines(run).first?.contains("ufw -f enable || exit $?; ufw default deny || exit $?;") ?? false, commandLines(run).first ?? "")
        let route = try makeModule(UfwModule.self, ["rule": "allow", "route": true, "interface_in": "eth0", "interface_out": "eth1", "delete": true])
        XCTAssertEqual(route.commands, [["ufw", "route", "delete", "allow", "in", "on", "eth0", "out", "on", "eth1", "from", "any", "to", "any"]])
        XCTAssertThrowsError(try makeModule(UfwModule.self, ["rule": "allow", "interface_in": "a", "interface_out": "b"]))
        XCTAssertThrowsError(try makeModule(UfwModule.self, ["rule": "allow", "direction": "routed"]))
    }

    // MARK: wait_for_connection

    func testWaitForConnectionIsSkippedInCheckModeAndReportsElapsed() throws {
        let wait = try makeModule(WaitForConnectionModule.self, ["timeout": 30, "delay": 2])
        XCTAssertNil(try wait.probe(ModuleContext(checkMode: true)))
        XCTAssertTrue(try wait.plan(nil, ModuleContext(checkMode: true)).result.skipped)
        let ok = try wait.plan(recordedOutput("pong\nelapsed 7\n"), ModuleContext())
        XCTAssertEqual(ok.result["elapsed"], .int(7))
        XCTAssertFalse(ok.result.failed)
        let failed = try wait.plan(CommandResult(exitStatus: 1, exitSignal: nil, stdout: Data("elapsed 30\n".utf8),
                                                 stderr: Data("timed out waiting for ping module test: refused".utf8)), ModuleContext())
        XCTAssertEqual(failed.result.msg, "timed out waiting for ping module test: refused")
        XCTAssertEqual(wait.connectionWait.timeout, 30)
    }

    func testWaitForConnectionRetriesThroughAFreshConnectionUntilItAnswers() async throws {
        let flaky = FlakyConnection(failures: 2)
        let wait = ConnectionWait(delay: 0, sleep: 1, timeout: 10)
        let answer = try await wait.run(ShellCommand("echo", "pong"), on: flaky, become: nil)
        XCTAssertEqual(answer.exitStatus, 0)
        XCTAssertTrue(answer.stdoutText.hasPrefix("pong\nelapsed "), answer.stdoutText)
        XCTAssertEqual(flaky.closes, 3, "a fresh login for every try")
        let dead = FlakyConnection(failures: 100)
        let timedOut = try await ConnectionWait(delay: 0, sleep: 1, timeout: 1).run(ShellCommand("true"), on: dead, become: nil)
        XCTAssertEqual(timedOut.exitStatus, 1)
        XCTAssertTrue(timedOut.stderrText.contains("connection refused"), timedOut.stderrText)
    }
}

/// A host that refuses the first `failures` logins, then answers through a local shell.
final class FlakyConnection: Connection, @unchecked Sendable {
    let hostName = "flaky"
    private let lock = NSLock()
    private var remaining: Int
    private(set) var closes = 0

    init(failures: Int) { remaining = failures }

    func run(_ command: ShellCommand, stdin: Data?, output: CommandOutputHandler?) async throws -> CommandResult {
        let refuse = lock.withLock { () -> Bool in
            defer { remaining -= 1 }
            return remaining > 0
        }
        if refuse { throw ConnectionError(host: hostName, message: "connection refused", place: "127.0.0.1:1") }
        return try await LocalConnection().run(command, stdin: stdin, output: output)
    }

    func connect() async throws {}

    func close() async { lock.withLock { closes += 1 } }
}

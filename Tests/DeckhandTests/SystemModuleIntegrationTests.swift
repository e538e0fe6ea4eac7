import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// The new system modules against the loopback host (this machine, as root through sshd): a check run changes
/// nothing, the first run does the work, the second reports ok; whatever touches the machine is put back.
final class SystemModuleIntegrationTests: XCTestCase {
    private var base = ""
    private var workspace = ""
    private var cleanups: [() -> Void] = []

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-sysmods-\(UUID().uuidString)"
        workspace = NSTemporaryDirectory() + "deckhand-sysmods-ws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workspace + "/files", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for cleanup in cleanups.reversed() { cleanup() }
        _ = try? FileManager.default.removeItem(atPath: base)
        _ = try? FileManager.default.removeItem(atPath: workspace)
    }

    /// Runs `tasks` (YAML, indented for a play's task list) on testhost as root.
    private func play(_ tasks: String, check: Bool = false, diff: Bool = false, inventory: String = LoopbackHost.inventoryText,
                      hosts: String = "testhost") async throws -> (RunSummary, RecordingReporter) {
        let path = workspace + "/play-\(UUID().uuidString).yml"
        try "- hosts: \(hosts)\n  gather_facts: false\n  become: yes\n  tasks:\n\(tasks)".write(toFile: path, atomically: true, encoding: .utf8)
        return try await LoopbackHost.run(path, inventory: inventory, extraVars: ["base": .string(base)], check: check, diff: diff)
    }

    @discardableResult
    private func shell(_ script: String) -> String { LoopbackHost.shell(script) }

    private func status(_ events: RecordingReporter, _ task: String) -> TaskStatus? { events.results(ofTask: task).first?.status }

    private func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    func testIniFileSysctlFileAndDebconfEditOnceAndPredictInCheckMode() async throws {
        try "[server]\nport = 80\n;workers = 2\n".write(toFile: base + "/app.ini", atomically: true, encoding: .utf8)
        let question = "deckhand-test-\(UUID().uuidString.prefix(8).lowercased())"
        cleanups.append { [self] in shell("echo PURGE | debconf-communicate \(question) >/dev/null") }
        let tasks = """
                - name: ini
                  ini_file: { path: "{{ base }}/app.ini", section: server, option: workers, value: "4", mode: "0640" }
                - name: ini new section
                  ini_file: { path: "{{ base }}/app.ini", section: "it's $(new)", option: a, value: "b c" }
                - name: sysctl file
                  sysctl: { name: kernel.msgmax, value: "8192", sysctl_file: "{{ base }}/sysctl.conf", reload: false }
                - name: debconf
                  debconf: { name: \(question), question: "\(question)/answer", vtype: string, value: "forty two" }
            """
        let (_, checked) = try await play(tasks, check: true, diff: true)
        XCTAssertEqual(status(checked, "ini"), .changed, checked.failureReport)
        XCTAssertEqual(checked.results(ofTask: "ini").first?.diffs.first?.after, "[server]\nport = 80\nworkers = 4\n")
        XCTAssertEqual(status(checked, "debconf"), .changed, checked.failureReport)
        XCTAssertEqual(read(base + "/app.ini"), "[server]\nport = 80\n;workers = 2\n", "check mode wrote the file")
        XCTAssertNil(read(base + "/sysctl.conf"))
        XCTAssertEqual(shell("debconf-show \(question)"), "", "check mode preseeded")

        let (first, firstEvents) = try await play(tasks)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(read(base + "/app.ini"), "[server]\nport = 80\nworkers = 4\n[it's $(new)]\na = b c\n")
        let mode = try FileManager.default.attributesOfItem(atPath: base + "/app.ini")[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o640)
        XCTAssertEqual(read(base + "/sysctl.conf"), "kernel.msgmax=8192\n")
        XCTAssertEqual(shell("debconf-show \(question)"), "* \(question)/answer: forty two")

        let (second, secondEvents) = try await play(tasks)
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, secondEvents.failureReport)
    }

    func testSysctlSetsAHarmlessKeyAndPutsItBack() async throws {
        // kernel.msgmax belongs to this container's IPC namespace: nothing outside it sees the change.
        let original = shell("sysctl -n kernel.msgmax")
        guard let number = Int(original) else { throw XCTSkip("kernel.msgmax is not readable here") }
        cleanups.append { [self] in shell("sysctl -w kernel.msgmax=\(original) >/dev/null") }
        let tasks = """
                - name: set
                  sysctl: { name: kernel.msgmax, value: "\(number + 1)", sysctl_file: "{{ base }}/90-test.conf", sysctl_set: yes, reload: yes }
            """
        let (run, events) = try await play(tasks)
        XCTAssertEqual(run.exitCode, 0, events.failureReport)
        XCTAssertEqual(status(events, "set"), .changed)
        XCTAssertEqual(shell("sysctl -n kernel.msgmax"), String(number + 1))
        let (again, againEvents) = try await play(tasks)
        XCTAssertEqual(status(againEvents, "set"), .ok, againEvents.failureReport)
        _ = again
        shell("sysctl -w kernel.msgmax=\(original) >/dev/null")
        XCTAssertEqual(shell("sysctl -n kernel.msgmax"), original)
    }

    func testUnarchiveUnpacksTarAndZipOnceFromTheControllerAndTheHost() async throws {
        let source = workspace + "/src"
        try FileManager.default.createDirectory(atPath: source + "/app/bin", withIntermediateDirectories: true)
        try "hello\n".write(toFile: source + "/app/readme.txt", atomically: true, encoding: .utf8)
        try "#!/bin/sh\n".write(toFile: source + "/app/bin/run it", atomically: true, encoding: .utf8)
        shell("cd '\(source)' && tar -czf '\(workspace)/files/app.tar.gz' app && zip -qr '\(base)/app.zip' app")
        guard FileManager.default.fileExists(atPath: base + "/app.zip") else { throw XCTSkip("zip is not installed here") }
        try FileManager.default.createDirectory(atPath: base + "/tar", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/zip", withIntermediateDirectories: true)
        let tasks = """
                - name: tar
                  unarchive: { src: app.tar.gz, dest: "{{ base }}/tar", owner: nobody, list_files: yes }
                  register: unpacked
                - name: zip
                  unarchive: { src: "{{ base }}/app.zip", dest: "{{ base }}/zip", remote_src: yes }
                - name: created
                  unarchive: { src: "{{ base }}/app.zip", dest: "{{ base }}/zip", remote_src: yes, creates: "{{ base }}/zip/app" }
            """
        let (_, checked) = try await play(tasks, check: true)
        XCTAssertEqual(status(checked, "tar"), .skipped, "tar in check mode is skipped, as Ansible's: \(checked.failureReport)")
        XCTAssertTrue(checked.results(ofTask: "tar").first?.result["msg"]?.displayText.hasSuffix("it would unpack)") ?? false)
        XCTAssertEqual(status(checked, "zip"), .changed, checked.failureReport)
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/tar/app"), "check mode unpacked")
        XCTAssertEqual(shell("ls -A /tmp | grep -c '^.deckhand-unarchive-' || true"), "0", "the uploaded archive is removed")

        let (first, firstEvents) = try await play(tasks)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(read(base + "/tar/app/readme.txt"), "hello\n")
        XCTAssertEqual(read(base + "/zip/app/bin/run it"), "#!/bin/sh\n")
        XCTAssertEqual(shell("stat -c %U '\(base)/tar/app/bin/run it'"), "nobody")
        XCTAssertEqual(firstEvents.results(ofTask: "tar").first?.result["handler"], .string("TgzArchive"))
        XCTAssertEqual(firstEvents.results(ofTask: "zip").first?.result["handler"], .string("ZipArchive"))
        XCTAssertEqual(status(firstEvents, "created"), .skipped)

        let (second, secondEvents) = try await play(tasks)
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, secondEvents.failureReport)
        try "changed\n".write(toFile: base + "/tar/app/readme.txt", atomically: true, encoding: .utf8)
        let (_, third) = try await play(tasks)
        XCTAssertEqual(status(third, "tar"), .changed, "an edited file is unpacked again")
        XCTAssertEqual(read(base + "/tar/app/readme.txt"), "hello\n")

        let (missing, missingEvents) = try await play("""
                - name: nowhere
                  unarchive: { src: app.tar.gz, dest: "{{ base }}/nowhere" }
            """)
        XCTAssertNotEqual(missing.exitCode, 0)
        XCTAssertEqual(missingEvents.results(ofTask: "nowhere").first?.result["msg"], .string("Destination '\(base)/nowhere' must be an existing dir"))
    }

    func testAptRepositoryAndAptKeyAddOnceAndRemove() async throws {
        let name = "deckhand-test-\(UUID().uuidString.prefix(8).lowercased())"
        let list = "/etc/apt/sources.list.d/\(name).list"
        cleanups.append { try? FileManager.default.removeItem(atPath: list) }
        // A local, empty repository: an apt-get update meanwhile (another test) reads it without error.
        try FileManager.default.createDirectory(atPath: base + "/repo", withIntermediateDirectories: true)
        try "".write(toFile: base + "/repo/Packages", atomically: true, encoding: .utf8)
        let home = base + "/gnupg"
        shell("mkdir -m 700 '\(home)' && GNUPGHOME='\(home)' gpg --batch --passphrase '' --quick-gen-key 'deckhand test <t@example.invalid>' ed25519 sign never 2>/dev/null && GNUPGHOME='\(home)' gpg --armor --export > '\(base)/key.asc'")
        let fingerprint = shell("GNUPGHOME='\(home)' gpg --with-colons --list-keys | awk -F: '$1 == \"fpr\" { print $10; exit }'")
        guard fingerprint.count == 40 else { throw XCTSkip("could not make a test key with gpg") }
        let tasks = """
                - name: repo
                  apt_repository: { repo: "deb [trusted=yes] file:{{ base }}/repo ./", filename: \(name), update_cache: no }
                - name: key
                  apt_key: { data: "{{ lookup('file', '\(base)/key.asc') }}", keyring: "{{ base }}/test.gpg" }
            """
        let (_, checked) = try await play(tasks, check: true)
        XCTAssertEqual(status(checked, "repo"), .changed, checked.failureReport)
        XCTAssertEqual(status(checked, "key"), .changed, checked.failureReport)
        XCTAssertFalse(FileManager.default.fileExists(atPath: list))
        let (first, firstEvents) = try await play(tasks)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(read(list), "deb [trusted=yes] file:\(base)/repo ./\n")
        XCTAssertTrue(shell("apt-key --keyring '\(base)/test.gpg' adv --list-public-keys --with-colons 2>/dev/null").contains(fingerprint))
        let (second, secondEvents) = try await play(tasks)
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, secondEvents.failureReport)
        let (removed, removedEvents) = try await play("""
                - name: repo gone
                  apt_repository: { repo: "deb [trusted=yes] file:{{ base }}/repo ./", state: absent, update_cache: no }
                - name: key gone
                  apt_key: { id: "\(fingerprint)", keyring: "{{ base }}/test.gpg", state: absent }
            """)
        XCTAssertEqual(removed.exitCode, 0, removedEvents.failureReport)
        XCTAssertEqual(status(removedEvents, "repo gone"), .changed)
        XCTAssertEqual(status(removedEvents, "key gone"), .changed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: list), "the file it emptied is removed, as Ansible does")
        XCTAssertFalse(shell("apt-key --keyring '\(base)/test.gpg' adv --list-public-keys --with-colons 2>/dev/null").contains(fingerprint))
    }
}

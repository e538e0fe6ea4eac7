import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// systemd, timezone, locale_gen, package, ufw and wait_for_connection against the loopback host (this machine,
/// where systemd is not PID 1): what they change is put back before the test ends.
final class HostSettingsIntegrationTests: XCTestCase {
    private var workspace = ""
    private var cleanups: [() -> Void] = []

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        workspace = NSTemporaryDirectory() + "deckhand-hostsettings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for cleanup in cleanups.reversed() { cleanup() }
        _ = try? FileManager.default.removeItem(atPath: workspace)
    }

    private func play(_ tasks: String, check: Bool = false, inventory: String = LoopbackHost.inventoryText,
                      hosts: String = "testhost") async throws -> (RunSummary, RecordingReporter) {
        let path = workspace + "/play-\(UUID().uuidString).yml"
        try "- hosts: \(hosts)\n  gather_facts: false\n  become: yes\n  tasks:\n\(tasks)".write(toFile: path, atomically: true, encoding: .utf8)
        return try await LoopbackHost.run(path, inventory: inventory, check: check)
    }

    @discardableResult
    private func shell(_ script: String) -> String { LoopbackHost.shell(script) }

    private func status(_ events: RecordingReporter, _ task: String) -> TaskStatus? { events.results(ofTask: task).first?.status }

    func testSystemdWithoutSystemdReloadsNothingAndDrivesTheInitScript() async throws {
        guard !FileManager.default.fileExists(atPath: "/run/systemd/system") else { throw XCTSkip("systemd runs here: this test is for hosts without it") }
        let name = "deckhand-test-\(UUID().uuidString.prefix(8).lowercased())"
        let marker = "/tmp/\(name).running"
        try """
        #!/bin/sh
        ### BEGIN INIT INFO
        # Provides:          \(name)
        # Required-Start:
        # Required-Stop:
        # Default-Start:     2 3 4 5
        # Default-Stop:      0 1 6
        # Short-Description: deckhand's test service
        ### END INIT INFO
        case "$1" in
          start|restart|reload|force-reload) touch \(marker) ;;
          stop) rm -f \(marker) ;;
          status) test -f \(marker) ;;
        esac
        """.write(toFile: "/etc/init.d/\(name)", atomically: true, encoding: .utf8)
        chmod("/etc/init.d/\(name)", 0o755)
        cleanups.append { [self] in
            shell("update-rc.d -f \(name) remove >/dev/null 2>&1; rm -f /etc/init.d/\(name) \(marker)")
        }
        let tasks = """
                - name: reload alone
                  systemd: { daemon_reload: true }
                - name: service
                  ansible.builtin.systemd_service: { name: \(name), state: started, enabled: true }
            """
        let (_, checked) = try await play(tasks, check: true)
        XCTAssertEqual(status(checked, "service"), .changed, checked.failureReport)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "check mode started it")
        let (first, firstEvents) = try await play(tasks)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(status(firstEvents, "reload alone"), .ok, "daemon_reload alone needs no name and changes nothing here")
        XCTAssertTrue(firstEvents.results(ofTask: "reload alone").first?.result["msg"]?.displayText.contains("systemd is not running") ?? false)
        XCTAssertEqual(status(firstEvents, "service"), .changed)
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "started through the init script")
        XCTAssertEqual(shell("ls /etc/rc2.d | grep -c '^S..\(name)$'"), "1", "enabled: rc links")
        let (second, secondEvents) = try await play(tasks)
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, secondEvents.failureReport)
        let (stopped, stoppedEvents) = try await play("""
                - name: stop
                  systemd: { name: \(name), state: stopped, enabled: false }
                - name: missing
                  systemd: { name: \(name)-missing, state: started }
                  ignore_errors: yes
            """)
        XCTAssertEqual(stopped.exitCode, 0, stoppedEvents.failureReport)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
        XCTAssertEqual(shell("ls /etc/rc2.d | grep -c '^S..\(name)$'"), "0", "disabled")
        XCTAssertEqual(stoppedEvents.results(ofTask: "missing").first?.result["msg"], .string("Could not find the requested service \(name)-missing: host"))
    }

    func testTimezoneChangesAndIsPutBack() async throws {
        let original = shell("cat /etc/timezone")
        guard original == "Etc/UTC" else { throw XCTSkip("this machine's zone is \(original), not Etc/UTC") }
        // dpkg-reconfigure tzdata also records the zone in debconf: that answer is put back too.
        let europe = shell("debconf-show tzdata | sed -n 's|^..tzdata/Zones/Europe: *||p'")
        cleanups.append { [self] in
            shell("ln -sf /usr/share/zoneinfo/Etc/UTC /etc/localtime; echo Etc/UTC > /etc/timezone")
            shell("echo 'tzdata tzdata/Zones/Europe select \(europe)' | debconf-set-selections -u")
        }
        let (checked, checkEvents) = try await play("""
                - name: zone
                  timezone: { name: Europe/Amsterdam }
                - name: same zone
                  community.general.timezone: { name: Etc/UTC }
            """, check: true)
        XCTAssertEqual(checked.exitCode, 0, checkEvents.failureReport)
        XCTAssertEqual(status(checkEvents, "zone"), .changed)
        XCTAssertEqual(status(checkEvents, "same zone"), .ok)
        XCTAssertEqual(shell("cat /etc/timezone"), "Etc/UTC")
        // One play changes the zone and puts it back at once: other tests on this machine barely see it.
        let (run, events) = try await play("""
                - name: zone
                  timezone: { name: Europe/Amsterdam }
                - name: read
                  command: cat /etc/timezone
                  register: during
                - name: back
                  timezone: { name: Etc/UTC }
                - name: unknown
                  timezone: { name: Mars/Olympus_Mons }
                  ignore_errors: yes
            """)
        XCTAssertEqual(run.exitCode, 0, events.failureReport)
        XCTAssertEqual(status(events, "zone"), .changed)
        XCTAssertEqual(events.results(ofTask: "read").first?.result["stdout"], .string("Europe/Amsterdam"))
        XCTAssertEqual(status(events, "back"), .changed)
        XCTAssertEqual(shell("cat /etc/timezone"), "Etc/UTC")
        XCTAssertEqual(shell("readlink /etc/localtime"), "/usr/share/zoneinfo/Etc/UTC")
        XCTAssertTrue(events.results(ofTask: "unknown").first?.result["msg"]?.displayText.hasPrefix("given timezone \"Mars/Olympus_Mons\" is not available") ?? false)
    }

    func testLocaleGenCompilesALocaleAndRemovesIt() async throws {
        let name = "nl_NL.UTF-8"
        guard shell("grep -c '^# nl_NL.UTF-8 UTF-8$' /etc/locale.gen") == "1" else { throw XCTSkip("/etc/locale.gen does not offer \(name) commented out") }
        cleanups.append { [self] in
            if shell("grep -c '^nl_NL.UTF-8 UTF-8$' /etc/locale.gen") == "1" {
                shell("sed -i 's/^nl_NL.UTF-8 UTF-8$/# nl_NL.UTF-8 UTF-8/' /etc/locale.gen && locale-gen >/dev/null")
            }
        }
        let (_, checked) = try await play("    - name: locale\n      locale_gen: { name: \(name) }\n", check: true)
        XCTAssertEqual(status(checked, "locale"), .changed, checked.failureReport)
        XCTAssertFalse(shell("locale -a").contains("nl_NL.utf8"))
        let (run, events) = try await play("""
                - name: locale
                  locale_gen: { name: \(name) }
                - name: again
                  locale_gen: { name: \(name) }
                - name: listed
                  command: locale -a
                  register: listed
                - name: gone
                  community.general.locale_gen: { name: \(name), state: absent }
                - name: unknown
                  locale_gen: { name: xx_XX.UTF-8 }
                  ignore_errors: yes
            """)
        XCTAssertEqual(run.exitCode, 0, events.failureReport)
        XCTAssertEqual(status(events, "locale"), .changed)
        XCTAssertEqual(status(events, "again"), .ok)
        XCTAssertTrue(events.results(ofTask: "listed").first?.result["stdout"]?.displayText.contains("nl_NL.utf8") ?? false)
        XCTAssertEqual(status(events, "gone"), .changed)
        XCTAssertFalse(shell("locale -a").contains("nl_NL.utf8"))
        XCTAssertEqual(shell("grep -c '^# nl_NL.UTF-8 UTF-8$' /etc/locale.gen"), "1")
        XCTAssertEqual(events.results(ofTask: "unknown").first?.result["msg"],
                       .string("The following locales you've entered are not available on your system: xx_XX.UTF-8"))
    }

    func testPackageUfwAndWaitForConnection() async throws {
        let (run, events) = try await play("""
                - name: installed
                  package: { name: coreutils, state: present }
                - name: firewall
                  community.general.ufw: { rule: allow, port: "22", proto: tcp }
                  ignore_errors: yes
                - name: reachable
                  wait_for_connection: { timeout: 10 }
            """)
        XCTAssertEqual(run.exitCode, 0, events.failureReport)
        XCTAssertEqual(status(events, "installed"), .ok)
        if shell("command -v ufw").isEmpty {
            XCTAssertEqual(status(events, "firewall"), .failed)
            XCTAssertTrue(events.results(ofTask: "firewall").first?.result["msg"]?.displayText.hasPrefix("ufw: the ufw command is not installed on testhost") ?? false)
        }
        XCTAssertEqual(status(events, "reachable"), .ok)
        XCTAssertNotNil(events.results(ofTask: "reachable").first?.result["elapsed"])

        let (checked, checkEvents) = try await play("""
                - name: removal
                  package: { name: coreutils, state: absent }
                - name: reachable
                  wait_for_connection: {}
            """, check: true)
        XCTAssertEqual(checked.exitCode, 0, checkEvents.failureReport)
        XCTAssertEqual(status(checkEvents, "removal"), .changed, "check mode predicts the removal, and does nothing")
        XCTAssertEqual(status(checkEvents, "reachable"), .skipped)

        let ghost = "[web]\nghost ansible_host=127.0.0.1 ansible_port=1 ansible_user=deckhand\n"
        let started = Date()
        let (lost, lostEvents) = try await play("    - name: wait\n      wait_for_connection: { timeout: 2, sleep: 1 }\n", inventory: ghost, hosts: "ghost")
        XCTAssertNotEqual(lost.exitCode, 0)
        XCTAssertEqual(status(lostEvents, "wait"), .failed, "a host that never answers fails the task, as in Ansible (not unreachable)")
        XCTAssertTrue(lostEvents.results(ofTask: "wait").first?.result["msg"]?.displayText.hasPrefix("timed out waiting for ping module test") ?? false)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15)
    }
}

import Foundation
import XCTest

/// What a person sees while a verb runs: compact live progress on a real terminal (a pseudo-terminal from
/// script(1)), plain lines without a single escape code off one, the stream with -v, JSON lines for CI, and no
/// question ever waiting on a stdin that is not a terminal. The verb runs its playbook (--playbooks) on this
/// machine (ansible_connection=local), so no host is needed.
final class VerbProgressTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "deckhand-progress-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/playbooks", withIntermediateDirectories: true)
        try "[web]\nlocal ansible_connection=local\n".write(toFile: folder + "/hosts.ini", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A provision playbook whose host prints escape sequences (a title change, a screen clear, a cursor move)
    /// and, when `failing`, fails with 12 lines of stderr.
    private func writePlaybook(failing: Bool) throws {
        var text = #"""
            - name: Set up the web host
              hosts: web
              gather_facts: false
              tasks:
                - name: Wait a moment
                  command: sleep 0.6
                - name: Never needed here
                  command: "true"
                  when: false
                - name: Ask the host
                  shell: printf 'out\033]0;pwned\007\033[2J\n'
                  register: said
                  changed_when: false
                - debug: { msg: "the host said {{ said.stdout }}" }

            """#
        if failing {
            text += #"""
                    - name: Migrate the database
                      shell: for i in $(seq 1 12); do echo "trace line $i" >&2; done; printf 'err\033[1A\033[K\n' >&2; exit 3

                """#
        }
        try text.write(toFile: folder + "/playbooks/provision.yml", atomically: true, encoding: .utf8)
    }

    private let provision = ["provision", "web", "-i", "hosts.ini", "--playbooks", "playbooks"]

    /// Runs deckhand on a pseudo-terminal (script(1)), as a person at a terminal would; the transcript with the
    /// terminal's CR LF line ends turned back into LF.
    private func onTerminal(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, shown: String) {
        let binary = try DeckhandBinary.executable().path
        let command = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            .joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-q", "-e", "-f", "-c", command, "/dev/null"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var variables = ProcessInfo.processInfo.environment
        variables["TERM"] = "xterm-256color"
        variables["NO_COLOR"] = nil
        variables.merge(environment) { $1 }
        process.environment = variables
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"))
    }

    /// Every escape sequence in `text` that is not one the live display itself uses (erase line, colours).
    private func foreignEscapes(_ text: String) -> [String] {
        let own = try! NSRegularExpression(pattern: "\u{1B}\\[(K|[0-9;]*m)")
        let stripped = own.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "")
        return stripped.components(separatedBy: "\u{1B}").dropFirst().map { String($0.prefix(8)) }
    }

    func testATerminalShowsEachStepAsATickWithItsDurationAndTheHostsEscapesAsText() throws {
        try writePlaybook(failing: false)
        let (status, shown) = try onTerminal(provision)
        XCTAssertEqual(status, 0, shown)
        let plain = withoutColours(shown)
        XCTAssertTrue(plain.contains("▸ Set up the web host\n"), plain)
        let lines = screen(shown)
        XCTAssertEqual(lines.first, "▸ Set up the web host", "\(lines)")
        XCTAssertNotNil(lines.first { $0.range(of: #"^✓ Wait a moment  0\.[6-9]s  changed$"#, options: .regularExpression) != nil },
                        "the finished step is a tick, its duration and what it did, on a line of its own:\n\(lines)")
        XCTAssertTrue(plain.contains("\r\u{1B}[K⠙ Wait a moment  0.1s"), "a spinner and the time while it ran:\n\(plain.debugDescription)")
        XCTAssertFalse(lines.contains { $0.contains("Never needed here") }, "a step every host skipped leaves no line:\n\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("✓ Ask the host  0.") }, "\(lines)")
        XCTAssertFalse(plain.contains("TASK ["), "no stream without -v:\n\(plain)")
        let debug = try XCTUnwrap(lines.firstIndex(of: "✓ debug  0.0s"), "\(lines)")
        XCTAssertEqual(lines[debug + 1], "  the host said out\\x1b]0;pwned\\x07\\x1b[2J",
                       "what the debug task says, under its tick, escaped")
        XCTAssertEqual(foreignEscapes(shown), [], "only the display's own codes reach the terminal:\n\(shown.debugDescription)")
        XCTAssertTrue(shown.contains("\u{1B}[32m✓"), "ticks are green with colours on:\n\(shown.debugDescription)")
        XCTAssertEqual(lines.suffix(2), ["web is provisioned (1 change)", ""], "the outcome line as before:\n\(lines)")
    }

    /// `text` without its colour codes (SGR), the erase-line codes kept.
    private func withoutColours(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
    }

    /// The lines left on the screen once the run is over: each line as its last redraw (after the last carriage
    /// return and erase-line) left it, colours removed.
    private func screen(_ text: String) -> [String] {
        withoutColours(text).components(separatedBy: "\n").map { line in
            String(line.components(separatedBy: "\r\u{1B}[K").last ?? "")
        }
    }

    func testAFailedStepShowsTheErrorTheCommandsLastLinesAndWhatToDo() throws {
        try writePlaybook(failing: true)
        let (status, shown) = try onTerminal(provision)
        XCTAssertEqual(status, 2, shown)
        let lines = screen(shown)
        XCTAssertTrue(lines.contains { $0.hasPrefix("✗ Migrate the database  0.") }, "\(lines)")
        XCTAssertTrue(shown.contains("  local: The command exited with a non-zero return code."), shown)
        XCTAssertTrue(shown.contains("exit status: 3"), shown)
        XCTAssertTrue(shown.contains("last 10 lines of stderr:"), shown)
        XCTAssertTrue(lines.contains("      trace line 4") && lines.contains("      trace line 12"), "\(lines)")
        XCTAssertFalse(lines.contains("      trace line 3"), "only the last 10 lines:\n\(lines)")
        XCTAssertTrue(lines.contains("      err\\x1b[1A\\x1b[K"), "the host's escapes as text:\n\(lines)")
        XCTAssertTrue(shown.contains("task: Migrate the database at "), shown)
        XCTAssertTrue(shown.contains("what to do:"), shown)
        XCTAssertEqual(foreignEscapes(shown), [], "the failing command's escapes are shown as text:\n\(shown.debugDescription)")
    }

    func testNoColorKeepsTheTicksAndDropsTheColours() throws {
        try writePlaybook(failing: false)
        let (status, shown) = try onTerminal(provision, environment: ["NO_COLOR": "1"])
        XCTAssertEqual(status, 0, shown)
        XCTAssertTrue(shown.contains("✓ Wait a moment"), shown)
        XCTAssertNil(shown.range(of: "\u{1B}\\[[0-9;]*m", options: .regularExpression), "no colour codes:\n\(shown.debugDescription)")
    }

    func testVerboseOnATerminalShowsTheStreamWithEachTasksDuration() throws {
        try writePlaybook(failing: false)
        let (status, shown) = try onTerminal(provision + ["-v"])
        XCTAssertEqual(status, 0, shown)
        XCTAssertTrue(shown.contains("TASK [Wait a moment]"), shown)
        XCTAssertNotNil(shown.range(of: #"changed: \[local\] \(0\.[6-9][0-9]s\)"#, options: .regularExpression), shown)
        XCTAssertEqual(foreignEscapes(shown), [], shown.debugDescription)
    }

    func testOffATerminalTheOutputIsPlainLinesWithoutAnyEscapeCode() throws {
        try writePlaybook(failing: true)
        // NO_COLOR empty counts as unset: colours would be allowed, and still none may appear off a terminal.
        let result = try DeckhandBinary.run(provision, in: folder, environment: ["NO_COLOR": ""])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stdout.contains("TASK [Migrate the database]"), result.stdout)
        XCTAssertTrue(result.stdout.contains("out\\x1b]0;pwned\\x07\\x1b[2J"), result.stdout)
        XCTAssertFalse(result.stdout.contains("\u{1B}"), "an escape code off a terminal:\n\(result.stdout.debugDescription)")
        XCTAssertFalse(result.stdout.contains("\r"), result.stdout.debugDescription)
        XCTAssertTrue(result.stderr.contains("provision failed on web: a task failed"), result.stderr)
    }

    func testJSONOutputIsOneObjectPerLineWithDurationsAndEndsWithTheOutcome() throws {
        try writePlaybook(failing: true)
        let result = try DeckhandBinary.run(provision + ["--output", "json", "--profile"], in: folder)
        XCTAssertEqual(result.status, 2, result.stderr)
        let objects = try result.stdout.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
        let events = objects.compactMap { $0["event"] as? String }
        XCTAssertEqual(events.count, objects.count, "every line names its event")
        XCTAssertEqual(events.first, "play_start")
        XCTAssertEqual(Array(events.suffix(3)), ["profile", "recap", "outcome"], "\(events)")
        let waited = try XCTUnwrap(objects.first { $0["event"] as? String == "host_result" && $0["task"] as? String == "Wait a moment" })
        XCTAssertGreaterThanOrEqual(waited["duration"] as? Double ?? 0, 0.6, "\(waited)")
        let profile = try XCTUnwrap(objects.first { $0["event"] as? String == "profile" }?["tasks"] as? [[String: Any]])
        XCTAssertEqual(profile.first?["task"] as? String, "Wait a moment", "the slowest task first: \(profile)")
        let outcome = try XCTUnwrap(objects.last)
        XCTAssertEqual(outcome["ok"] as? Bool, false)
        XCTAssertEqual(outcome["exit_code"] as? Int, 2)
        XCTAssertEqual(outcome["command"] as? String, "provision")
        XCTAssertEqual(outcome["stage"] as? String, "web")
        XCTAssertTrue((outcome["message"] as? String ?? "").contains("provision failed on web"), "\(outcome)")
    }

    func testAJSONRunRefusedBeforeItStartsStillEndsWithAnOutcome() throws {
        let result = try DeckhandBinary.run(["provision", "nowhere", "-i", "hosts.ini", "--output", "json"], in: folder)
        XCTAssertEqual(result.status, 5, result.stderr)
        let outcome = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
        XCTAssertEqual(outcome["event"] as? String, "outcome")
        XCTAssertEqual(outcome["exit_code"] as? Int, 5)
        XCTAssertTrue((outcome["message"] as? String ?? "").contains("'nowhere' is no host or group"), "\(outcome)")
    }

    func testProfileListsTheSlowestTasksAfterTheRecap() throws {
        try writePlaybook(failing: false)
        let result = try DeckhandBinary.run(provision + ["--profile"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let banner = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("PROFILE: the ") }, result.stdout)
        XCTAssertTrue(lines[banner + 1].hasPrefix("Wait a moment (") && lines[banner + 1].contains(" (provision.yml:5) ---"),
                      "the slowest first, with where it is written:\n\(result.stdout)")
        XCTAssertNotNil(lines[banner + 1].range(of: #" 0\.[6-9][0-9]s$"#, options: .regularExpression), lines[banner + 1])
    }

    func testNoQuestionWaitsOnAStdinThatIsNotATerminal() throws {
        try writePlaybook(failing: false)
        let vault = try DeckhandBinary.run(provision + ["--ask-vault-pass"], in: folder, input: "")
        XCTAssertEqual(vault.status, 1, vault.stderr)
        XCTAssertTrue(vault.stderr.contains("--vault-password-file"), "names what to pass instead: \(vault.stderr)")
        let become = try DeckhandBinary.run(["run", "playbooks/provision.yml", "-i", "hosts.ini", "-K"], in: folder,
                                            input: "a typed password\n", environment: ["DECKHAND_BECOME_PASSWORD": ""])
        XCTAssertEqual(become.status, 1, become.stderr)
        XCTAssertTrue(become.stderr.contains("standard input is not a terminal") && become.stderr.contains("DECKHAND_BECOME_PASSWORD"),
                      become.stderr)
        XCTAssertFalse(become.stdout.contains("TASK ["), "nothing ran: \(become.stdout)")
    }
}

import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand doctor STAGE`: everything the verbs need from a stage, checked in one run. First that ssh reaches
/// the host and knows its key (the connection the verbs open), then playbooks/doctor.yml: sudo, the commands,
/// folders, services, database and disk space. Every check that fails says how to fix it.
struct DoctorCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what the verbs need on a stage: ssh and its host key, sudo, commands, folders, services, database, disk.",
        discussion: """
            Changes nothing. Prints one line per check (ok, WARN or FAIL) and, under each failure, the fix. \
            Exits 0 when nothing failed, 2 when a check failed, 4 when ssh cannot reach the host.
            """)

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host (-i).", valueName: "stage"))
    var stage: String

    @OptionGroup var options: StageOptions

    func run() async throws {
        if options.output == .json { JSONOutcome.expect(command: "doctor", stage: stage) }
        let host = try StageHost.resolve(stage, options: options, verb: "doctor")
        do {
            let connection = try await host.connect(deckhand.connection)
            await connection.close()
        } catch let failure as DeckhandFailure where failure.exitCode == DeckhandExit.unreachable.code {
            let check = DoctorCheck(verdict: .fail, name: "ssh", found: failure.message,
                                    fix: DoctorCheck.sshFix(for: failure.message, stage: stage))
            if options.output == .human { print(check.rendered) }
            throw DeckhandFailure(.unreachable, "\(failure.message)\n  fix: \(check.fix)")
        }

        let run = try await VerbRun.run(.doctor, stage: stage, variables: [("deckhand_stage", .string(stage))],
                                        options: options, connection: deckhand.connection)
        let checks = [DoctorCheck(verdict: .ok, name: "ssh", found: "reached \(host.hostName), host key known", fix: "")]
            + run.lines(.doctorChecks).compactMap(DoctorCheck.init(line:))
        guard run.succeeded, checks.count > 1 else {
            try run.finish("", action: "doctor")
            return
        }
        run.say("\n" + checks.map(\.rendered).joined(separator: "\n"))
        let failed = checks.filter { $0.verdict == .fail }.count
        let warned = checks.filter { $0.verdict == .warn }.count
        let tally = "\(stage): \(checks.count) checks, \(failed) failed, \(warned) warning\(warned == 1 ? "" : "s")"
        if failed > 0 { try run.fail(tally, exitCode: DeckhandExit.failed.rawValue) }
        try run.finish(tally, action: "doctor")
    }
}

/// One line of doctor's report.
struct DoctorCheck: Equatable {
    enum Verdict: String { case ok, warn = "WARN", fail = "FAIL" }

    var verdict: Verdict
    var name: String
    var found: String
    var fix: String

    /// A line of doctor.yml's report: verdict, check, finding and fix, tab-separated.
    init?(line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 3, let verdict = Verdict(rawValue: fields[0]) else { return nil }
        self.init(verdict: verdict, name: fields[1], found: fields[2], fix: fields.count > 3 ? fields[3] : "")
    }

    init(verdict: Verdict, name: String, found: String, fix: String) {
        self.verdict = verdict
        self.name = name
        self.found = found
        self.fix = fix
    }

    /// "ok    name  finding", and the fix indented under a failure or warning. Host text is escaped.
    var rendered: String {
        let name = TerminalText.escaped(self.name)
        let head = verdict.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
            + name + String(repeating: " ", count: max(2, 32 - name.count)) + TerminalText.escaped(found)
        guard verdict != .ok, !fix.isEmpty else { return head }
        return head + "\n      fix: " + TerminalText.escaped(fix)
    }

    /// What to do about a connection that failed, from what the SSH layer said.
    static func sshFix(for message: String, stage: String) -> String {
        let text = message.lowercased()
        if text.contains("host key") || text.contains("known_hosts") {
            return "check the host's key fingerprint with its administrator, then add it to ~/.ssh/known_hosts " +
                "(ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts), and run deckhand doctor \(stage) again"
        }
        if text.contains("authentic") || text.contains("publickey") || text.contains("key") {
            return "give the login user your public key (ed25519 or ECDSA: OpenSSH >= 8.8 refuses RSA/SHA-1 keys), " +
                "or set the user and key for the stage (ansible_user, ansible_ssh_private_key_file)"
        }
        return "check that the host is up and that its sshd answers on the address and port the stage names " +
            "(ansible_host, ansible_port in deckhand.yml or the inventory)"
    }
}

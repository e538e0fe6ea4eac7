import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand ping TARGET...`: can deckhand log in to these hosts and run a command?
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Connect to every target at once, run `true`, and say which hosts answer.",
        discussion: "Prints one line per target, in the order given: 'ok' with the time it took, or "
            + "'unreachable' with the reason. Exits 0 when all are ok, 4 when any is unreachable. "
            + "The connection options (-F, --host-key-checking, --connect-timeout) go before or after 'ping'; see deckhand --help."
    )

    @ParentCommand var deckhand: DeckhandCommand

    @Argument(help: ArgumentHelp("[user@]host[:port] or a Host alias of the ssh config.", valueName: "target"))
    var targets: [String]

    @Option(name: .customLong("output"), help: ArgumentHelp(
        "human, or json: one object per target and a final outcome object.", valueName: "format"))
    var output: OutputFormat = .human

    func validate() throws {
        if targets.isEmpty { throw ValidationError("Name at least one target to ping.") }
    }

    func run() async throws {
        if output == .json { JSONOutcome.expect(command: "ping", stage: nil) }
        let resolved = try deckhand.connection.connections(to: targets)
        let width = targets.map(\.count).max() ?? 0
        let outcomes = await withTaskGroup(of: (Int, PingOutcome).self) { group in
            for (index, connection) in resolved.enumerated() {
                group.addTask { (index, await Self.ping(connection)) }
            }
            // Lines come out in the order given, each as soon as it and all before it are known.
            var outcomes = [PingOutcome?](repeating: nil, count: resolved.count)
            var printed = 0
            for await (index, outcome) in group {
                outcomes[index] = outcome
                while printed < outcomes.count, let ready = outcomes[printed] {
                    Terminal.out(output == .json ? Self.jsonLine(targets[printed], ready)
                                 : Self.line(targets[printed], ready, width: width))
                    printed += 1
                }
            }
            return outcomes.compactMap { $0 }
        }

        let unreachable = outcomes.filter { !$0.isOK }.count
        let summary = "\(targets.count - unreachable) ok, \(unreachable) unreachable"
        if output == .json {
            JSONOutcome.write(ok: unreachable == 0, exitCode: unreachable == 0 ? 0 : DeckhandExit.unreachable.rawValue,
                              message: summary)
        } else if targets.count > 1 {
            Terminal.out(summary + "\n")
        }
        if unreachable > 0 { throw DeckhandExit.unreachable.code }
    }

    private static func ping(_ connection: SSHHostConnection) async -> PingOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let result: CommandResult
        do {
            result = try await connection.run(ShellCommand("true"))
        } catch {
            await connection.close()
            return .unreachable((error as? ConnectionError)?.located ?? "\(error)")
        }
        let elapsed = clock.now - start
        await connection.close()
        guard result.exitStatus == 0 else {
            let detail = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            return .unreachable("logged in, but `true` exited with status \(result.exitStatus)"
                + (detail.isEmpty ? "" : ": \(detail)") + ". Check the login shell of \(connection.user) on the host.")
        }
        return .ok(elapsed)
    }

    private static func line(_ target: String, _ outcome: PingOutcome, width: Int) -> String {
        let name = target.padding(toLength: width, withPad: " ", startingAt: 0)
        switch outcome {
        case .ok(let elapsed):
            return "\(name)  ok           \(Self.milliseconds(elapsed)) ms\n"
        case .unreachable(let reason):
            return "\(name)  unreachable  \(reason)\n"
        }
    }

    private static func jsonLine(_ target: String, _ outcome: PingOutcome) -> String {
        switch outcome {
        case .ok(let elapsed):
            return JSONReport.line([("event", .string("ping")), ("target", .string(target)), ("ok", .bool(true)),
                                    ("milliseconds", .int(milliseconds(elapsed)))])
        case .unreachable(let reason):
            return JSONReport.line([("event", .string("ping")), ("target", .string(target)), ("ok", .bool(false)),
                                    ("reason", .string(reason))])
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

/// What pinging one host found.
enum PingOutcome: Sendable {
    case ok(Duration)
    case unreachable(String)

    var isOK: Bool {
        if case .ok = self { return true }
        return false
    }
}

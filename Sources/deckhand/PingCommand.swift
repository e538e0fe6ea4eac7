import ArgumentParser
import Foundation
import SSH

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

    func validate() throws {
        if targets.isEmpty { throw ValidationError("Name at least one target to ping.") }
    }

    func run() async throws {
        let resolved = try deckhand.connection.resolve(targets)
        let width = targets.map(\.count).max() ?? 0
        let outcomes = await withTaskGroup(of: (Int, PingOutcome).self) { group in
            for (index, options) in resolved.enumerated() {
                group.addTask { (index, await Self.ping(options)) }
            }
            // Lines come out in the order given, each as soon as it and all before it are known.
            var outcomes = [PingOutcome?](repeating: nil, count: resolved.count)
            var printed = 0
            for await (index, outcome) in group {
                outcomes[index] = outcome
                while printed < outcomes.count, let ready = outcomes[printed] {
                    Terminal.out(Self.line(targets[printed], ready, width: width))
                    printed += 1
                }
            }
            return outcomes.compactMap { $0 }
        }

        let unreachable = outcomes.filter { !$0.isOK }.count
        if targets.count > 1 {
            Terminal.out("\(targets.count - unreachable) ok, \(unreachable) unreachable\n")
        }
        if unreachable > 0 { throw DeckhandExit.unreachable.code }
    }

    private static func ping(_ options: SSHConnectOptions) async -> PingOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let session = try await SSHSession.connect(options)
            let result: CommandResult
            do {
                result = try await session.run("true")
            } catch {
                await session.close()
                throw error
            }
            let elapsed = clock.now - start
            await session.close()
            guard result.exitStatus == 0 else {
                let detail = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                return .unreachable("logged in, but `true` exited with status \(result.exitStatus)"
                    + (detail.isEmpty ? "" : ": \(detail)") + ". Check the login shell of \(options.user) on the host.")
            }
            return .ok(elapsed)
        } catch let error as SSHError {
            return .unreachable(error.description)
        } catch {
            return .unreachable("\(options.host):\(options.port): \(error)")
        }
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

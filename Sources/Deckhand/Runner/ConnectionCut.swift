import Foundation

/// Test only (Tests/WebHostTests/FaultInjectionTests): DECKHAND_FAULT_CUT_BEFORE_TASK=N makes the run kill, on
/// the host, the sshd process serving its connection right before its N-th task start (handlers and Gathering
/// Facts count, from 1), then carry on as if the network had failed. Set, it also numbers every task start on
/// stderr, so N=0 lists a verb's task boundaries without cutting any. Never set it outside a test.
final class ConnectionCut: @unchecked Sendable {
    static let variable = "DECKHAND_FAULT_CUT_BEFORE_TASK"

    let beforeTask: Int
    private let lock = NSLock()
    private var started = 0

    private init(beforeTask: Int) {
        self.beforeTask = beforeTask
    }

    /// Nil (no cut, no numbering) unless the variable holds a number.
    static func fromEnvironment() -> ConnectionCut? {
        guard let text = ProcessInfo.processInfo.environment[variable], let number = Int(text) else { return nil }
        return ConnectionCut(beforeTask: number)
    }

    /// Called before each task starts: numbers it, and before the N-th kills the sshd serving each host's connection.
    func taskStarting(_ title: String, hosts: [HostState], runner: PlaybookRunner) async {
        let number = lock.withLock { started += 1; return started }
        FileHandle.standardError.write(Data("\(Self.variable): task \(number): \(title)\n".utf8))
        guard number == beforeTask else { return }
        for host in hosts {
            FileHandle.standardError.write(Data("\(Self.variable): cutting \(host.name)'s connection before task \(number)\n".utf8))
            guard let connection = try? runner.pool.connection(for: runner.connectionVariables(of: host.name, scope: nil))
            else { continue }
            // The login shell's nearest sshd ancestor is the per-connection process (`sshd: user@notty`, or
            // sshd-session on OpenSSH 9.8+); killing it closes the TCP connection. The command dies with it,
            // so its error is the expected outcome.
            _ = try? await connection.run(.script(#"""
                p=$PPID
                while [ "$p" -gt 1 ]; do
                    case $(cat /proc/$p/comm) in sshd*) exec kill -9 "$p" ;; esac
                    p=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
                done
                exit 1
                """#))
        }
    }
}

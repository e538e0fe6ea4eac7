import Foundation

/// wait_for_connection's loop (ConnectionWaiting modules): the probe is tried through a fresh login each
/// time, as Ansible resets its connection between tries, so a session that died with a reboot is not reused.
extension ConnectionWait {
    /// The probe's answer once the host gives one, with `elapsed N` after it; after `timeout`, a failed
    /// result whose stderr says what the last try met.
    func run(_ command: ShellCommand, on connection: Connection, become: Become?) async throws -> CommandResult {
        let start = Date()
        if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000_000) }
        let end = Date().addingTimeInterval(TimeInterval(timeout))
        var lastError = "no answer"
        repeat {
            await connection.close()
            do {
                let answer = try await connection.run(command, become: become, stdin: nil)
                let elapsed = Int(Date().timeIntervalSince(start))
                if answer.exitStatus == 0 {
                    return CommandResult(exitStatus: 0, exitSignal: nil, stdout: answer.stdout + Data("elapsed \(elapsed)\n".utf8), stderr: answer.stderr)
                }
                lastError = "rc \(answer.exitStatus): \(answer.stderrText.trimmed)"
            } catch let error as ConnectionError {
                lastError = error.message
            }
            if Date() >= end { break }
            try await Task.sleep(nanoseconds: UInt64(sleep) * 1_000_000_000)
        } while Date() < end
        let elapsed = Int(Date().timeIntervalSince(start))
        return CommandResult(exitStatus: 1, exitSignal: nil, stdout: Data("elapsed \(elapsed)\n".utf8),
                             stderr: Data("timed out waiting for ping module test: \(lastError)".utf8))
    }
}

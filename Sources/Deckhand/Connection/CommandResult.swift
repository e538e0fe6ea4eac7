import Foundation

/// What a command answered, the same for every kind of connection: a command killed by signal N reports
/// exit status 128+N (the shell's convention) and the signal's name.
public struct CommandResult: Sendable {
    public var exitStatus: Int32
    /// The signal name without "SIG" (e.g. "TERM") when the command was killed by one.
    public var exitSignal: String?
    public var stdout: Data
    public var stderr: Data

    public init(exitStatus: Int32, exitSignal: String? = nil, stdout: Data, stderr: Data) {
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.stdout = stdout
        self.stderr = stderr
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

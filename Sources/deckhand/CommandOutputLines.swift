import Deckhand
import Foundation
import Jinja

/// `--output json` for a remote command's output (sh, exec): one {"event": "output", "stream": ..., "line": ...}
/// object per line, written as each line completes (a line split across reads is joined first).
final class CommandOutputLines: @unchecked Sendable {
    private let lock = NSLock()
    private var partial: [Bool: Data] = [:]

    /// The handler to give the connection.
    var handler: CommandOutputHandler {
        { [self] stream, data in receive(data, from: stream) }
    }

    private func receive(_ data: Data, from stream: CommandStream) {
        let isStdout = stream == .stdout
        let lines = lock.withLock { () -> [String] in
            var buffer = (partial[isStdout] ?? Data()) + data
            var complete: [String] = []
            while let newline = buffer.firstIndex(of: 0x0A) {
                complete.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer = Data(buffer[buffer.index(after: newline)...])
            }
            partial[isStdout] = buffer
            return complete
        }
        for line in lines { write(line, stdout: isStdout) }
    }

    /// Writes what is left of lines without a final newline.
    func finish() {
        let left = lock.withLock { () -> [(Bool, Data)] in
            defer { partial = [:] }
            return partial.filter { !$0.value.isEmpty }.sorted { $0.key && !$1.key }.map { ($0.key, $0.value) }
        }
        for (isStdout, data) in left { write(String(decoding: data, as: UTF8.self), stdout: isStdout) }
    }

    private func write(_ line: String, stdout: Bool) {
        Terminal.out(JSONReport.line([("event", .string("output")), ("stream", .string(stdout ? "stdout" : "stderr")),
                                      ("line", .string(line))]))
    }
}

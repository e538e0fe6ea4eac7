import Foundation

/// One line of `.deckhand/history`, written by playbooks/tasks/deploy_record.yml: tab-separated UTC ISO time,
/// action (deploy | rollback), ref, commit, release, result (ok, unchanged, failed, failed, rolled back to X),
/// user@machine, message.
public struct DeployHistoryLine: Sendable, Equatable {
    public var time: String
    public var action: String
    public var ref: String
    public var commit: String
    public var release: String
    public var result: String
    public var user: String
    public var message: String

    public init(time: String, action: String, ref: String, commit: String, release: String, result: String,
                user: String, message: String = "") {
        self.time = time
        self.action = action
        self.ref = ref
        self.commit = commit
        self.release = release
        self.result = result
        self.user = user
        self.message = message
    }

    /// Reads one line; nil for a line that is not one (blank, or too few fields).
    public init?(parsing line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 7, !fields[0].isEmpty else { return nil }
        self.init(time: fields[0], action: fields[1], ref: fields[2], commit: fields[3], release: fields[4],
                  result: fields[5], user: fields[6], message: fields.count > 7 ? fields[7...].joined(separator: " ") : "")
    }

    /// The line as the file holds it (tabs and newlines inside fields become spaces).
    public var recorded: String {
        [time, action, ref, commit, release, result, user, message].map(DeployHistoryLine.oneLine).joined(separator: "\t")
    }

    static func oneLine(_ field: String) -> String {
        field.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// Lines as a table for `deckhand history`, oldest first, the commit shortened to 7 characters.
    public static func table(_ lines: [DeployHistoryLine]) -> String {
        let header = ["TIME (UTC)", "ACTION", "REF", "COMMIT", "RELEASE", "RESULT", "BY", "MESSAGE"]
        let rows = [header] + lines.map {
            [$0.time, $0.action, $0.ref, String($0.commit.prefix(7)), $0.release, $0.result, $0.user, $0.message]
                .map(oneLine)
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}

import Foundation
import Jinja
import OrderedCollections

/// `--output json`: one JSON object per line per event (play_start, task_start, host_result, notice, warning,
/// recap); the README documents the schema.
public final class JSONReport: RunReporter, @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    public static func standardOutput() -> JSONReport {
        JSONReport { line in StandardOutput.write(line) }
    }

    public func finish() {}

    public func record(_ event: RunEvent) {
        let object: OrderedDictionary<String, Value>
        switch event {
        case .playStart(let name, let hosts, let checkMode):
            object = ["event": .string("play_start"), "play": .string(name), "hosts": .list(hosts.map(Value.string)),
                      "check_mode": .bool(checkMode)]
        case .taskStart(let task):
            object = ["event": .string("task_start"), "task": .string(task.name), "handler": .bool(task.isHandler),
                      "location": task.location.map { .string($0.description) } ?? .none]
        case .hostDone:
            return
        case .hostResult(let task, let result):
            var entry: OrderedDictionary<String, Value> = [
                "event": .string("host_result"), "task": .string(task.name), "host": .string(result.host),
                "status": .string(result.status.rawValue), "ignored": .bool(result.ignored),
            ]
            if let delegate = result.delegatedTo { entry["delegated_to"] = .string(delegate) }
            if let location = result.location { entry["location"] = .string(location.description) }
            entry["duration"] = JSONReport.seconds(result.duration)
            entry["result"] = .dict(result.result)
            object = entry
        case .notice(let text):
            object = ["event": .string("notice"), "message": .string(text)]
        case .warning(let text):
            object = ["event": .string("warning"), "message": .string(text)]
        case .recap(let stats, let duration):
            var hosts = OrderedDictionary<String, Value>()
            for (host, counts) in stats {
                hosts[host] = .dict(["ok": .int(counts.ok), "changed": .int(counts.changed),
                                     "unreachable": .int(counts.unreachable), "failed": .int(counts.failed),
                                     "skipped": .int(counts.skipped), "rescued": .int(counts.rescued),
                                     "ignored": .int(counts.ignored)])
            }
            object = ["event": .string("recap"), "hosts": .dict(hosts), "duration": JSONReport.seconds(duration)]
        }
        let line = Value.dict(object).jsonText + "\n"
        lock.withLock { write(line) }
    }

    /// One JSON object of `fields`, in their order, as a line (the CLI's outcome and events).
    public static func line(_ fields: [(String, Value)]) -> String {
        object(fields).jsonText + "\n"
    }

    /// A JSON object of `fields`, in their order (a later field of the same name wins).
    public static func object(_ fields: [(String, Value)]) -> Value {
        .dict(OrderedDictionary(fields, uniquingKeysWith: { $1 }))
    }

    /// `--profile`'s event: the slowest tasks, slowest first.
    public static func profileLine(_ entries: [TaskProfile.Entry]) -> String {
        line([("event", .string("profile")), ("tasks", .list(entries.map { entry in
            .dict(["task": .string(entry.task), "location": entry.location.map { .string($0.description) } ?? .none,
                   "duration": seconds(entry.seconds)])
        }))])
    }

    /// Seconds to the millisecond.
    static func seconds(_ value: TimeInterval) -> Value {
        .double((value * 1000).rounded() / 1000)
    }
}

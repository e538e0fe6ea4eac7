import Foundation
import Jinja
import OrderedCollections

extension FileModule {
    /// The `diff` Ansible's file module registers: before and after of the path's state (when it changes),
    /// mode, link source, and what a removed folder held (`path_content`).
    static func registeredDiff(path: String, state: State, current: FileState, after: FileState, probe: String,
                               times: (before: [(String, Value)], after: [(String, Value)])?) -> Value {
        var before: OrderedDictionary<String, Value> = ["path": .string(path)]
        var later: OrderedDictionary<String, Value> = ["path": .string(path)]
        let previous = current.kind == .other ? "file" : current.kind.rawValue
        if previous != state.rawValue {
            before["state"] = .string(previous)
            later["state"] = .string(state.rawValue)
            if state == .absent && current.kind == .directory {
                var directories: [Value] = [], files: [Value] = []
                for line in probe.split(separator: "\n") {
                    if line.hasPrefix("content-dir ") { directories.append(.string(String(line.dropFirst(12)))) }
                    if line.hasPrefix("content-file ") { files.append(.string(String(line.dropFirst(13)))) }
                }
                before["path_content"] = .dict(["directories": .list(directories), "files": .list(files)])
            }
        }
        if let was = current.mode, let now = after.mode, was != now, after.kind != .absent {
            before["mode"] = .string(String(format: "0%03o", was))
            later["mode"] = .string(String(format: "0%03o", now))
        }
        if state == .link, current.linkTarget != after.linkTarget, let target = after.linkTarget {
            if let old = current.linkTarget { before["src"] = .string(old) }
            later["src"] = .string(target)
        }
        if let times {
            for (key, value) in times.before { before[key] = value }
            for (key, value) in times.after { later[key] = value }
        }
        return .dict(["before": .dict(before), "after": .dict(later)])
    }
}

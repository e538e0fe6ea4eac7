import Foundation

/// `--list-hosts` and `--list-tasks`: what a run would touch, without connecting anywhere.
public enum PlaybookListing {
    public static func hosts(_ playbook: Playbook, inventory: Inventory, limit: String?) throws -> String {
        var lines: [String] = ["", "playbook: \(playbook.path)"]
        for (index, play) in playbook.plays.enumerated() {
            let hosts = try inventory.hostNames(matching: HostPattern(play.hosts), limit: limit)
            lines.append("")
            lines.append("  play #\(index + 1) (\(play.hosts)): \(play.displayName)\tTAGS: [\(play.keywords.tags.joined(separator: ","))]")
            lines.append("    pattern: ['\(play.hosts)']")
            lines.append("    hosts (\(hosts.count)):")
            lines += hosts.map { "      " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func tasks(_ playbook: Playbook, selected: (([String]) -> Bool)? = nil) -> String {
        var lines: [String] = ["", "playbook: \(playbook.path)"]
        for (index, play) in playbook.plays.enumerated() {
            lines.append("")
            lines.append("  play #\(index + 1) (\(play.hosts)): \(play.displayName)\tTAGS: [\(play.keywords.tags.joined(separator: ","))]")
            lines.append("    tasks:")
            func walk(_ items: [TaskItem], tags: [String]) {
                for item in items {
                    switch item {
                    case .task(let task):
                        let all = tags + task.keywords.tags
                        if let selected, !selected(all) { continue }
                        // As ansible-playbook: a set, sorted.
                        lines.append("      \(task.displayName)\tTAGS: [\(Set(all).sorted().joined(separator: ", "))]")
                    case .block(let block):
                        let inner = tags + block.keywords.tags
                        walk(block.block + block.rescue + block.always, tags: inner)
                    }
                }
            }
            walk(play.preTasks + play.roleTasks + play.tasks + play.postTasks, tags: play.keywords.tags)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

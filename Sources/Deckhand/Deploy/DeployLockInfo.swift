import Foundation

/// What `.deckhand/lock/info` says about the run holding the deploy lock: `key=value` lines written by
/// playbooks/tasks/deploy_lock_take.yml (user, host, pid, started as UTC ISO time, action, ref, message).
public struct DeployLockInfo: Sendable, Equatable {
    public var user: String
    /// The machine the holding deckhand runs on.
    public var host: String
    public var pid: Int?
    public var started: Date?
    public var action: String
    public var ref: String
    public var message: String

    /// Reads the info file's text; unknown keys are ignored and missing ones are empty, since a run that died
    /// between mkdir and writing info leaves an empty file.
    public init(parsing text: String) {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        user = fields["user"] ?? ""
        host = fields["host"] ?? ""
        pid = fields["pid"].flatMap { Int($0) }
        started = fields["started"].flatMap(DeployLockInfo.parseISO)
        action = fields["action"] ?? ""
        ref = fields["ref"] ?? ""
        message = fields["message"] ?? ""
    }

    /// One line naming the holder: `alice@laptop (pid 4242) since 2026-11-22T08:15:00Z (3m 12s ago), deploy of 'v2': hotfix`.
    public func holder(now: Date) -> String {
        var line = "\(user.isEmpty ? "?" : user)@\(host.isEmpty ? "?" : host)"
        if let pid { line += " (pid \(pid))" }
        if let started {
            line += " since \(DeployLockInfo.formatISO(started)) (\(DeployLockInfo.age(now.timeIntervalSince(started))) ago)"
        } else {
            line += " since an unknown time"
        }
        line += ", \(action.isEmpty ? "deploy" : action) of '\(ref)'"
        if !message.isEmpty { line += ": \(message)" }
        return line
    }

    /// Whether the holder ran on `machine` as a process that no longer exists there (`alive` answers for a pid):
    /// then the lock was left by a run that died. Nil when that cannot be known from here (another machine).
    public func holderIsGone(onMachine machine: String, alive: (Int) -> Bool) -> Bool? {
        guard host == machine, let pid, pid > 0 else { return nil }
        return !alive(pid)
    }

    /// `45s`, `3m 12s`, `2h 5m`, `3d 4h`.
    public static func age(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m \(seconds % 60)s"
        case ..<86400: return "\(seconds / 3600)h \(seconds % 3600 / 60)m"
        default: return "\(seconds / 86400)d \(seconds % 86400 / 3600)h"
        }
    }

    static func parseISO(_ text: String) -> Date? {
        // 2026-11-22T08:15:00Z
        let compact = text.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        return ReleaseName.parseTime(compact)
    }

    static func formatISO(_ date: Date) -> String {
        let compact = ReleaseName.formatTime(date)  // 20261122T081500Z
        let c = Array(compact)
        return "\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8]))T\(String(c[9..<11])):\(String(c[11..<13])):\(String(c[13..<15]))Z"
    }
}

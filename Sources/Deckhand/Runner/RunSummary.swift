import Foundation

/// The recap's counts and the exit status they mean.
public struct RunSummary: Sendable {
    public var stats: [(host: String, stats: HostStats)]
    /// What set_stats tasks named (a built-in playbook's outcomes for its verb).
    public var customStats = CustomStats()

    /// ansible-playbook's: 0 all fine, 2 a host failed, 4 a host was unreachable.
    public var exitCode: Int32 {
        if stats.contains(where: { $0.stats.failed > 0 }) { return 2 }
        if stats.contains(where: { $0.stats.unreachable > 0 }) { return 4 }
        return 0
    }

    public func stats(of host: String) -> HostStats? {
        stats.first { $0.host == host }?.stats
    }
}

import CLibSSH2
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide libssh2 setup: `libssh2_init` runs exactly once, before the first session.
enum LibSSH2 {
    private static let initialized: Bool = {
        // 500 sessions need ~1,000 descriptors (socket + wake-up descriptor each); lift the soft limit.
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        signal(SIGPIPE, SIG_IGN)
        return libssh2_init(0) == 0
    }()

    static func ensureInitialized() -> Bool { initialized }

    /// The last error libssh2 recorded for `session`, as text.
    static func lastError(_ session: OpaquePointer?) -> String {
        guard let session else { return "no session" }
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(session, &message, &length, 0)
        let text = message.map { String(cString: $0) } ?? ""
        return text.isEmpty ? "libssh2 error \(code)" : text
    }
}

/// Monotonic seconds, for deadlines and keepalive bookkeeping.
func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

import Foundation

/// A client that keeps asking https://<domain>/ through nginx, one request after another, until stopped: what
/// the site's visitors saw while a deploy ran.
final class SiteProbe: @unchecked Sendable {
    /// One answer: the HTTP status (0 when curl got none) and the version the page showed, if any.
    struct Response: CustomStringConvertible {
        let status: Int
        let version: String?
        let maintenancePage: Bool
        let at: Date

        var description: String {
            "\(status)" + (version.map { " \($0)" } ?? "") + (maintenancePage ? " (maintenance page)" : "")
        }
    }

    private let host: WebHost
    // Guards `collected` and `running`, shared by the probe's thread and the test's.
    private let lock = NSLock()
    private var collected: [Response] = []
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    /// Starts asking at once.
    init(_ host: WebHost) {
        self.host = host
        Thread.detachNewThread { [self] in
            while isRunning {
                let response = (try? host.site()).map {
                    Response(status: $0.status, version: WebHost.version(inPage: $0.body),
                             maintenancePage: $0.body.contains(WebHost.maintenanceTitle), at: Date())
                } ?? Response(status: 0, version: nil, maintenancePage: false, at: Date())
                lock.withLock { collected.append(response) }
                // A short pause leaves the two cores to the deploy being watched.
                Thread.sleep(forTimeInterval: 0.05)
            }
            finished.signal()
        }
    }

    private var isRunning: Bool { lock.withLock { running } }

    /// Stops after the request in flight and returns every answer, in order.
    func stop() -> [Response] {
        lock.withLock { running = false }
        finished.wait()
        return lock.withLock { collected }
    }
}

extension Array where Element == SiteProbe.Response {
    /// The answers that were not a 200 page of one of `versions` (nor, when `maintenanceAllowed`, the 503 page).
    func failures(allowing versions: Set<String>, maintenanceAllowed: Bool = false) -> [SiteProbe.Response] {
        filter { response in
            if response.status == 200, let version = response.version, versions.contains(version) { return false }
            if maintenanceAllowed && response.status == 503 && response.maintenancePage { return false }
            return true
        }
    }

    /// "1.0.0 x12, 2.0.0 x30": the answers in the order they changed, for failure messages.
    var summary: String {
        var runs: [(String, Int)] = []
        for response in self {
            if let last = runs.last, last.0 == response.description {
                runs[runs.count - 1].1 += 1
            } else {
                runs.append((response.description, 1))
            }
        }
        return runs.map { "\($0.0) x\($0.1)" }.joined(separator: ", ")
    }
}

import Foundation

/// Section `codeonly` (issue 15): on the provisioned loopback web host, code-only deploys (the requirements are
/// already on the host: the release links the shared virtualenv, no pip) against full ones
/// (deploy_venv_reuse=false: a virtualenv built and pip-installed, as the first deploy of new requirements
/// does), in the same run, alternating v1 (full) and v2 (code-only), while a client asks https://<domain>/ the
/// whole time. Prints both medians, their ratio against the target, and the client's failed requests.
enum CodeOnlyDeployBenchmark {
    static let rounds = DeployBenchmark.environmentInt("DECKHAND_BENCH_CODEONLY_ROUNDS") ?? 3
    static let ratioTarget = 0.35

    static func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-bench-codeonly-\(getpid())").path
        let host = try BenchWebHost.require(work: work)
        var keepLogs = true
        defer { if !keepLogs { try? FileManager.default.removeItem(atPath: work) } }
        print("codeonly: \(host.domain) on the loopback web host (\(host.state)), v1 full and v2 code-only in turn, \(rounds) rounds")
        // v2 live with the shared virtualenv of the sample app's requirements in place.
        try host.deckhand(["deploy", "bench", "--ref", "v2", "--force"], label: "deckhand deploy v2 (puts it in place)")
        try host.expectSite(200, after: "deckhand deploy --ref v2")

        let client = BenchSiteClient(domain: host.domain)
        var full: [Double] = [], codeOnly: [Double] = []
        do {
            for round in 1...rounds {
                full.append(try host.deckhand(["deploy", "bench", "--ref", "v1", "-e", "deploy_venv_reuse=false"],
                                              label: "full deploy \(round)"))
                try host.expectSite(200, after: "a full deploy of v1")
                codeOnly.append(try host.deckhand(["deploy", "bench", "--ref", "v2"], label: "code-only deploy \(round)"))
                try host.expectSite(200, after: "a code-only deploy of v2")
            }
        } catch {
            _ = client.stop()
            throw error
        }
        let (asked, failed, slowest) = client.stop()
        keepLogs = false
        let ratio = DeployBenchmark.median(codeOnly) / DeployBenchmark.median(full)
        DeployBenchmark.report("full deploy (virtualenv built, pip)", full, [], note: nil)
        DeployBenchmark.report("code-only deploy (virtualenv reused)", codeOnly, [], note: nil)
        let verdict = ratio <= ratioTarget && failed == 0 ? "met" : "NOT met"
        print(String(format: "  code-only / full deploy time: %.2f   failed requests: %d of %d (slowest answer %.1f s)",
                     ratio, failed, asked, slowest)
              + String(format: "   (target: at most %.2f with none failed: ", ratioTarget) + verdict + ")")
    }
}

/// A visitor asking https://<domain>/ through nginx one request after another until stopped; counts the
/// answers other than 200 and keeps the slowest. It waits as long as nginx waits for gunicorn (60 s): a slow
/// answer (new workers booting after a HUP on a loaded machine) is slow, not failed.
final class BenchSiteClient: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var asked = 0
    private var failed = 0
    private var slowest = 0.0
    private let finished = DispatchSemaphore(value: 0)

    init(domain: String) {
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                let started = Date()
                let status = BenchSiteClient.status(domain)
                let seconds = Date().timeIntervalSince(started)
                lock.withLock {
                    asked += 1
                    if status != 200 { failed += 1 }
                    slowest = max(slowest, seconds)
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            finished.signal()
        }
    }

    /// Stops after the request in flight: how many were asked, how many failed, the slowest answer's seconds.
    func stop() -> (asked: Int, failed: Int, slowest: Double) {
        lock.withLock { running = false }
        finished.wait()
        return lock.withLock { (asked, failed, slowest) }
    }

    private static func status(_ domain: String) -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sk", "-o", "/dev/null", "--max-time", "60", "--resolve", "\(domain):443:127.0.0.1",
                             "-w", "%{http_code}", "https://\(domain)/"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return 0 }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Int(String(decoding: data, as: UTF8.self)) ?? 0
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends a notice to every webhook and runs the notify command, all at once, from this machine. It never
/// throws: a notification that fails is returned as a line saying which and why, for the verb to report; the
/// deploy it tells about has happened either way.
public struct Notifier: Sendable {
    public var settings: NotifySettings
    /// How long a webhook may take to answer.
    public var webhookTimeout: TimeInterval = 10
    /// How long the command may run before it is killed.
    public var commandTimeout: TimeInterval = 30

    public init(settings: NotifySettings) {
        self.settings = settings
    }

    /// Delivers `notice`; returns one line per failed delivery (empty: all delivered).
    public func send(_ notice: DeckhandNotice) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            for url in settings.webhooks {
                group.addTask { await post(notice, to: url) }
            }
            if let command = settings.command {
                group.addTask { await run(command, with: notice) }
            }
            var failures: [String] = []
            for await failure in group {
                if let failure { failures.append(failure) }
            }
            return failures.sorted()
        }
    }

    private func post(_ notice: DeckhandNotice, to url: URL) async -> String? {
        var request = URLRequest(url: url, timeoutInterval: webhookTimeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("deckhand", forHTTPHeaderField: "User-Agent")
        request.httpBody = notice.json
        let endpoint = url.endpointWithoutSecrets
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        return await withCheckedContinuation { continuation in
            session.dataTask(with: request) { _, response, error in
                if let error {
                    continuation.resume(returning: "webhook \(endpoint): \(error.localizedDescription)")
                } else if let status = (response as? HTTPURLResponse)?.statusCode, !(200..<300).contains(status) {
                    continuation.resume(returning: "webhook \(endpoint) answered HTTP \(status)")
                } else {
                    continuation.resume(returning: nil)
                }
            }.resume()
        }
    }

    private func run(_ command: String, with notice: DeckhandNotice) async -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The values reach the command only through its environment, never its command line.
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: settings.directory)
        process.environment = ProcessInfo.processInfo.environment.merging(notice.environment) { $1 }
        // What the command says goes to stderr: stdout is the verb's.
        process.standardOutput = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return "notify command '\(command)': could not start /bin/sh: \(error.localizedDescription)"
        }
        let timeout = commandTimeout
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                if finished.wait(timeout: .now() + timeout) == .timedOut {
                    process.terminate()
                    finished.wait()
                    continuation.resume(returning: "notify command '\(command)' still ran after \(Int(timeout)) s and was stopped")
                    return
                }
                let status = process.terminationStatus
                if process.terminationReason == .uncaughtSignal {
                    continuation.resume(returning: "notify command '\(command)' was killed by signal \(status)")
                } else if status != 0 {
                    continuation.resume(returning: "notify command '\(command)' exited with status \(status)")
                } else {
                    continuation.resume(returning: nil)
                }
            }
        }
    }
}

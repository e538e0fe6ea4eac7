import Foundation
import XCTest

/// The provisioned web host the verbs are tried against: the loopback sshd (DECKHAND_TESTHOST_DIR) and the
/// outside world `testhost/webhost up` wrote (DECKHAND_WEBHOST_DIR, its vars.yml), with an operations folder
/// holding a deckhand.yml whose stage `test` is that host.
struct WebHost {
    let testhost: String
    let varsFile: String
    let domain: String
    let operations: String
    /// The stage's variables as `webhost up` wrote them (flat `key: value` lines).
    let vars: [String: String]

    var appUser: String { vars["app_user"] ?? "webapp" }
    /// The live database's name, the last part of database_url.
    var liveDatabase: String {
        let url = vars["database_url"] ?? ""
        return String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
    }

    /// Skips (fails under `make test`) with what to do when the host or its variables are missing.
    static func require() throws -> WebHost {
        let top = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let environment = ProcessInfo.processInfo.environment
        let testhost = environment["DECKHAND_TESTHOST_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? top.appendingPathComponent(".testhost").path
        let webhost = environment["DECKHAND_WEBHOST_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? top.appendingPathComponent(".webhost").path
        guard FileManager.default.fileExists(atPath: testhost + "/sshd.pid") else {
            throw unavailable("the loopback test host is down (no \(testhost)/sshd.pid): run `make testhost-up` or set DECKHAND_TESTHOST_DIR")
        }
        let varsFile = webhost + "/vars.yml"
        guard let vars = try? String(contentsOfFile: varsFile, encoding: .utf8) else {
            throw unavailable("no web host variables at \(varsFile): run `testhost/webhost up` and provision, or set DECKHAND_WEBHOST_DIR")
        }
        var values: [String: String] = [:]
        for line in vars.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix(" ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            values[String(line[..<colon])] = line[line.index(after: colon)...]
                .trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        }
        guard let domain = values["domain"], !domain.isEmpty else {
            throw unavailable("\(varsFile) names no domain: run `testhost/webhost up` again")
        }
        let operations = NSTemporaryDirectory() + "deckhand-ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: operations, withIntermediateDirectories: true)
        try """
            # The loopback web host; the rest of its settings come from \(varsFile) (-e).
            stages:
              test:
                host: testhost
                domain: \(domain)
            """.write(toFile: operations + "/deckhand.yml", atomically: true, encoding: .utf8)
        return WebHost(testhost: testhost, varsFile: varsFile, domain: domain, operations: operations, vars: values)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: operations)
    }

    /// Runs `deckhand VERB... -e @vars.yml` from the operations folder, as a user would.
    func deckhand(_ arguments: [String], extraVars: Bool = true) throws -> Output {
        var full = ["-F", testhost + "/ssh_config"] + arguments
        if extraVars {
            if let separator = full.firstIndex(of: "--") {
                full.insert(contentsOf: ["-e", "@" + varsFile], at: separator)
            } else {
                full += ["-e", "@" + varsFile]
            }
        }
        return try Output.run(WebHost.binary(), full, in: operations)
    }

    /// curl through nginx on the host, as the playbooks and a user check the site.
    func site(_ path: String = "/") throws -> (status: Int, body: String) {
        let output = try Output.run(URL(fileURLWithPath: "/usr/bin/curl"), [
            "-sk", "--max-time", "10", "--resolve", "\(domain):443:127.0.0.1", "-w", "\n%{http_code}",
            "https://\(domain)\(path)",
        ], in: operations)
        var lines = output.stdout.components(separatedBy: "\n")
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    var appDirectory: String { "/webapps/\(domain)" }

    // MARK: What a deploy leaves on the host (this machine is the host: its files are read directly)

    /// The title of the maintenance page (playbooks/defaults.yml).
    static let maintenanceTitle = "Down for maintenance"

    /// The version the sample app's page shows (`<span id="version">2.0.0</span>`).
    static func version(inPage body: String) -> String? {
        guard let start = body.range(of: "<span id=\"version\">"),
              let end = body.range(of: "</span>", range: start.upperBound..<body.endIndex) else { return nil }
        return String(body[start.upperBound..<end.lowerBound])
    }

    /// The version https://<domain>/ shows now, nil when the page is not the app's.
    func liveVersion() throws -> String? {
        let page = try site()
        return page.status == 200 ? WebHost.version(inPage: page.body) : nil
    }

    /// The release `repo` points to (a folder name under releases/), nil when repo is not a symlink.
    var liveRelease: String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: appDirectory + "/repo"))
            .map { ($0 as NSString).lastPathComponent }
    }

    /// The folders under releases/, oldest first (their names start with the UTC time).
    var releases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: appDirectory + "/releases")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// .deckhand/lock/info while a deploy holds the lock.
    var lockInfo: String? { try? String(contentsOfFile: appDirectory + "/.deckhand/lock/info", encoding: .utf8) }

    /// The lines of .deckhand/history, split at the tabs.
    var historyRecords: [[String]] {
        let text = (try? String(contentsOfFile: appDirectory + "/.deckhand/history", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// `deckhand ARGUMENTS... -e @vars.yml` started in the background, for a test that interrupts it or runs
    /// another deploy beside it.
    func startDeckhand(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningCommand {
        try RunningCommand(WebHost.binary(), ["-F", testhost + "/ssh_config"] + arguments + ["-e", "@" + varsFile], in: operations,
                           environment: environment)
    }

    static func binary() throws -> URL {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
            + Bundle.allBundles.map(\.bundleURL)
        for base in candidates {
            for folder in [base.deletingLastPathComponent(), base] {
                let binary = folder.appendingPathComponent("deckhand")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
            }
        }
        throw unavailable("build the deckhand executable first (swift build --build-tests)")
    }

    /// `make test` sets DECKHAND_WEBHOST_REQUIRED=1: there a missing host fails the tests (the run would prove
    /// nothing); an ad-hoc `swift test` on a machine without the web host skips them.
    static func unavailable(_ reason: String) -> Error {
        ProcessInfo.processInfo.environment["DECKHAND_WEBHOST_REQUIRED"] == "1"
            ? Unavailable(description: reason) : XCTSkip(reason)
    }

    /// Why the web host cannot be used, as a test failure.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }
}

/// What a command printed and how it exited.
struct Output: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The verb's final line.
    var lastLine: String {
        stdout.split(separator: "\n").last.map(String.init) ?? ""
    }

    var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

    static func run(_ binary: URL, _ arguments: [String], in folder: String) throws -> Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        // As in CI: no terminal to answer a question on.
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes at once so a chatty stderr cannot block the child; the semaphore orders the write
        // to `errData` before its read.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}


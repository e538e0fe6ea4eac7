import Foundation
import XCTest

/// docs/ci/github-actions-deploy.yml, as a CI runner would run it: its `run:` steps in order (all but "Install
/// deckhand": the built binary is on PATH instead), with bash -eo pipefail, stdin closed, a HOME of their own,
/// and every secret in the environment, against the loopback web host. The operations folder holds a deckhand.yml
/// whose secret_key is a `!vault` value, opened by docs/ci/vault-password from VAULT_PASSWORD.
final class CIWorkflowTests: XCTestCase {
    private var host: WebHost!
    private var runner = ""

    override func setUpWithError() throws {
        host = try WebHost.require()
        runner = NSTemporaryDirectory() + "deckhand-ci-\(UUID().uuidString)"
        for folder in ["home", "temp", "checkout/ci"] {
            try FileManager.default.createDirectory(atPath: runner + "/" + folder, withIntermediateDirectories: true)
        }
    }

    override func tearDown() {
        host?.cleanUp()
        try? FileManager.default.removeItem(atPath: runner)
    }

    private static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/ci")

    /// One `- name: ... run: ...` step of the workflow's job.
    struct Step {
        var name: String
        var script: String
    }

    /// The job's steps that run commands, in order (inline `run: x` and block `run: |`).
    static func steps(ofWorkflow text: String) -> [Step] {
        var steps: [Step] = []
        var name = ""
        let lines = text.components(separatedBy: "\n")
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("- ") { name = "" }
            if let range = trimmed.range(of: "name: "), trimmed.hasPrefix("- name: ") || trimmed.hasPrefix("name: ") {
                name = String(trimmed[range.upperBound...])
            }
            if trimmed.hasPrefix("run: ") {
                let value = String(trimmed.dropFirst("run: ".count))
                if value != "|" {
                    steps.append(Step(name: name, script: value))
                } else {
                    let keyIndent = line.prefix { $0 == " " }.count
                    var body: [String] = []
                    index += 1
                    while index < lines.count,
                          lines[index].trimmingCharacters(in: .whitespaces).isEmpty || lines[index].prefix(while: { $0 == " " }).count > keyIndent {
                        body.append(lines[index])
                        index += 1
                    }
                    let indent = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                        .map { $0.prefix { $0 == " " }.count }.min() ?? 0
                    steps.append(Step(name: name, script: body.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n")))
                    continue
                }
            }
            index += 1
        }
        return steps
    }

    /// Runs `script` as the runner does (bash -eo pipefail, stdin closed) in the checkout.
    private func run(_ script: String, environment: [String: String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["--noprofile", "--norc", "-eo", "pipefail", "-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: runner + "/checkout")
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let outFile = runner + "/temp/step-out", errFile = runner + "/temp/step-err"
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errFile))
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")
    }

    /// The operations checkout: deckhand.yml naming the loopback host by address, port and user (no ssh config:
    /// the runner has none), the web host's variables, secret_key vaulted; ci/vault-password from docs/.
    private func checkOut(vaultPassword: String) throws {
        let script = runner + "/checkout/ci/vault-password"
        try FileManager.default.copyItem(atPath: Self.docs.appendingPathComponent("vault-password").path, toPath: script)
        var environment = ProcessInfo.processInfo.environment
        environment["VAULT_PASSWORD"] = vaultPassword
        environment["SECRET"] = host.vars["secret_key"] ?? "test-only-secret"
        environment["PATH"] = try pathWithDeckhand()
        let vaulted = try run("deckhand vault encrypt_string --vault-password-file ci/vault-password --name secret_key \"$SECRET\"",
                              environment: environment)
        XCTAssertEqual(vaulted.status, 0, "\(vaulted)")
        let plain = (try String(contentsOfFile: host.varsFile, encoding: .utf8)).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.hasPrefix("domain:") && !$0.hasPrefix("secret_key:") }
            .map { "      " + $0 }.joined(separator: "\n")
        try """
            # The loopback web host as a CI checkout holds it.
            stages:
              test:
                host: 127.0.0.1
                port: 22022
                user: deckhand
                domain: \(host.domain)
                vars:
            \(plain)
                  \(vaulted.stdout.trimmingCharacters(in: .newlines))

            """.write(toFile: runner + "/checkout/deckhand.yml", atomically: true, encoding: .utf8)
    }

    private func pathWithDeckhand() throws -> String {
        try WebHost.binary().deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    }

    /// The runner's environment: the job's variables with the CI's secrets in them, nothing of this session's.
    private func ciEnvironment(vaultPassword: String) throws -> [String: String] {
        let client = host.testhost + "/client"
        return [
            "PATH": try pathWithDeckhand(), "HOME": runner + "/home", "LANG": "C.UTF-8", "USER": "runner",
            "RUNNER_TEMP": runner + "/temp", "GITHUB_STEP_SUMMARY": runner + "/temp/summary.md",
            "GITHUB_RUN_ID": "4242", "GITHUB_ACTOR": "ci-bot",
            "STAGE": "test", "DEPLOY_REF": "v2",
            "DEPLOY_SSH_KEY": try String(contentsOfFile: client + "/id_ed25519", encoding: .utf8),
            "DEPLOY_KNOWN_HOSTS": try String(contentsOfFile: client + "/known_hosts", encoding: .utf8),
            // An unset secret reaches the job as an empty variable: NOPASSWD sudo on the loopback host.
            "DECKHAND_BECOME_PASSWORD": "",
            "VAULT_PASSWORD": vaultPassword,
            "ANSIBLE_VAULT_PASSWORD_FILE": "ci/vault-password",
        ]
    }

    private func jsonLines(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: runner + "/checkout/" + path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    func testTheExampleWorkflowDeploysTheStageWithItsSecretsFromTheEnvironmentAndNoQuestions() throws {
        let workflow = try String(contentsOf: Self.docs.appendingPathComponent("github-actions-deploy.yml"), encoding: .utf8)
        let steps = Self.steps(ofWorkflow: workflow)
        XCTAssertEqual(steps.map(\.name), ["Install deckhand", "SSH key and host key", "Check the stage answers", "Deploy", "Summary"])
        let password = "ci-vault-\(UUID().uuidString)"
        try checkOut(vaultPassword: password)
        let environment = try ciEnvironment(vaultPassword: password)
        for step in steps where step.name != "Install deckhand" {
            let output = try run(step.script, environment: environment)
            XCTAssertEqual(output.status, 0, "step '\(step.name)':\n\(output)")
            guard output.status == 0 else { return }
        }
        let deploy = try jsonLines("deploy.jsonl")
        XCTAssertEqual(deploy.last?["event"] as? String, "outcome", "\(deploy.last ?? [:])")
        XCTAssertEqual(deploy.last?["ok"] as? Bool, true)
        XCTAssertEqual(deploy.last?["exit_code"] as? Int, 0)
        let deployed = (deploy.last?["outcomes"] as? [String: Any])?["deployed"] as? [String: Any]
        XCTAssertEqual(deployed?["ref"] as? String, "v2", "\(deploy.last ?? [:])")
        XCTAssertTrue(deploy.contains { $0["event"] as? String == "profile" }, "--profile's event")
        XCTAssertEqual(try host.liveVersion(), "2.0.0", "the site serves v2")
        let status = try jsonLines("status-before.jsonl")
        XCTAssertEqual(status.last?["ok"] as? Bool, true, "\(status.last ?? [:])")
        let summary = try String(contentsOfFile: runner + "/temp/summary.md", encoding: .utf8)
        XCTAssertTrue(summary.hasPrefix("deploy: deployed v2 ("), summary)
        let history = host.historyRecords.last ?? []
        XCTAssertTrue(history.contains("CI run 4242 by ci-bot"), "the message reaches the history: \(history)")
    }

    func testAMissingSecretFailsAtOnceNamingItInsteadOfAsking() throws {
        let workflow = try String(contentsOf: Self.docs.appendingPathComponent("github-actions-deploy.yml"), encoding: .utf8)
        let steps = Self.steps(ofWorkflow: workflow)
        try checkOut(vaultPassword: "the-password")
        var environment = try ciEnvironment(vaultPassword: "the-password")
        environment["VAULT_PASSWORD"] = nil
        for step in steps where step.name == "SSH key and host key" {
            XCTAssertEqual(try run(step.script, environment: environment).status, 0)
        }
        let check = try XCTUnwrap(steps.first { $0.name == "Check the stage answers" })
        let started = Date()
        let output = try run(check.script, environment: environment)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "nothing waited for input")
        XCTAssertEqual(output.status, 1, "\(output)")
        XCTAssertTrue(output.stderr.contains("VAULT_PASSWORD is not set"), output.stderr)
        let outcome = try XCTUnwrap(jsonLines("status-before.jsonl").last)
        XCTAssertEqual(outcome["ok"] as? Bool, false, "\(outcome)")
        XCTAssertEqual(outcome["exit_code"] as? Int, 1, "\(outcome)")
    }
}

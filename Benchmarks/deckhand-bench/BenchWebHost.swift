import Foundation

/// The provisioned loopback web host the `deploy` section times verbs against, with the two ways to drive it
/// with the same variables: the release `deckhand` beside this executable (an operations folder whose stage
/// `bench` is the host) and `ansible-playbook` from Benchmarks/.venv (an inventory like tools/ansible-oracle's).
struct BenchWebHost {
    let testhost: String
    /// The state folder of `testhost/webhost up` (its vars.yml holds the stage's variables).
    let state: String
    let domain: String
    let vars: [String: String]
    let deckhandBinary: String
    let ansiblePlaybook: String
    /// Scratch folder: deckhand.yml, inventory.ini, ansible.cfg and every command's log.
    let work: String

    var varsFile: String { state + "/vars.yml" }
    var appDirectory: String { "/webapps/\(domain)" }

    /// Finds the host or says how to get one.
    static func require(work: String) throws -> BenchWebHost {
        let environment = ProcessInfo.processInfo.environment
        let top = FileManager.default.currentDirectoryPath
        let testhost = environment["DECKHAND_TESTHOST_DIR"] ?? top + "/.testhost"
        let state = environment["DECKHAND_WEBHOST_DIR"] ?? top + "/.webhost"
        guard FileManager.default.fileExists(atPath: testhost + "/ssh_config") else {
            throw BenchmarkFailure("no test host at \(testhost); run Benchmarks/run (it brings one up) or `make testhost-up`")
        }
        guard let text = try? String(contentsOfFile: state + "/vars.yml", encoding: .utf8) else {
            throw BenchmarkFailure("no web host at \(state) (no vars.yml); run Benchmarks/run deploy, which brings one up "
                                   + "and provisions it, or set DECKHAND_WEBHOST_DIR to a provisioned one")
        }
        var vars: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix(" ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            vars[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        }
        guard let domain = vars["domain"], !domain.isEmpty else { throw BenchmarkFailure("\(state)/vars.yml names no domain") }
        guard FileManager.default.fileExists(atPath: "/webapps/\(domain)/maintenance_off.html")
            || FileManager.default.fileExists(atPath: "/webapps/\(domain)/maintenance_on.html") else {
            throw BenchmarkFailure("\(domain) is not provisioned (no /webapps/\(domain)/maintenance_*.html); run Benchmarks/run deploy, "
                                   + "which provisions it, or `deckhand provision` it")
        }
        let here = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent().path ?? top
        let deckhand = here + "/deckhand"
        guard FileManager.default.isExecutableFile(atPath: deckhand) else {
            throw BenchmarkFailure("no deckhand beside deckhand-bench (\(deckhand)); run `swift build -c release --product deckhand`")
        }
        let host = BenchWebHost(testhost: testhost, state: state, domain: domain, vars: vars, deckhandBinary: deckhand,
                                ansiblePlaybook: top + "/Benchmarks/.venv/bin/ansible-playbook", work: work)
        try host.writeFiles()
        return host
    }

    private func writeFiles() throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try """
            stages:
              bench:
                host: testhost
                domain: \(domain)
            """.write(toFile: work + "/deckhand.yml", atomically: true, encoding: .utf8)
        try """
            [webhost]
            bench ansible_host=127.0.0.1 ansible_port=22022 ansible_user=deckhand ansible_ssh_private_key_file=\(testhost)/client/id_ed25519 ansible_python_interpreter=/usr/bin/python3
            [webhost:vars]
            ansible_ssh_common_args='-o UserKnownHostsFile=\(testhost)/client/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'

            """.write(toFile: work + "/inventory.ini", atomically: true, encoding: .utf8)
        // As tools/ansible-oracle/run configures it: pipelining, so becoming the app user needs no temporary files.
        try """
            [defaults]
            inventory = \(work)/inventory.ini
            interpreter_python = /usr/bin/python3
            retry_files_enabled = false
            [ssh_connection]
            pipelining = true

            """.write(toFile: work + "/ansible.cfg", atomically: true, encoding: .utf8)
    }

    var hasAnsible: Bool { FileManager.default.isExecutableFile(atPath: ansiblePlaybook) }

    /// `deckhand VERB... -e @vars.yml` from the operations folder; seconds from start to exit.
    @discardableResult
    func deckhand(_ arguments: [String], label: String) throws -> Double {
        let full = ["-F", testhost + "/ssh_config"] + arguments + ["-e", "@" + varsFile]
        return try timed(deckhandBinary, full, label: label)
    }

    /// `ansible-playbook playbooks/PLAYBOOK -e @vars.yml -e KEY=VALUE...`; seconds from start to exit.
    @discardableResult
    func ansible(_ playbook: String, _ variables: [String: String], label: String) throws -> Double {
        let top = FileManager.default.currentDirectoryPath
        var arguments = [top + "/playbooks/" + playbook, "-e", "@" + varsFile]
        for (key, value) in variables.sorted(by: { $0.key < $1.key }) { arguments += ["-e", "\(key)=\(value)"] }
        return try timed(ansiblePlaybook, arguments, label: label)
    }

    var ansibleVersion: String {
        let log = work + "/ansible-version.log"
        _ = try? run(ansiblePlaybook, ["--version"], log: log)
        let first = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? ""
        return first.replacingOccurrences(of: "ansible-playbook ", with: "ansible-core ").replacingOccurrences(of: "[core ", with: "")
            .replacingOccurrences(of: "]", with: "")
    }

    /// The HTTP status https://<domain>/ answers through nginx on the host.
    func siteStatus() -> Int {
        let log = work + "/curl.log"
        _ = try? run("/usr/bin/curl", ["-sk", "-o", "/dev/null", "--max-time", "10", "--resolve", "\(domain):443:127.0.0.1",
                                       "-w", "%{http_code}", "https://\(domain)/"], log: log)
        return Int((try? String(contentsOfFile: log, encoding: .utf8)) ?? "") ?? 0
    }

    /// Fails the section when the site does not answer `status`: a timing of a verb that did not work is no timing.
    func expectSite(_ status: Int, after what: String) throws {
        let seen = siteStatus()
        guard seen == status else {
            throw BenchmarkFailure("after \(what), https://\(domain)/ answered \(seen), not \(status); see the logs in \(work)")
        }
    }

    private func timed(_ executable: String, _ arguments: [String], label: String) throws -> Double {
        let log = work + "/" + label.replacingOccurrences(of: " ", with: "-") + ".log"
        let clock = ContinuousClock()
        let start = clock.now
        let status = try run(executable, arguments, log: log)
        let elapsed = clock.now - start
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(15).joined(separator: "\n")
            throw BenchmarkFailure("\(label) exited \(status) (\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " "))); "
                                   + "last lines of \(log):\n\(tail)")
        }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Runs a command in the scratch folder with stdout and stderr into `log`; its exit status.
    private func run(_ executable: String, _ arguments: [String], log: String) throws -> Int32 {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        guard let output = FileHandle(forWritingAtPath: log) else { throw BenchmarkFailure("cannot write \(log)") }
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: work)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["ANSIBLE_CONFIG"] = work + "/ansible.cfg"
        environment["ANSIBLE_NOCOLOR"] = "1"
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

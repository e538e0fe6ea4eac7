import Deckhand
import Foundation
import SSH

/// Section `playbook`: the public pyinfra-performance workload (ensure a user, touch a log file, copy a file,
/// run `echo`) on 1, 10 and 50 hosts, first run and second (nothing changes) run: deckhand against
/// ansible-playbook and pyinfra from Benchmarks/.venv, all measured in this run.
///
/// The loopback test host answers on 127.0.0.1 and 127.0.0.2; the N inventory hosts alternate between them,
/// each with its own paths. The user ensured is the login user itself, so nothing is added to the machine.
enum PlaybookBenchmark {
    static let hostCounts = (ProcessInfo.processInfo.environment["DECKHAND_BENCH_PLAYBOOK_HOSTS"] ?? "1,10,50")
        .split(separator: ",").compactMap { Int($0) }
    static let targets: [String: Double] = ["ansible-playbook": 20, "pyinfra": 5]

    static func run() async throws {
        let testhost = ProcessInfo.processInfo.environment["DECKHAND_TESTHOST_DIR"]
            ?? FileManager.default.currentDirectoryPath + "/.testhost"
        guard FileManager.default.fileExists(atPath: testhost + "/ssh_config") else {
            throw BenchmarkFailure("no test host at \(testhost); run `make testhost-up` or Benchmarks/run")
        }
        let venv = FileManager.default.currentDirectoryPath + "/Benchmarks/.venv/bin"
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-bench-playbook-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try "pyinfra-performance payload\n".write(toFile: work + "/payload.txt", atomically: true, encoding: .utf8)
        print("playbook: pyinfra-performance workload on the loopback test host (\(testhost))")

        for count in hostCounts {
            let setup = try Workload(count: count, work: work, testhost: testhost)
            var rows: [(String, [Double])] = []
            rows.append(("deckhand", try await setup.timeDeckhand()))
            for (peer, command) in [("ansible-playbook", venv + "/ansible-playbook"), ("pyinfra", venv + "/pyinfra")] {
                guard FileManager.default.isExecutableFile(atPath: command) else {
                    print("  \(peer): not installed in Benchmarks/.venv (python3 -m venv Benchmarks/.venv && "
                          + "Benchmarks/.venv/bin/pip install ansible-core pyinfra); skipped")
                    continue
                }
                rows.append((peer, try setup.timePeer(peer, command: command)))
            }
            print("  \(count) host\(count == 1 ? "" : "s"):")
            let deckhand = rows[0].1
            for (name, times) in rows {
                var line = "    \(name.padding(toLength: 17, withPad: " ", startingAt: 0)) first run \(format(times[0]))   second run \(format(times[1]))"
                if name != "deckhand" {
                    let first = times[0] / deckhand[0], second = times[1] / deckhand[1]
                    line += String(format: "   deckhand is %.1fx / %.1fx faster", first, second)
                    if count == 50, let target = targets[name] {
                        line += min(first, second) >= target ? "  (target \(Int(target))x: met)" : "  (target \(Int(target))x: NOT met)"
                    }
                }
                print(line)
            }
        }
    }

    static func format(_ seconds: Double) -> String { String(format: "%7.2fs", seconds) }
}

/// One host count's inventory, playbook and peer files, in a folder of its own.
struct Workload {
    let count: Int
    let folder: String
    let testhost: String
    let hosts: [(name: String, address: String)]

    init(count: Int, work: String, testhost: String) throws {
        self.count = count
        self.testhost = testhost
        folder = work + "/\(count)"
        hosts = (1...count).map { ("h\($0)", $0 % 2 == 1 ? "127.0.0.1" : "127.0.0.2") }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // The hosts log in as `deckhand` and write under this folder.
        chmod(work, 0o1777)
        chmod(folder, 0o1777)
        try write()
    }

    var key: String { testhost + "/client/id_ed25519" }
    var knownHosts: String { testhost + "/client/known_hosts" }

    private func write() throws {
        let inventory = ["[bench]"] + hosts.map {
            "\($0.name) ansible_host=\($0.address) ansible_port=22022 ansible_user=deckhand ansible_ssh_private_key_file=\(key) ansible_python_interpreter=/usr/bin/python3"
        }
        try (inventory.joined(separator: "\n") + "\n").write(toFile: folder + "/inventory.ini", atomically: true, encoding: .utf8)
        try """
        - hosts: bench
          gather_facts: false
          tasks:
            - name: ensure a user
              user: { name: deckhand }
            - name: log folder
              file: { path: "\(folder)/run/{{ inventory_hostname }}", state: directory }
            - name: touch a log file
              file: { path: "\(folder)/run/{{ inventory_hostname }}/app.log", state: touch, modification_time: preserve, access_time: preserve }
            - name: copy a file
              copy: { src: "\(folder)/../payload.txt", dest: "\(folder)/run/{{ inventory_hostname }}/payload.txt" }
            - name: run echo
              command: echo hello
              changed_when: false
        """.write(toFile: folder + "/site.yml", atomically: true, encoding: .utf8)
        try """
        [defaults]
        forks = 50
        host_key_checking = True
        interpreter_python = /usr/bin/python3
        [ssh_connection]
        ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=\(knownHosts) -o IdentitiesOnly=yes
        pipelining = True
        """.write(toFile: folder + "/ansible.cfg", atomically: true, encoding: .utf8)
        let pyHosts = hosts.map {
            "(\"\($0.name)\", {\"ssh_hostname\": \"\($0.address)\", \"ssh_port\": 22022, \"ssh_user\": \"deckhand\", "
                + "\"ssh_key\": \"\(key)\", \"ssh_known_hosts_file\": \"\(knownHosts)\"})"
        }
        let pyInventory = "bench = [\n    " + pyHosts.joined(separator: ",\n    ") + ",\n]\n"
        try pyInventory.write(toFile: folder + "/inventory.py", atomically: true, encoding: .utf8)
        try """
        from pyinfra import host
        from pyinfra.operations import files, server

        base = "\(folder)/pyrun/" + host.name
        server.user(name="ensure a user", user="deckhand", present=True)
        files.directory(name="log folder", path=base)
        files.file(name="touch a log file", path=base + "/app.log", touch=False)
        files.put(name="copy a file", src="\(folder)/../payload.txt", dest=base + "/payload.txt")
        server.shell(name="run echo", commands=["echo hello"])

        """.write(toFile: folder + "/deploy.py", atomically: true, encoding: .utf8)
    }

    /// Two runs of the playbook through the engine, one SSH connection per host per run.
    func timeDeckhand() async throws -> [Double] {
        let sshConfig = folder + "/ssh_config"
        try "Host *\n    UserKnownHostsFile \(knownHosts)\n".write(toFile: sshConfig, atomically: true, encoding: .utf8)
        let connector = try HostConnector(settings: ConnectionSettings(sshConfigFile: sshConfig))
        var times: [Double] = []
        for _ in 0..<2 {
            let loader = PlaybookLoader()
            let playbook = try loader.loadPlaybook(at: folder + "/site.yml")
            let inventory = try Inventory.load(from: [folder + "/inventory.ini"])
            var options = RunOptions()
            options.loader = loader
            let pool = ConnectionPool(connector: connector)
            let started = Date()
            let events = RecordingReporter()
            let summary = await PlaybookRunner(inventory: inventory, options: options, pool: pool, reporter: events).run(playbook)
            times.append(Date().timeIntervalSince(started))
            guard summary.exitCode == 0 else {
                let failure = events.events.compactMap { event -> String? in
                    if case .hostResult(let task, let result) = event, result.status == .failed || result.status == .unreachable {
                        return "\(task.name) on \(result.host): \(result.msg ?? "")"
                    }
                    return nil
                }.first ?? ""
                throw BenchmarkFailure("deckhand run failed on \(count) hosts (exit \(summary.exitCode)): \(failure)")
            }
        }
        return times
    }

    func timePeer(_ peer: String, command: String) throws -> [Double] {
        var times: [Double] = []
        for _ in 0..<2 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command)
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            var environment = ProcessInfo.processInfo.environment
            environment["ANSIBLE_CONFIG"] = folder + "/ansible.cfg"
            process.environment = environment
            process.arguments = peer == "pyinfra" ? ["-y", "--parallel", "50", "inventory.py", "deploy.py"]
                                                  : ["-i", "inventory.ini", "site.yml"]
            let log = FileHandle(forWritingAtPath: "/dev/null")
            process.standardOutput = log
            process.standardError = log
            let started = Date()
            try process.run()
            process.waitUntilExit()
            times.append(Date().timeIntervalSince(started))
            guard process.terminationStatus == 0 else {
                throw BenchmarkFailure("\(peer) failed on \(count) hosts (exit \(process.terminationStatus)); run it by hand in \(folder)")
            }
        }
        return times
    }
}

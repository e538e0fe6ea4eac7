import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// playbooks/docker-host.yml against this machine through the loopback sshd, with the world of
/// `testhost/dockerhost up` (a loop device as the EBS volume, a registry with a login, vars.yml): a check run
/// changes nothing, the first run formats, mounts, starts dockerd and the containers, the second changes
/// nothing, a new env value recreates its container and shows over HTTP. Skipped unless
/// DECKHAND_DOCKERHOST_DIR names a folder that `dockerhost up` prepared (make test's dockerhost step does).
final class DockerHostTests: XCTestCase {
    private var directory = ""
    private var variables = OrderedDictionary<String, Value>()
    private static let playbook = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("playbooks/docker-host.yml").path
    private static let inventory = """
        testhost ansible_host=127.0.0.1 ansible_port=22022 ansible_user=deckhand
        """

    override func setUpWithError() throws {
        let configured = ProcessInfo.processInfo.environment["DECKHAND_DOCKERHOST_DIR"] ?? ""
        guard !configured.isEmpty, FileManager.default.fileExists(atPath: configured + "/vars.yml") else {
            throw XCTSkip("no Docker host prepared: testhost/dockerhost up, then DECKHAND_DOCKERHOST_DIR=<its folder>")
        }
        try LoopbackHost.requireUp()
        directory = configured
        variables = try ExtraVars.parse(["@" + configured + "/vars.yml"])
    }

    private func run(check: Bool = false, diff: Bool = false, greeting: String? = nil) async throws -> (RunSummary, RecordingReporter) {
        var vars = variables
        if let greeting { vars["docker_containers"] = containers(greeting: greeting) }
        return try await LoopbackHost.run(Self.playbook, inventory: Self.inventory, extraVars: vars, check: check, diff: diff)
    }

    /// vars.yml's containers, the first (greeter) with another GREETING.
    private func containers(greeting: String) -> Value {
        guard case .list(var containers)? = variables["docker_containers"], case .dict(var first)? = containers.first else { return .none }
        first["env"] = .dict(["GREETING": .string(greeting)])
        containers[0] = .dict(first)
        return .list(containers)
    }

    /// What a command on this machine (the test host itself) prints; nil when it fails.
    private func local(_ arguments: String...) -> String? {
        let (status, output) = localRun(arguments)
        return status == 0 ? output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// A command on this machine: its exit status and standard output.
    private func localRun(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (-1, "") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func answer(_ url: String) -> String? { local("curl", "-sf", "--max-time", "5", url) }

    private var device: String { variables["docker_volume_device"]?.displayText ?? "" }
    private var mountPoint: String { variables["docker_volume_mount"]?.displayText ?? "" }

    func testTheDockerHostComesUpOnceStaysPutAndRecreatesAContainerForANewEnvValue() async throws {
        if local("blkid", "-c", "/dev/null", "-o", "value", "-s", "TYPE", device) == nil {
            let (checked, checkEvents) = try await run(check: true)
            XCTAssertEqual(checked.exitCode, 0, checkEvents.failureReport)
            XCTAssertEqual(checkEvents.results(ofTask: "The EBS volume has a file system").first?.status, .changed)
            XCTAssertNil(local("blkid", "-c", "/dev/null", "-o", "value", "-s", "TYPE", device), "check mode formatted the volume")
            XCTAssertNil(local("findmnt", "-rn", "--mountpoint", mountPoint), "check mode mounted the volume")
        }

        let started = Date()
        let (first, firstEvents) = try await run()
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        print("docker-host.yml, first run: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        XCTAssertEqual(local("blkid", "-c", "/dev/null", "-o", "value", "-s", "TYPE", device), "ext4")
        XCTAssertEqual(local("findmnt", "-rn", "-o", "SOURCE", "--mountpoint", mountPoint), device)
        let fstab = try String(contentsOfFile: variables["docker_fstab"]?.displayText ?? "", encoding: .utf8)
        XCTAssertTrue(fstab.contains("\(device) \(mountPoint) ext4 noatime 0 0"), fstab)
        XCTAssertEqual(local("docker", "info", "--format", "{{.DockerRootDir}}"), mountPoint + "/data")
        XCTAssertNil(local("ip", "link", "show", "docker0"), "Docker made its default bridge")
        let envFile = (variables["docker_env_dir"]?.displayText ?? "") + "/greeter.env"
        let mode = try FileManager.default.attributesOfItem(atPath: envFile)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        XCTAssertEqual(answer("http://127.0.0.1:18081/cgi-bin/greeting"), "hello from deckhand")
        XCTAssertEqual(answer("http://127.0.0.1:18082/index.html"), "<p>built on the host</p>")
        XCTAssertEqual(local("docker", "inspect", "--format", "{{json .HostConfig.Binds}}", "greeter"),
                       #"["\#(mountPoint)/greeter-data:/data:ro"]"#)

        let (second, secondEvents) = try await run()
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(second.stats(of: "testhost")?.changed, 0, "second run: \(String(describing: second.stats(of: "testhost")))")

        let (third, thirdEvents) = try await run(diff: true, greeting: "bonjour from deckhand")
        XCTAssertEqual(third.exitCode, 0, thirdEvents.failureReport)
        let containers = try XCTUnwrap(thirdEvents.results(ofTask: "The containers run").first)
        XCTAssertEqual(containers.status, .changed)
        XCTAssertEqual(containers.items.map(\.status), [.changed, .ok], "greeter recreated, site left alone")
        XCTAssertEqual(containers.diffs.map(\.before), ["env.GREETING: hello from deckhand\n"])
        XCTAssertEqual(containers.diffs.map(\.after), ["env.GREETING: bonjour from deckhand\n"])
        XCTAssertEqual(answer("http://127.0.0.1:18081/cgi-bin/greeting"), "bonjour from deckhand")
        XCTAssertEqual(third.stats(of: "testhost")?.changed, 2, "the env file and the container, nothing else")

        // How a user looks in: deckhand sh HOST -- sudo docker exec ...
        let workspace = NSTemporaryDirectory()
        let shell = try DeckhandBinary.run(["-F", LoopbackHost.directory + "/ssh_config", "sh", "testhost", "--",
                                            "sudo", "docker", "exec", "greeter", "/bin/busybox", "env"], in: workspace)
        XCTAssertEqual(shell.status, 0, shell.stderr)
        XCTAssertTrue(shell.stdout.contains("GREETING=bonjour from deckhand\n"), shell.stdout)

        try await pushTheBuiltImageOnce()
    }

    /// docker_image tags the image the playbook built into the registry's namespace and pushes it; the second
    /// push finds every layer there and changes nothing.
    private func pushTheBuiltImageOnce() async throws {
        let path = NSTemporaryDirectory() + "deckhand-push-\(UUID().uuidString).yml"
        try """
        - hosts: all
          become: true
          gather_facts: false
          tasks:
            - name: push
              community.docker.docker_image:
                name: quoin/site:1
                source: local
                repository: "{{ docker_registry }}/quoin/site"
                push: true
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (pushed, pushEvents) = try await LoopbackHost.run(path, inventory: Self.inventory, extraVars: variables)
        XCTAssertEqual(pushed.exitCode, 0, pushEvents.failureReport)
        XCTAssertEqual(pushEvents.results(ofTask: "push").first?.status, .changed)
        let tags = local("curl", "-sf", "--netrc-file", directory + "/netrc", "http://127.0.0.1:15500/v2/quoin/site/tags/list")
        XCTAssertEqual(tags, #"{"name":"quoin/site","tags":["1"]}"#)
        let (again, againEvents) = try await LoopbackHost.run(path, inventory: Self.inventory, extraVars: variables)
        XCTAssertEqual(again.exitCode, 0, againEvents.failureReport)
        XCTAssertEqual(againEvents.results(ofTask: "push").first?.status, .ok)
    }

    // The tests below are named to sort after the first one (XCTest runs them by name), which must find the
    // volume unformatted for its check-mode part; each settles the Docker host with docker-host.yml first.

    /// Quoin's reverse proxy with many options: Docker keeps each as the task says, a second run changes nothing,
    /// a new memory limit recreates it with that in the diff; community.docker (when the oracle is installed) finds
    /// deckhand's container as it wants it, and deckhand finds community.docker's its own.
    func testWithManyOptionsAContainerRunsAsDescribedAndStaysPut() async throws {
        let (settled, settledEvents) = try await run()
        XCTAssertEqual(settled.exitCode, 0, settledEvents.failureReport)
        let path = NSTemporaryDirectory() + "deckhand-proxy-\(UUID().uuidString).yml"
        defer { try? FileManager.default.removeItem(atPath: path); _ = local("docker", "rm", "--force", "deckhand-proxy") }
        func proxy(memory: String) async throws -> (RunSummary, RecordingReporter) {
            try Self.proxyPlaybook(memory: memory).write(toFile: path, atomically: true, encoding: .utf8)
            return try await LoopbackHost.run(path, inventory: Self.inventory, extraVars: variables, diff: true)
        }
        let (first, firstEvents) = try await proxy(memory: "64m")
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        XCTAssertEqual(firstEvents.results(ofTask: "proxy").first?.status, .changed)
        XCTAssertEqual(answer("http://127.0.0.1:18083/index.html"), "<p>greeter</p>")
        func inspect(_ format: String) -> String? { local("docker", "inspect", "--format", format, "deckhand-proxy") }
        XCTAssertEqual(inspect("{{json .HostConfig.PortBindings}}"), #"{"18083/tcp":[{"HostIp":"127.0.0.1","HostPort":"18090"}]}"#)
        XCTAssertEqual(inspect("{{.Config.User}} {{.Config.WorkingDir}} {{json .Config.Entrypoint}} {{.Config.StopSignal}} {{.Config.StopTimeout}}"),
                       #"65534:65534 /www ["/bin/busybox"] SIGTERM 3"#)
        XCTAssertEqual(inspect("{{.HostConfig.Memory}} {{.HostConfig.ShmSize}} {{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.Tmpfs}}"),
                       #"67108864 33554432 true {"/tmp":"size=1m"}"#)
        XCTAssertEqual(inspect("{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}} {{json .HostConfig.ExtraHosts}} {{json .HostConfig.Ulimits}}"),
                       #"["CAP_NET_BIND_SERVICE"] ["ALL"] ["db.quoin.test:127.0.0.1"] [{"Name":"nofile","Hard":2048,"Soft":1024}]"#)
        XCTAssertEqual(inspect("{{.Config.Hostname}} {{json .HostConfig.Dns}} {{json .HostConfig.Devices}} {{.HostConfig.PublishAllPorts}}"),
                       #"edge ["127.0.0.53"] [{"CgroupPermissions":"rw","PathInContainer":"/dev/sink","PathOnHost":"/dev/null"}] true"#)
        XCTAssertEqual(inspect("{{.HostConfig.LogConfig.Type}} {{json .HostConfig.LogConfig.Config}} {{json .Config.Healthcheck.Test}}"),
                       #"json-file {"max-file":"2","max-size":"1m"} ["CMD-SHELL","wget -q -O /dev/null http://127.0.0.1:18083/index.html"]"#)

        let (second, secondEvents) = try await proxy(memory: "64m")
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(secondEvents.results(ofTask: "proxy").first?.status, .ok, "second run: \(secondEvents.results(ofTask: "proxy"))")

        let (third, thirdEvents) = try await proxy(memory: "128m")
        XCTAssertEqual(third.exitCode, 0, thirdEvents.failureReport)
        let changed = try XCTUnwrap(thirdEvents.results(ofTask: "proxy").first)
        XCTAssertEqual(changed.diffs.map(\.before), ["memory: 67108864\n"])
        XCTAssertEqual(changed.diffs.map(\.after), ["memory: 134217728\n"])
        XCTAssertEqual(inspect("{{.HostConfig.Memory}}"), "134217728")

        guard let ansible = ansiblePlaybook() else { return }
        let (status, checked) = ansible(path, ["--check", "--diff"])
        XCTAssertEqual(status, 0, checked)
        XCTAssertTrue(checked.contains("changed=0 "), "community.docker wants deckhand's container changed:\n" + checked)
        _ = local("docker", "rm", "--force", "deckhand-proxy")
        let (created, output) = ansible(path, [])
        XCTAssertEqual(created, 0, output)
        XCTAssertTrue(output.contains("changed=1 "), output)
        let (after, afterEvents) = try await proxy(memory: "128m")
        XCTAssertEqual(after.exitCode, 0, afterEvents.failureReport)
        XCTAssertEqual(afterEvents.results(ofTask: "proxy").first?.status, .ok,
                       "deckhand after community.docker: \(afterEvents.results(ofTask: "proxy").first?.diffs.map(\.after) ?? [])")
    }

    /// A CMS on two networks with aliases: docker run starts it on the first, deckhand connects the second; with
    /// comparisons networks: strict, dropping the second disconnects it without recreating the container, and
    /// community.docker (when installed) finds that end state as it wants it.
    func testWithTwoNetworksAContainerIsConnectedAndDisconnectedWithoutRecreating() async throws {
        let (settled, settledEvents) = try await run()
        XCTAssertEqual(settled.exitCode, 0, settledEvents.failureReport)
        for network in ["deckhand-back", "deckhand-front"] {
            _ = local("docker", "network", "rm", network)
            XCTAssertNotNil(local("docker", "network", "create", "--internal", "--subnet", network == "deckhand-back" ? "172.30.77.0/24" : "172.30.78.0/24",
                                  network), "docker network create \(network)")
        }
        let path = NSTemporaryDirectory() + "deckhand-cms-\(UUID().uuidString).yml"
        defer {
            try? FileManager.default.removeItem(atPath: path)
            _ = local("docker", "rm", "--force", "deckhand-cms")
            for network in ["deckhand-back", "deckhand-front"] { _ = local("docker", "network", "rm", network) }
        }
        func cms(_ networks: String) async throws -> (RunSummary, RecordingReporter) {
            try """
            - hosts: all
              become: true
              gather_facts: false
              tasks:
                - name: cms
                  community.docker.docker_container:
                    name: deckhand-cms
                    image: "{{ docker_registry }}/quoin/greeter:1"
                    command: [/bin/busybox, sleep, "3600"]
                    init: true
                    networks: \(networks)
                    comparisons: {networks: strict}
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return try await LoopbackHost.run(path, inventory: Self.inventory, extraVars: variables, diff: true)
        }
        let both = "[{name: deckhand-back, aliases: [cms], ipv4_address: 172.30.77.10}, {name: deckhand-front, aliases: [www]}]"
        let (first, firstEvents) = try await cms(both)
        XCTAssertEqual(first.exitCode, 0, firstEvents.failureReport)
        func inspect(_ format: String) -> String? { local("docker", "inspect", "--format", format, "deckhand-cms") }
        XCTAssertEqual(inspect("{{.HostConfig.NetworkMode}}"), "deckhand-back")
        XCTAssertEqual(inspect(#"{{range $name, $net := .NetworkSettings.Networks}}{{$name}}={{index $net.Aliases 0}} {{end}}"#),
                       "deckhand-back=cms deckhand-front=www")
        XCTAssertEqual(inspect(#"{{(index .NetworkSettings.Networks "deckhand-back").IPAddress}}"#), "172.30.77.10")
        let id = inspect("{{.Id}}")

        let (second, secondEvents) = try await cms(both)
        XCTAssertEqual(second.exitCode, 0, secondEvents.failureReport)
        XCTAssertEqual(secondEvents.results(ofTask: "cms").first?.status, .ok)

        let (third, thirdEvents) = try await cms("[{name: deckhand-back, aliases: [cms], ipv4_address: 172.30.77.10}]")
        XCTAssertEqual(third.exitCode, 0, thirdEvents.failureReport)
        XCTAssertEqual(thirdEvents.results(ofTask: "cms").first?.diffs.map(\.after), ["networks.deckhand-front: (not connected)\n"])
        XCTAssertEqual(inspect("{{.Id}}"), id, "disconnected, not recreated")
        XCTAssertEqual(inspect(#"{{range $name, $net := .NetworkSettings.Networks}}{{$name}} {{end}}"#), "deckhand-back")

        guard let ansible = ansiblePlaybook() else { return }
        let (status, checked) = ansible(path, ["--check", "--diff"])
        XCTAssertEqual(status, 0, checked)
        XCTAssertTrue(checked.contains("changed=0 "), "community.docker wants deckhand's container changed:\n" + checked)
    }

    /// A one-off job (detach: false, cleanup: true): the task waits for the command, fails when it fails, and
    /// leaves no container behind when it succeeds.
    func testWithDetachFalseAJobRunsToItsEndAndCleanupRemovesIt() async throws {
        let (settled, settledEvents) = try await run()
        XCTAssertEqual(settled.exitCode, 0, settledEvents.failureReport)
        let path = NSTemporaryDirectory() + "deckhand-job-\(UUID().uuidString).yml"
        defer { try? FileManager.default.removeItem(atPath: path); _ = local("docker", "rm", "--force", "deckhand-job") }
        func job(_ command: String) async throws -> (RunSummary, RecordingReporter) {
            try """
            - hosts: all
              become: true
              gather_facts: false
              tasks:
                - name: job
                  community.docker.docker_container:
                    name: deckhand-job
                    image: "{{ docker_registry }}/quoin/greeter:1"
                    network_mode: host
                    command: \(command)
                    detach: false
                    cleanup: true
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return try await LoopbackHost.run(path, inventory: Self.inventory, extraVars: variables)
        }
        let (done, doneEvents) = try await job("[/bin/busybox, sh, -c, 'sleep 1; echo migrated']")
        XCTAssertEqual(done.exitCode, 0, doneEvents.failureReport)
        XCTAssertEqual(doneEvents.results(ofTask: "job").first?.status, .changed)
        XCTAssertNil(local("docker", "inspect", "deckhand-job"), "cleanup left the container")
        let (failed, failedEvents) = try await job("[/bin/busybox, sh, -c, 'exit 3']")
        XCTAssertNotEqual(failed.exitCode, 0)
        XCTAssertEqual(failedEvents.results(ofTask: "job").first?.status, .failed)
    }

    private static func proxyPlaybook(memory: String) -> String {
        """
        - hosts: all
          become: true
          gather_facts: false
          tasks:
            - name: proxy
              community.docker.docker_container:
                name: deckhand-proxy
                image: "{{ docker_registry }}/quoin/greeter:1"
                network_mode: host
                restart_policy: unless-stopped
                published_ports: ["127.0.0.1:18090:18083"]
                exposed_ports: ["18083"]
                user: "65534:65534"
                working_dir: /www
                entrypoint: [/bin/busybox]
                command: [httpd, -f, -p, "127.0.0.1:18083", -h, /www]
                memory: \(memory)
                shm_size: 32m
                log_driver: json-file
                log_options: {max-size: 1m, max-file: "2"}
                cap_drop: [ALL]
                capabilities: [CAP_NET_BIND_SERVICE]
                read_only: true
                tmpfs: ["/tmp:size=1m"]
                stop_signal: SIGTERM
                stop_timeout: 3
                healthcheck: {test: "wget -q -O /dev/null http://127.0.0.1:18083/index.html", interval: 5s, timeout: 2s, retries: 2}
                etc_hosts: {db.quoin.test: 127.0.0.1}
                ulimits: ["nofile:1024:2048"]
                hostname: edge
                dns_servers: [127.0.0.53]
                devices: ["/dev/null:/dev/sink:rw"]
                privileged: false
                publish_all_ports: true
        """
    }

    /// ansible-playbook with community.docker against the loopback host, nil when the oracle is not installed
    /// (tools/ansible-oracle/install and collections make it).
    private func ansiblePlaybook() -> ((String, [String]) -> (status: Int32, output: String))? {
        let oracle = URL(fileURLWithPath: Self.playbook).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tools/ansible-oracle").path
        let playbookCommand = oracle + "/.venv/bin/ansible-playbook"
        guard FileManager.default.isExecutableFile(atPath: playbookCommand),
              FileManager.default.fileExists(atPath: oracle + "/.collections/ansible_collections/community/docker") else { return nil }
        let client = LoopbackHost.directory + "/client"
        let work = NSTemporaryDirectory() + "deckhand-oracle-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try? """
            testhost ansible_host=127.0.0.1 ansible_port=22022 ansible_user=deckhand ansible_ssh_private_key_file=\(client)/id_ed25519 \
            ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o UserKnownHostsFile=\(client)/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'
            """.write(toFile: work + "/inventory.ini", atomically: true, encoding: .utf8)
        try? "[defaults]\ninventory = \(work)/inventory.ini\ncollections_path = \(oracle)/.collections\nretry_files_enabled = false\n"
            .write(toFile: work + "/ansible.cfg", atomically: true, encoding: .utf8)
        return { path, options in
            self.localRun(["env", "ANSIBLE_CONFIG=\(work)/ansible.cfg", playbookCommand, path, "-e", "@" + self.directory + "/vars.yml"] + options)
        }
    }

    /// The oracle: ansible-playbook with community.docker (tools/ansible-oracle/docker-host) on the same playbook.
    /// From deckhand's end state, a new GREETING makes Ansible change only the env file and that container; then
    /// deckhand finds Ansible's end state its own (nothing changed) and the container answers Ansible's value.
    /// Skipped when the oracle (ansible-core, the collections from the `ansible` package) cannot be installed.
    func testThenAnsiblePlaybookWithCommunityDockerAgreesWithDeckhandsEndState() async throws {
        let oracle = URL(fileURLWithPath: Self.playbook).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tools/ansible-oracle").path
        guard local(oracle + "/collections") != nil else {
            throw XCTSkip("the Ansible oracle is not installed (tools/ansible-oracle/collections needs PyPI)")
        }
        let (settled, settledEvents) = try await run()
        XCTAssertEqual(settled.exitCode, 0, settledEvents.failureReport)

        let extra = NSTemporaryDirectory() + "deckhand-oracle-\(UUID().uuidString).json"
        try Value.dict(["docker_containers": containers(greeting: "hola from ansible")]).jsonText
            .write(toFile: extra, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: extra) }
        let started = Date()
        let (status, ansible) = localRun([oracle + "/docker-host", "-e", "@" + extra])
        XCTAssertEqual(status, 0, ansible)
        print("ansible-playbook docker-host.yml: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        XCTAssertTrue(ansible.contains("changed=2 "), "Ansible changes only the env file and the container:\n" + ansible)
        XCTAssertEqual(answer("http://127.0.0.1:18081/cgi-bin/greeting"), "hola from ansible")

        let (after, afterEvents) = try await run(greeting: "hola from ansible")
        XCTAssertEqual(after.exitCode, 0, afterEvents.failureReport)
        XCTAssertEqual(after.stats(of: "testhost")?.changed, 0, "deckhand after Ansible: \(String(describing: after.stats(of: "testhost")))")
    }
}

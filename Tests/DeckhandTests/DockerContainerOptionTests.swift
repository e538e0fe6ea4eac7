import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// docker_container's options beyond image, command, env and volumes, decided from a recorded
/// `docker container inspect` of a reverse proxy that has them all: the same task changes nothing, and each option
/// changed alone recreates the container with that option in the diff and on docker run's command line.
final class DockerContainerOptionTests: XCTestCase {
    private let imageJSON = #"[{"Id": "sha256:img1", "Config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/busybox", "httpd", "-f"], "ExposedPorts": {"80/tcp": {}}}}]"#

    /// What Docker 20.10 reports for the proxy task's container.
    private let proxyJSON = """
        [{"Id": "c2", "Image": "sha256:img1", "State": {"Running": true},
          "Config": {"Hostname": "edge", "User": "101:101", "WorkingDir": "/srv", "Entrypoint": ["/bin/busybox"],
                     "Cmd": ["httpd", "-f"], "Env": ["PATH=/bin"], "Labels": {}, "StopSignal": "SIGQUIT", "StopTimeout": 20,
                     "ExposedPorts": {"80/tcp": {}, "443/tcp": {}, "9000/tcp": {}}, "AttachStdout": false, "AttachStderr": false,
                     "Healthcheck": {"Test": ["CMD-SHELL", "wget -q -O- http://127.0.0.1/"], "Interval": 30000000000,
                                     "Timeout": 5000000000, "Retries": 3}},
          "HostConfig": {"NetworkMode": "host", "RestartPolicy": {"Name": "unless-stopped"}, "Init": false, "Binds": null,
                         "PortBindings": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}],
                                          "443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8443"}]},
                         "Links": null, "Memory": 536870912, "ShmSize": 67108864,
                         "LogConfig": {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10m"}},
                         "Privileged": false, "CapAdd": ["NET_ADMIN", "NET_RAW"], "CapDrop": ["ALL"], "ReadonlyRootfs": true,
                         "Tmpfs": {"/run": "rw,size=64m"}, "AutoRemove": false,
                         "Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"}],
                         "ExtraHosts": ["db.local:127.0.0.1"], "Dns": ["127.0.0.53"],
                         "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]},
          "NetworkSettings": {"Networks": {"host": {"IPAMConfig": null, "Aliases": null, "Links": null, "MacAddress": ""}}}}]
        """

    /// proxyJSON with `edit` applied to its container object.
    private func proxyJSON(_ edit: (inout [String: Any]) -> Void) throws -> String {
        var list = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(proxyJSON.utf8)) as? [[String: Any]])
        edit(&list[0])
        return String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self)
    }

    private func probe(_ container: String) -> CommandResult {
        let text = "@@pull\n@@container\n\(container)\n@@image\n\(imageJSON)\n@@env_file\n"
        return CommandResult(exitStatus: 0, exitSignal: nil, stdout: Data(text.utf8), stderr: Data())
    }

    private static let proxyArguments: KeyValuePairs<String, Any> = [
        "name": "proxy", "image": "127.0.0.1:15500/quoin/proxy:1", "network_mode": "host", "restart_policy": "unless-stopped",
        "published_ports": ["8080:80", "127.0.0.1:8443:443"], "exposed_ports": ["9000"], "user": "101:101", "working_dir": "/srv",
        "entrypoint": ["/bin/busybox"], "command": ["httpd", "-f"], "hostname": "edge", "memory": "512m", "shm_size": "64M",
        "log_driver": "json-file", "log_options": ["max-size": "10m", "max-file": 3], "privileged": false,
        "capabilities": ["NET_ADMIN"], "cap_drop": ["ALL"], "read_only": true, "tmpfs": ["/run:rw,size=64m"],
        "devices": ["/dev/fuse"], "stop_timeout": 20, "stop_signal": "SIGQUIT",
        "healthcheck": ["test": "wget -q -O- http://127.0.0.1/", "interval": "30s", "timeout": "5s", "retries": 3],
        "detach": true, "auto_remove": false, "etc_hosts": ["db.local": "127.0.0.1"], "dns_servers": ["127.0.0.53"],
        "ulimits": ["nofile:1024:2048"],
    ]

    private func proxy(_ changes: [String: Any] = [:]) throws -> DockerContainerModule {
        var values = OrderedDictionary<String, Value>()
        for (key, value) in Self.proxyArguments { values[key] = structured(value) }
        for (key, value) in changes { values[key] = structured(value) }
        return try DockerContainerModule.make(values)
    }

    private func structured(_ any: Any) -> Value {
        switch any {
        case let dict as [String: Any]:
            return .dict(OrderedDictionary(uniqueKeysWithValues: dict.sorted { $0.key < $1.key }.map { ($0.key, structured($0.value)) }))
        case let list as [Any]: return .list(list.map(structured))
        default: return testValue(any)
        }
    }

    private func commands(_ plan: ModulePlan) -> [String] {
        plan.actions.compactMap {
            guard case .run(let command, _) = $0.kind else { return nil }
            return command.rendered
        }
    }

    func testANewProxyIsRunWithEveryOptionAsDockerRunWords() throws {
        let plan = try proxy().plan(probe("[]"), ModuleContext())
        XCTAssertEqual(commands(plan), ["docker run --detach --name proxy --network host --restart unless-stopped "
            + "--user 101:101 --workdir /srv --entrypoint /bin/busybox --hostname edge "
            + "--publish 127.0.0.1:8443:443/tcp --publish 0.0.0.0:8080:80/tcp --expose 9000/tcp --memory 536870912 "
            + "--log-driver json-file --log-opt 'max-file=3' --log-opt 'max-size=10m' --cap-add CAP_NET_ADMIN --cap-drop ALL "
            + "--read-only --tmpfs '/run:rw,size=64m' --device /dev/fuse:/dev/fuse:rwm --stop-timeout 20 --stop-signal SIGQUIT "
            + "--health-cmd 'wget -q -O- http://127.0.0.1/' --health-interval 30000000000ns --health-timeout 5000000000ns "
            + "--health-retries 3 --add-host db.local:127.0.0.1 --dns 127.0.0.53 --ulimit 'nofile=1024:2048' --shm-size 67108864 "
            + "127.0.0.1:15500/quoin/proxy:1 httpd -f"])
    }

    func testTheRecordedProxyAsTheTaskWantsItChangesNothing() throws {
        let plan = try proxy().plan(probe(proxyJSON), ModuleContext(diffMode: true))
        XCTAssertFalse(plan.result.changed, plan.result.diffs.map(\.after).joined())
    }

    /// Each option changed alone: (its new value, the diff's before and after, a docker run word it must give).
    private let changes: [(option: String, value: Any, before: String, after: String, word: String)] = [
        ("published_ports", ["8081:80"], #"{"443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8443"}], "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}"#,
         #"{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8081"}]}"#, "--publish 0.0.0.0:8081:80/tcp"),
        ("exposed_ports", ["9001"], #"["443/tcp", "80/tcp", "9000/tcp"]"#, #"["443/tcp", "80/tcp", "9001/tcp"]"#, "--expose 9001/tcp"),
        ("publish_all_ports", true, "false", "true", "--publish-all"),
        ("user", "nobody", "101:101", "nobody", "--user nobody"),
        ("working_dir", "/tmp", "/srv", "/tmp", "--workdir /tmp"),
        ("entrypoint", ["/bin/sh"], #"["/bin/busybox"]"#, #"["/bin/sh"]"#, "--entrypoint /bin/sh"),
        ("hostname", "edge2", "edge", "edge2", "--hostname edge2"),
        ("memory", "1g", "536870912", "1073741824", "--memory 1073741824"),
        ("shm_size", "128m", "67108864", "134217728", "--shm-size 134217728"),
        ("log_driver", "journald", "json-file", "journald", "--log-driver journald"),
        ("log_options", ["max-size": "20m"], #"{"max-file": "3", "max-size": "10m"}"#, #"{"max-size": "20m"}"#, "--log-opt 'max-size=20m'"),
        ("privileged", true, "false", "true", "--privileged"),
        ("capabilities", ["SYS_ADMIN"], #"["CAP_NET_ADMIN", "CAP_NET_RAW"]"#, #"["CAP_SYS_ADMIN"]"#, "--cap-add CAP_SYS_ADMIN"),
        ("cap_drop", ["NET_RAW"], #"["ALL"]"#, #"["CAP_NET_RAW"]"#, "--cap-drop CAP_NET_RAW"),
        ("read_only", false, "true", "false", "--user 101:101"),
        ("tmpfs", ["/run:rw,size=128m"], #"{"/run": "rw,size=64m"}"#, #"{"/run": "rw,size=128m"}"#, "--tmpfs '/run:rw,size=128m'"),
        ("devices", ["/dev/null:/dev/sink:r"], #"[{"CgroupPermissions": "rwm", "PathInContainer": "/dev/fuse", "PathOnHost": "/dev/fuse"}]"#,
         #"[{"CgroupPermissions": "r", "PathInContainer": "/dev/sink", "PathOnHost": "/dev/null"}]"#, "--device /dev/null:/dev/sink:r"),
        ("stop_signal", "SIGTERM", "SIGQUIT", "SIGTERM", "--stop-signal SIGTERM"),
        ("healthcheck", ["test": "true", "retries": 3], #"{"Interval": 30000000000, "Retries": 3, "Test": ["CMD-SHELL", "wget -q -O- http://127.0.0.1/"], "Timeout": 5000000000}"#,
         #"{"Retries": 3, "Test": ["CMD-SHELL", "true"]}"#, "--health-cmd true --health-retries 3"),
        ("detach", false, "true", "false", "docker run --name proxy"),
        ("auto_remove", true, "false", "true", "--rm"),
        ("etc_hosts", ["db.local": "127.0.0.2"], #"["db.local:127.0.0.1"]"#, #"["db.local:127.0.0.2"]"#, "--add-host db.local:127.0.0.2"),
        ("dns_servers", ["127.0.0.53", "1.1.1.1"], #"["127.0.0.53"]"#, #"["127.0.0.53", "1.1.1.1"]"#, "--dns 127.0.0.53 --dns 1.1.1.1"),
        ("ulimits", ["nofile:4096"], #"[{"Hard": 2048, "Name": "nofile", "Soft": 1024}]"#, #"[{"Hard": 4096, "Name": "nofile", "Soft": 4096}]"#,
         "--ulimit 'nofile=4096:4096'"),
        ("links", ["db:database"], "(unset)", #"["/db:/proxy/database"]"#, "--link db:database"),
    ]

    func testEachOptionChangedAloneRecreatesTheContainerWithItInTheDiff() throws {
        for change in changes {
            let plan = try proxy([change.option: change.value]).plan(probe(proxyJSON), ModuleContext(diffMode: true))
            let run = commands(plan)
            XCTAssertEqual(run.first, "{ docker stop -t 20 proxy 2>/dev/null; }; docker rm --force proxy", change.option)
            XCTAssertTrue(run.last?.contains(change.word) == true, "\(change.option): \(run.last ?? "no docker run")")
            let diff = plan.result.diffs.first
            XCTAssertEqual(diff?.before, "\(change.option): \(change.before)\n", change.option)
            XCTAssertEqual(diff?.after, "\(change.option): \(change.after)\n", change.option)
        }
    }

    func testSetsAndDictsAllowMoreOnTheContainerUnlessComparisonsSaysStrict() throws {
        // The container has NET_RAW too and a max-file log option the task does not name: allowed by default.
        let fewer = try proxy(["log_options": ["max-size": "10m"]])
        XCTAssertFalse(try fewer.plan(probe(proxyJSON), ModuleContext()).result.changed)
        let strict = try proxy(["comparisons": ["capabilities": "strict", "log_options": "strict"], "log_options": ["max-size": "10m"]])
        let plan = try strict.plan(probe(proxyJSON), ModuleContext(diffMode: true))
        XCTAssertEqual(plan.result.diffs.first?.before,
                       "log_options: {\"max-file\": \"3\", \"max-size\": \"10m\"}\ncapabilities: [\"CAP_NET_ADMIN\", \"CAP_NET_RAW\"]\n")
        // docker run stores CAP_NET_ADMIN where the API keeps NET_ADMIN: either satisfies capabilities: [NET_ADMIN].
        let madeByTheCLI = try proxyJSON { container in
            var host = container["HostConfig"] as? [String: Any] ?? [:]
            host["CapAdd"] = ["CAP_NET_ADMIN"]
            container["HostConfig"] = host
        }
        XCTAssertFalse(try proxy().plan(probe(madeByTheCLI), ModuleContext()).result.changed)
        XCTAssertFalse(try proxy(["capabilities": ["cap_net_admin"]]).plan(probe(madeByTheCLI), ModuleContext()).result.changed)
        // dns_servers is an ordered list, strict by default: another server recreates.
        let reordered = try proxy(["dns_servers": ["127.0.0.53", "127.0.0.1"]])
        XCTAssertTrue(try reordered.plan(probe(proxyJSON), ModuleContext()).result.changed)
    }

    func testComparisonsIgnoreLeavesAChangedOptionAloneAndStopTimeoutIsIgnoredByDefault() throws {
        XCTAssertFalse(try proxy(["stop_timeout": 5]).plan(probe(proxyJSON), ModuleContext()).result.changed)
        XCTAssertTrue(try proxy(["stop_timeout": 5, "comparisons": ["stop_timeout": "strict"]]).plan(probe(proxyJSON), ModuleContext()).result.changed)
        XCTAssertFalse(try proxy(["memory": "1g", "comparisons": ["memory": "ignore"]]).plan(probe(proxyJSON), ModuleContext()).result.changed)
        XCTAssertFalse(try proxy(["memory": "1g", "user": "root", "comparisons": ["*": "ignore"]]).plan(probe(proxyJSON), ModuleContext()).result.changed)
        XCTAssertFalse(try proxy(["ports": ["8081:80"], "comparisons": ["ports": "ignore"]]).plan(probe(proxyJSON), ModuleContext()).result.changed)
        let oldImage = try proxyJSON { $0["Image"] = "sha256:old" }
        XCTAssertTrue(try proxy().plan(probe(oldImage), ModuleContext()).result.changed)
        XCTAssertFalse(try proxy(["comparisons": ["image": "ignore"]]).plan(probe(oldImage), ModuleContext()).result.changed)
        XCTAssertThrowsError(try proxy(["comparisons": ["memory": "allow_more_present"]]))
        XCTAssertThrowsError(try proxy(["comparisons": ["state": "strict"]]))
        XCTAssertThrowsError(try proxy(["comparisons": ["*": "allow_more_present"]]))
    }

    func testSizesPortsAndDurationsAreReadAsCommunityDockerReadsThem() throws {
        XCTAssertEqual(try ContainerValueParsing.bytes("512m", option: "memory"), 536_870_912)
        XCTAssertEqual(try ContainerValueParsing.bytes("1.5G", option: "memory"), 1_610_612_736)
        XCTAssertEqual(try ContainerValueParsing.bytes("64MB", option: "memory"), 67_108_864)
        XCTAssertEqual(try ContainerValueParsing.bytes("1024", option: "memory"), 1024)
        XCTAssertThrowsError(try ContainerValueParsing.bytes("512mb", option: "memory"), "Ansible refuses a lowercase two-letter unit")
        XCTAssertEqual(try ContainerValueParsing.nanoseconds("1m30s", option: "interval"), 90_000_000_000)
        XCTAssertEqual(try ContainerValueParsing.nanoseconds("500ms", option: "interval"), 500_000_000)
        XCTAssertThrowsError(try ContainerValueParsing.nanoseconds("30", option: "interval"))
        let ports = try ContainerValueParsing.portBindings(["53:53/udp", "[::1]:8080:80", "127.0.0.1::9000", "7000-7001:8000-8001", "443"],
                                                           defaultHostIp: "0.0.0.0")
        XCTAssertEqual(ports.rendered, #"{"443/tcp": [{"HostIp": "0.0.0.0", "HostPort": ""}], "#
            + #""53/udp": [{"HostIp": "0.0.0.0", "HostPort": "53"}], "80/tcp": [{"HostIp": "::1", "HostPort": "8080"}], "#
            + #""8000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "7000"}], "8001/tcp": [{"HostIp": "0.0.0.0", "HostPort": "7001"}], "#
            + #""9000/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}"#)
        XCTAssertEqual(ContainerValueParsing.publishWords(ports).joined(separator: " "),
                       "--publish 0.0.0.0::443/tcp --publish 0.0.0.0:53:53/udp --publish [::1]:8080:80/tcp "
                        + "--publish 0.0.0.0:7000:8000/tcp --publish 0.0.0.0:7001:8001/tcp --publish 127.0.0.1::9000/tcp")
        XCTAssertThrowsError(try ContainerValueParsing.portBindings(["example.com:80:80"], defaultHostIp: "0.0.0.0"))
        XCTAssertThrowsError(try ContainerValueParsing.portBindings(["all"], defaultHostIp: "0.0.0.0"))
    }

    func testWhatDockerRunCannotSetIsRefusedWithTheWayOut() {
        XCTAssertThrowsError(try proxy(["entrypoint": ["/bin/sh", "-c"]])) { error in
            XCTAssertTrue("\(error)".contains("--entrypoint takes one"), "\(error)")
        }
        XCTAssertThrowsError(try proxy(["healthcheck": ["test": ["CMD", "wget", "-q", "http://127.0.0.1/"]]])) { error in
            XCTAssertTrue("\(error)".contains("one shell command string"), "\(error)")
        }
    }

    func testAHealthcheckWithoutATestDisablesTheImagesOne() throws {
        let plan = try proxy(["healthcheck": ["interval": "10s"]]).plan(probe(proxyJSON), ModuleContext(diffMode: true))
        XCTAssertEqual(plan.result.diffs.first?.after, #"healthcheck: {"Test": ["NONE"]}"# + "\n")
        XCTAssertTrue(commands(plan).last?.contains(" --no-healthcheck ") == true)
        let none = try proxyJSON { container in
            var config = container["Config"] as? [String: Any] ?? [:]
            config["Healthcheck"] = NSNull()
            container["Config"] = config
        }
        XCTAssertFalse(try proxy(["healthcheck": [String: Any]()]).plan(probe(none), ModuleContext()).result.changed)
    }

    func testDetachFalseWaitsForTheCommandAndCleanupRemovesTheContainer() throws {
        let plan = try proxy(["detach": false, "cleanup": true, "keep_volumes": false]).plan(probe("[]"), ModuleContext())
        let run = commands(plan)
        XCTAssertTrue(run.first?.hasPrefix("docker run --name proxy --network host") == true, run.first ?? "")
        XCTAssertEqual(run.last, "docker rm --force proxy")
        let absent = try proxy(["state": "absent", "keep_volumes": false]).plan(probe(proxyJSON), ModuleContext())
        XCTAssertEqual(commands(absent), ["{ docker stop -t 20 proxy 2>/dev/null; }; docker rm --force --volumes proxy"])
    }

    func testNetworksAreConnectedAndDisconnectedWithoutRecreating() throws {
        let onBackend = try proxyJSON { container in
            var host = container["HostConfig"] as? [String: Any] ?? [:]
            host["NetworkMode"] = "backend"
            container["HostConfig"] = host
            container["NetworkSettings"] = ["Networks": [
                "backend": ["IPAMConfig": ["IPv4Address": "172.30.0.10"], "Aliases": ["edge", "c2"], "MacAddress": "02:42:ac:1e:00:0a"],
                "old": ["Aliases": NSNull()],
            ]]
        }
        let networks: [Any] = [["name": "backend", "ipv4_address": "172.30.0.10", "aliases": ["edge"]], ["name": "frontend", "aliases": ["www"]]]
        let task = try proxy(["network_mode": Value.none, "networks": networks])
        let created = commands(try task.plan(probe("[]"), ModuleContext()))
        XCTAssertTrue(created.first?.contains("--network backend ") == true, created.first ?? "")
        XCTAssertTrue(created.first?.contains("--ip 172.30.0.10 --network-alias edge ") == true, created.first ?? "")
        XCTAssertEqual(created.last, "docker network connect --alias www frontend proxy")

        let plan = try task.plan(probe(onBackend), ModuleContext(diffMode: true))
        XCTAssertEqual(commands(plan), ["docker network connect --alias www frontend proxy"])
        XCTAssertEqual(plan.result.diffs.first?.after, #"networks.frontend: {"aliases": ["www"], "name": "frontend"}"# + "\n")
        XCTAssertEqual(plan.result.diffs.first?.afterHeader, "container proxy", "connected, not recreated")
        let strict = try proxy(["network_mode": Value.none, "networks": networks, "comparisons": ["networks": "strict"]])
        XCTAssertEqual(commands(try strict.plan(probe(onBackend), ModuleContext())),
                       ["docker network connect --alias www frontend proxy", "docker network disconnect old proxy"])
        let moved = try proxy(["network_mode": Value.none, "networks": [["name": "backend", "ipv4_address": "172.30.0.11"]]])
        XCTAssertEqual(commands(try moved.plan(probe(onBackend), ModuleContext())),
                       ["docker network disconnect backend proxy", "docker network connect --ip 172.30.0.11 backend proxy"])
    }

    func testEveryOptionIsDocumented() {
        let documented = Set(DockerContainerModule.spec.arguments.flatMap { [$0.name] + $0.aliases })
        for name in ["published_ports", "ports", "exposed_ports", "expose", "publish_all_ports", "user", "working_dir", "entrypoint", "hostname", "networks",
                     "networks_cli_compatible", "links", "memory", "log_driver", "log_options", "privileged", "capabilities", "cap_drop",
                     "read_only", "tmpfs", "devices", "stop_timeout", "stop_signal", "healthcheck", "detach", "auto_remove", "cleanup",
                     "etc_hosts", "dns_servers", "ulimits", "shm_size", "keep_volumes", "comparisons"] {
            XCTAssertTrue(documented.contains(name), name)
        }
        XCTAssertTrue(DockerContainerModule.spec.arguments.allSatisfy { !$0.doc.isEmpty })
    }
}

import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// docker_login, docker_image and docker_container decide from recorded probe output, without a host.
final class DockerModuleTests: XCTestCase {
    private func output(_ text: String) -> CommandResult {
        CommandResult(exitStatus: 0, exitSignal: nil, stdout: Data(text.utf8), stderr: Data())
    }

    private func make<M: Module>(_ type: M.Type, _ args: KeyValuePairs<String, Any>) throws -> M {
        var values = OrderedDictionary<String, Value>()
        for (key, value) in args { values[key] = structured(value) }
        return try M.make(values)
    }

    /// testValue, with dictionaries (build, env, labels) too.
    private func structured(_ any: Any) -> Value {
        guard let dict = any as? [String: Any] else { return testValue(any) }
        return .dict(OrderedDictionary(uniqueKeysWithValues: dict.sorted { $0.key < $1.key }.map { ($0.key, structured($0.value)) }))
    }

    private func runs(_ plan: ModulePlan) -> [(command: String, stdin: String?)] {
        plan.actions.compactMap {
            guard case .run(let command, let stdin) = $0.kind else { return nil }
            return (command.rendered, stdin.map { String(decoding: $0, as: UTF8.self) })
        }
    }

    // MARK: docker_login

    func testTheLoginPasswordTravelsOnStdinNeverOnTheCommandLine() throws {
        let login = try make(DockerLoginModule.self, ["registry_url": "127.0.0.1:15500", "username": "quoin", "password": "s3cret $(x)"])
        let plan = try login.plan(output(""), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        let action = try XCTUnwrap(runs(plan).first)
        XCTAssertEqual(action.command, "docker login --username quoin --password-stdin 127.0.0.1:15500")
        XCTAssertFalse(action.command.contains("s3cret"))
        XCTAssertEqual(action.stdin, "s3cret $(x)")
    }

    func testStoredCredentialsForTheRegistryAreNotLoggedInAgain() throws {
        let auth = Data("quoin:pw".utf8).base64EncodedString()
        let config = #"{"auths": {"127.0.0.1:15500": {"auth": "\#(auth)"}}}"#
        let login = try make(DockerLoginModule.self, ["registry_url": "http://127.0.0.1:15500/", "username": "quoin", "password": "pw"])
        XCTAssertFalse(try login.plan(output(config), ModuleContext()).result.changed)
        let other = try make(DockerLoginModule.self, ["registry_url": "127.0.0.1:15500", "username": "quoin", "password": "new"])
        XCTAssertTrue(try other.plan(output(config), ModuleContext()).result.changed)
        let logout = try make(DockerLoginModule.self, ["registry_url": "127.0.0.1:15500", "state": "absent"])
        XCTAssertEqual(runs(try logout.plan(output(config), ModuleContext())).map(\.command), ["docker logout 127.0.0.1:15500"])
        XCTAssertFalse(try logout.plan(output("{}"), ModuleContext()).result.changed)
    }

    // MARK: docker_image

    func testAMissingImageIsPulledAndAPresentOneLeftAlone() throws {
        let image = try make(DockerImageModule.self, ["name": "127.0.0.1:15500/quoin/greeter", "tag": "1", "source": "pull"])
        let plan = try image.plan(output("@@\n"), ModuleContext())
        XCTAssertTrue(plan.result.changed)
        XCTAssertEqual(runs(plan).first?.command.hasPrefix("docker pull 127.0.0.1:15500/quoin/greeter:1 && docker image inspect"), true)
        XCTAssertFalse(try image.plan(output("sha256:aa\n@@\n"), ModuleContext()).result.changed)
    }

    func testBuildTagAndPush() throws {
        let image = try make(DockerImageModule.self, [
            "name": "quoin/site:2", "source": "build", "push": true, "repository": "127.0.0.1:15500/quoin/site",
            "build": ["path": "/srv/build", "dockerfile": "Dockerfile.prod", "args": ["VERSION": "2"], "nocache": true],
        ])
        let commands = runs(try image.plan(output("@@\n"), ModuleContext())).map(\.command)
        XCTAssertEqual(commands.count, 3)
        XCTAssertTrue(commands[0].hasPrefix("docker build --tag quoin/site:2 --file /srv/build/Dockerfile.prod --build-arg 'VERSION=2' --no-cache -- /srv/build && "))
        XCTAssertEqual(commands[1], "docker tag quoin/site:2 127.0.0.1:15500/quoin/site:2")
        XCTAssertEqual(commands[2], "docker push 127.0.0.1:15500/quoin/site:2")
        // Built and tagged already: only the push is left, changed when a layer was pushed.
        let plan = try image.plan(output("sha256:bb\n@@\nsha256:bb\n"), ModuleContext())
        XCTAssertEqual(runs(plan).map(\.command), ["docker push 127.0.0.1:15500/quoin/site:2"])
        XCTAssertEqual(plan.actions.first?.changeMarker, "Pushed")
    }

    func testAnImageWithoutSourceFailsAndAbsentRemoves() throws {
        let local = try make(DockerImageModule.self, ["name": "quoin/x"])
        XCTAssertTrue(try local.plan(output("@@\n"), ModuleContext()).result.failed)
        let absent = try make(DockerImageModule.self, ["name": "quoin/x", "state": "absent"])
        XCTAssertEqual(runs(try absent.plan(output("sha256:cc\n@@\n"), ModuleContext())).map(\.command), ["docker image rm quoin/x:latest"])
        XCTAssertTrue(DockerImageModule.hasTag("127.0.0.1:15500/a:1"))
        XCTAssertFalse(DockerImageModule.hasTag("127.0.0.1:15500/a"))
    }

    // MARK: docker_container

    private let imageJSON = #"[{"Id": "sha256:img1", "Config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/busybox", "httpd", "-f"]}}]"#

    private func containerJSON(image: String = "sha256:img1", env: [String], running: Bool = true) -> String {
        let envList = env.map { "\"\($0)\"" }.joined(separator: ", ")
        return #"[{"Id": "c1", "Image": "\#(image)", "State": {"Running": \#(running)}, "#
            + #""Config": {"Env": [\#(envList)], "Cmd": ["/bin/busybox", "httpd", "-f"], "Labels": {"app": "greeter"}}, "#
            + #""HostConfig": {"NetworkMode": "host", "RestartPolicy": {"Name": "unless-stopped"}, "Init": true, "Binds": null}}]"#
    }

    private func probe(container: String, envFile: String = "") -> CommandResult {
        output("@@pull\n@@container\n\(container)\n@@image\n\(imageJSON)\n@@env_file\n\(envFile)")
    }

    private func greeter(_ extra: KeyValuePairs<String, Any> = [:]) throws -> DockerContainerModule {
        var values: OrderedDictionary<String, Value> = [
            "name": .string("greeter"), "image": .string("127.0.0.1:15500/quoin/greeter:1"), "env_file": .string("/etc/q/greeter.env"),
            "network_mode": .string("host"), "restart_policy": .string("unless-stopped"), "init": .bool(true),
            "labels": .dict(["app": .string("greeter")]),
        ]
        for (key, value) in extra { values[key] = structured(value) }
        return try DockerContainerModule.make(values)
    }

    func testAMissingContainerIsRunWithItsSettings() throws {
        let plan = try greeter(["env": ["TOKEN": "t0k $(x)"]]).plan(probe(container: "[]", envFile: "GREETING=hi\n"), ModuleContext(diffMode: true))
        XCTAssertTrue(plan.result.changed)
        let action = try XCTUnwrap(runs(plan).first)
        XCTAssertEqual(action.command, "docker run --detach --name greeter --init --network host --restart unless-stopped "
            + "--label 'app=greeter' --env-file /etc/q/greeter.env --env-file /dev/stdin 127.0.0.1:15500/quoin/greeter:1")
        XCTAssertEqual(action.stdin, "TOKEN=t0k $(x)\n", "env values reach docker on stdin, never on its command line")
        XCTAssertEqual(plan.result.diffs.first?.after, "state: started\n")
    }

    func testTheSameConfigurationChangesNothing() throws {
        let plan = try greeter().plan(probe(container: containerJSON(env: ["PATH=/bin", "GREETING=hi"]), envFile: "# x\nGREETING=hi\n"), ModuleContext())
        XCTAssertFalse(plan.result.changed, runs(plan).map(\.command).joined(separator: "\n"))
    }

    func testAChangedEnvFileValueRecreatesTheContainerWithADiff() throws {
        let plan = try greeter().plan(probe(container: containerJSON(env: ["PATH=/bin", "GREETING=hi"]), envFile: "GREETING=bonjour\n"),
                                      ModuleContext(diffMode: true))
        XCTAssertEqual(runs(plan).map(\.command).first, "docker rm --force greeter")
        XCTAssertTrue(runs(plan).map(\.command).last?.hasPrefix("docker run --detach --name greeter") == true)
        let diff = try XCTUnwrap(plan.result.diffs.first)
        XCTAssertEqual(diff.before, "env.GREETING: hi\n")
        XCTAssertEqual(diff.after, "env.GREETING: bonjour\n")
    }

    func testANewImageOrCommandRecreatesAndAStoppedContainerIsStarted() throws {
        let same = containerJSON(env: ["PATH=/bin", "GREETING=hi"])
        let newImage = try greeter().plan(probe(container: containerJSON(image: "sha256:old", env: ["PATH=/bin", "GREETING=hi"]),
                                                envFile: "GREETING=hi\n"), ModuleContext(diffMode: true))
        XCTAssertEqual(newImage.result.diffs.first?.before, "image: sha256:old\n")
        let command = try greeter(["command": "/bin/busybox httpd -f -p 127.0.0.1:18081"]).plan(probe(container: same, envFile: "GREETING=hi\n"), ModuleContext())
        XCTAssertTrue(runs(command).map(\.command).last?.hasSuffix("greeter:1 /bin/busybox httpd -f -p 127.0.0.1:18081") == true)
        let stopped = containerJSON(env: ["PATH=/bin", "GREETING=hi"], running: false)
        XCTAssertEqual(runs(try greeter().plan(probe(container: stopped, envFile: "GREETING=hi\n"), ModuleContext())).map(\.command),
                       ["docker start greeter"])
        XCTAssertEqual(runs(try greeter(["state": "stopped"]).plan(probe(container: same, envFile: "GREETING=hi\n"), ModuleContext())).map(\.command),
                       ["docker stop greeter"])
        XCTAssertEqual(runs(try greeter(["state": "absent"]).plan(probe(container: same), ModuleContext())).map(\.command),
                       ["docker rm --force greeter"])
    }

    func testAnImageThatCouldNotBePulledFailsWithDockersAnswer() throws {
        let plan = try greeter().plan(output("@@pull\nunauthorized: authentication required\n@@container\n[]\n@@image\n[]\n@@env_file\n"), ModuleContext())
        XCTAssertTrue(plan.result.failed)
        XCTAssertTrue(plan.result.msg?.contains("unauthorized: authentication required") == true, plan.result.msg ?? "")
    }

    func testAnEnvValueWithALineBreakIsRefused() {
        XCTAssertThrowsError(try greeter(["env": ["A": "one\nB=two"]]))
    }

    // MARK: docker_network

    func testANetworkIsCreatedOnceAndRecreatedOnlyWhenItDiffers() throws {
        let network = try make(DockerNetworkModule.self, ["name": "backend", "internal": true, "labels": ["app": "quoin"]])
        let created = try network.plan(output("[]\n"), ModuleContext())
        XCTAssertEqual(runs(created).map(\.command), ["docker network create --driver bridge --internal --label 'app=quoin' backend"])
        let same = #"[{"Name": "backend", "Driver": "bridge", "Internal": true, "Options": {}, "Labels": {"app": "quoin"}, "Containers": {}}]"#
        XCTAssertFalse(try network.plan(output(same), ModuleContext()).result.changed)
        let open = same.replacingOccurrences(of: #""Internal": true"#, with: #""Internal": false"#)
        let recreated = try network.plan(output(open), ModuleContext(diffMode: true))
        XCTAssertEqual(runs(recreated).map(\.command).first, "docker network rm backend")
        XCTAssertEqual(recreated.result.diffs.first?.after, "internal: true\n")
        let attached = open.replacingOccurrences(of: #""Containers": {}"#, with: #""Containers": {"abc": {"Name": "web"}}"#)
        XCTAssertEqual(try network.plan(output(attached), ModuleContext()).result.msg,
                       "network backend must be recreated (internal) but containers are attached: web; remove or disconnect them first")
        let absent = try make(DockerNetworkModule.self, ["name": "backend", "state": "absent"])
        XCTAssertEqual(runs(try absent.plan(output(same), ModuleContext())).map(\.command), ["docker network rm backend"])
        XCTAssertFalse(try absent.plan(output("[]\n"), ModuleContext()).result.changed)
    }
}

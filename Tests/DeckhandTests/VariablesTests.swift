import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

final class VariablesTests: XCTestCase {
    func testExtraVarsFromKeyValueFileAndJSON() throws {
        let folder = NSTemporaryDirectory() + "deckhand-vars-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try "from_file: 1\nshared: file\n".write(toFile: folder + "/extra.yml", atomically: true, encoding: .utf8)
        let vars = try ExtraVars.parse(["version=1.2 note=\"two words\"", "@extra.yml",
                                        #"{"shared": "json", "list": [1, 2]}"#], relativeTo: folder)
        XCTAssertEqual(vars["version"], .string("1.2"))
        XCTAssertEqual(vars["note"], .string("two words"))
        XCTAssertEqual(vars["from_file"], .int(1))
        XCTAssertEqual(vars["shared"], .string("json"), "later -e wins")
        XCTAssertEqual(vars["list"], .list([.int(1), .int(2)]))
        XCTAssertThrowsError(try ExtraVars.parse(["@missing.yml"], relativeTo: folder))
        XCTAssertThrowsError(try ExtraVars.parse(["not-key-value"], relativeTo: folder))
    }

    func testVaultEncryptedValuesWithoutAPasswordFailWhereTheyAreUsedWithAdvice() throws {
        let folder = NSTemporaryDirectory() + "deckhand-vars-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try "user: app\npassword: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n"
            .write(toFile: folder + "/secrets.yml", atomically: true, encoding: .utf8)
        // As Ansible's: the file reads, the value fails only where it is used.
        let vars = try VariablesFile.read(path: folder + "/secrets.yml")
        XCTAssertEqual(vars["user"], .string("app"))
        guard case .undefined(let undecryptable)? = vars["password"] else { return XCTFail("\(String(describing: vars["password"]))") }
        XCTAssertTrue(undecryptable.message.contains("secrets.yml:2:11"), undecryptable.message)
        XCTAssertTrue(undecryptable.message.contains("--vault-password-file"), undecryptable.message)
    }

    func testLayersFollowAnsiblePrecedence() {
        var layers = VariableLayers()
        layers.set(.roleDefaults, ["port": .int(80), "only_default": .bool(true)])
        layers.set(.inventory, ["port": .int(81)])
        layers.set(.playVars, ["port": .int(82)])
        layers.set(.varsFiles, ["port": .int(83)])
        layers.set(.roleVars, ["port": .int(84)])
        XCTAssertEqual(layers.value(named: "port"), .int(84))
        layers.set(.taskVars, ["port": .int(85)])
        layers.set(.setFacts, ["port": .int(86)])
        XCTAssertEqual(layers.value(named: "port"), .int(86))
        layers.set(.extraVars, ["port": .int(99)])
        XCTAssertEqual(layers.value(named: "port"), .int(99))
        XCTAssertEqual(layers.source(of: "port"), .extraVars)
        XCTAssertEqual(layers.value(named: "only_default"), .bool(true))
        XCTAssertEqual(layers.merged["port"], .int(99))
    }

    func testMagicVariablesDescribeTheHostAndPlay() throws {
        let inventory = try Inventory.load(from: [Fixtures.path("inventory/hosts.ini")])
        let play = MagicVariables.PlayState(allHosts: ["web01.example.com", "db1"], playbookDirectory: "/srv/pb",
                                            checkMode: true)
        let role = RoleContext(name: "nginx", path: "/srv/pb/roles/nginx")
        let magic = MagicVariables.values(host: "web01.example.com", inventory: inventory, play: play, role: role)
        XCTAssertEqual(magic["inventory_hostname_short"], .string("web01"))
        XCTAssertEqual(magic["group_names"], .list([.string("prod"), .string("web")]))
        XCTAssertEqual(magic["ansible_play_hosts"], .list([.string("web01.example.com"), .string("db1")]))
        XCTAssertEqual(magic["ansible_check_mode"], .bool(true))
        XCTAssertEqual(magic["role_path"], .string("/srv/pb/roles/nginx"))
        XCTAssertEqual(magic["playbook_dir"], .string("/srv/pb"))
        guard case .dict(let groups) = magic["groups"] else { return XCTFail("groups is a dict") }
        XCTAssertEqual(groups["db"], .list([.string("db1")]))
    }

    func testScopeReturnsPlainValuesWithoutTemplatingAndMagicWins() throws {
        var layers = VariableLayers()
        layers.set(.playVars, ["port": .int(8080), "inventory_hostname": .string("spoofed")])
        let scope = TemplatedScope(layers: layers, magic: ["inventory_hostname": .string("web1")])
        XCTAssertEqual(try scope.value(named: "port"), .int(8080))
        XCTAssertEqual(try scope.value(named: "inventory_hostname"), .string("web1"))
        XCTAssertNil(try scope.value(named: "missing"))
        XCTAssertEqual(try scope.adding(["item": .string("a")]).value(named: "item"), .string("a"))
    }

    func testOmittedArgumentsAreDropped() throws {
        let omit = Value.string(TemplateRenderer.omitPlaceholder)
        let arguments = Value.dict(["path": .string("/x"), "mode": omit, "list": .list([.int(1), omit])])
        XCTAssertEqual(TemplateRenderer.removingOmitted(arguments),
                       .dict(["path": .string("/x"), "list": .list([.int(1)])]))
    }

    func testVarsPromptIsRefusedWithoutATerminal() throws {
        let prompt = VarsPrompt(name: "release", prompt: "Which release?", location: .synthetic("play.yml"))
        XCTAssertThrowsError(try VarsPromptReader.answers(for: [prompt], extraVars: [:], isTerminal: false)) { error in
            XCTAssertTrue("\(error)".contains("-e release="))
        }
        XCTAssertEqual(try VarsPromptReader.answers(for: [prompt], extraVars: ["release": .string("1")],
                                                     isTerminal: false), [:])
        let answered = try VarsPromptReader.answers(for: [prompt], extraVars: [:], isTerminal: true) { _, _ in "v2" }
        XCTAssertEqual(answered["release"], .string("v2"))
    }
}

final class TemplatedScopeTests: XCTestCase {
    func scope(_ vars: OrderedDictionary<String, Value>, extra: OrderedDictionary<String, Value> = [:]) -> TemplatedScope {
        var layers = VariableLayers()
        layers.set(.playVars, vars)
        layers.set(.extraVars, extra)
        return TemplatedScope(layers: layers, magic: ["omit": .string(Value.omitPlaceholder)])
    }

    func testVariablesAreTemplatedWhenReadWithNativeTypes() throws {
        let scope = scope([
            "app": .string("shop"),
            "root": .string("/webapps/{{ app }}"),
            "static": .string("{{ root }}/static"),
            "port": .string("{{ 8000 + 1 }}"),
            "paths": .list([.string("{{ root }}/a"), .int(2)]),
        ], extra: ["app": .string("blog")])
        XCTAssertEqual(try scope.value(named: "static"), .string("/webapps/blog/static"), "extra vars win, lazily")
        XCTAssertEqual(try scope.value(named: "port"), .int(8001))
        XCTAssertEqual(try scope.value(named: "paths"), .list([.string("/webapps/blog/a"), .int(2)]))
    }

    func testHostvarsOfOtherHostsAreNotRenderedWithThisHostsVariables() throws {
        var layers = VariableLayers()
        layers.set(.inventory, ["here": .string("web1")])
        let hostvars: Value = .dict(["db1": .dict(["url": .string("{{ db_only_var }}")])])
        let scope = TemplatedScope(layers: layers, magic: ["hostvars": hostvars])
        XCTAssertEqual(try scope.value(named: "hostvars"), hostvars)
    }

    func testARecursiveVariableIsReportedNotHung() {
        let scope = scope(["a": .string("{{ b }}"), "b": .string("{{ a }}")])
        XCTAssertThrowsError(try scope.value(named: "a")) { error in
            XCTAssertTrue("\(error)".contains("recursive loop detected in template string"), "\(error)")
        }
    }

    func testModuleArgumentsAreRenderedAndOmittedKeysDropped() throws {
        let scope = scope(["dest": .string("/etc/app.conf"), "mode": .int(420)])
        let arguments: Value = .dict([
            "dest": .string("{{ dest }}"),
            "mode": .string("{{ mode }}"),
            "owner": .string("{{ owner | default(omit) }}"),
            "content": .string("port={{ 80 }}"),
        ])
        XCTAssertEqual(try templateArguments(arguments, scope), .dict([
            "dest": .string("/etc/app.conf"),
            "mode": .int(420),
            "content": .string("port=80"),
        ]))
    }
}

/// Trailing newlines as Ansible's templar keeps them (checked against ansible-core 2.19's copy and template, and
/// 2.21's templar for a lone expression's type).
final class TrailingNewlineTests: XCTestCase {
    func testAValueKeepsAsManyTrailingNewlinesAsItIsWrittenWith() throws {
        let renderer = TemplateRenderer(environment: Environment(options: Templating.playbookOptions))
        var layers = VariableLayers()
        layers.set(.playVars, ["x": .string("b\n"), "port": .int(8000)])
        let scope = TemplatedScope(layers: layers, renderer: renderer)
        XCTAssertEqual(try renderer.render("{{ x }}\n", scope), .string("b\n"), "the value's own newline counts")
        XCTAssertEqual(try renderer.render("{{ x }}\n\n", scope), .string("b\n\n"))
        XCTAssertEqual(try renderer.render("{{ port }}\n", scope), .int(8000),
                       "a lone expression before the newline Jinja drops keeps its type (ansible-core 2.21)")
        XCTAssertEqual(try renderer.render("n={{ port }}\n", scope), .string("n=8000\n"))
        XCTAssertEqual(try renderer.render("{{ port }}", scope), .int(8000), "a lone expression keeps its type")
        XCTAssertEqual(TemplateRenderer.keepingTrailingNewlines(of: "a\n{% include 'x' %}\n", in: "a\nx"), "a\nx\n")
    }
}

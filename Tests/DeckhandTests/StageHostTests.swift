import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// A stage's host read outside a playbook (exec, logs tail) sees the variables a playbook task sees.
final class StageHostTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "deckhand-stagehost-\(UUID().uuidString)"
        addTeardownBlock { [folder] in try? FileManager.default.removeItem(atPath: folder) }
        try write("group_vars/all.yml", """
            salutation: group-hello
            domain: group.example
            site_line: "{{ salutation }}, {{ lookup('file', 'owner.txt') | trim }} at {{ app_dir }}"
            app_dir: "/webapps/{{ domain }}"
            ansible_user: "{{ deploy_user }}"
            ansible_become_method: "{{ 'su' if domain.startswith('cli') else 'sudo' }}"
            """)
        try write("owner.txt", "Ada\n")
        try write("hosts.ini", """
            [web]
            web1 ansible_connection=local salutation=inventory-hello domain=inventory.example deploy_user=inv
            """)
        try write("site.yml", """
            - hosts: web
              gather_facts: false
              tasks:
                - name: show
                  debug: { msg: "{{ site_line }}" }
            """)
    }

    private func write(_ name: String, _ text: String) throws {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private let extraVars: OrderedDictionary<String, Value> = ["domain": .string("cli.example"), "deploy_user": .string("cli-deployer")]

    func testAVariableFromInventoryGroupVarsAndExtraVarsWithALookupReadsTheSameAsInAPlaybookTask() async throws {
        let inventory = try Inventory.load(from: [folder + "/hosts.ini"])
        let host = try StageHost(stage: "web1", host: "web1", inventory: inventory, playbookDirectory: folder,
                                 extraVars: extraVars)
        let seenOutside = try host.text("site_line")

        let loader = PlaybookLoader()
        let playbook = try loader.loadPlaybook(at: folder + "/site.yml")
        var runInventory = inventory
        try runInventory.loadPlaybookVariables(directory: playbook.directory)
        var options = RunOptions()
        options.loader = loader
        options.extraVars = extraVars
        let reporter = RecordingReporter()
        let pool = ConnectionPool { LocalConnection(hostName: $0.hostName) }
        _ = await PlaybookRunner(inventory: runInventory, options: options, pool: pool, reporter: reporter).run(playbook)
        let seenByTask = reporter.results(ofTask: "show").first?.result["msg"]

        XCTAssertEqual(seenOutside, "inventory-hello, Ada at /webapps/cli.example",
                       "host vars beat group_vars, -e beats both, the lookup and the template are resolved")
        XCTAssertEqual(seenByTask, .string(seenOutside), "exec and a playbook task see one value")
    }

    func testTheStageHostsConnectionIsTemplatedAsTheRunnerTemplatesIt() throws {
        let inventory = try Inventory.load(from: [folder + "/hosts.ini"])
        let host = try StageHost(stage: "web1", host: "web1", inventory: inventory, playbookDirectory: folder,
                                 extraVars: extraVars)
        XCTAssertEqual(host.connection.user, "cli-deployer")
        XCTAssertEqual(host.connection.kind, .local)
        XCTAssertEqual(try host.becomeRoot().method, .su, "ansible_become_method templated with -e's domain")
    }

    func testAnUndefinedOrEmptyVariableSaysWhereToSetIt() throws {
        let inventory = try Inventory.load(from: [folder + "/hosts.ini"])
        let host = try StageHost(stage: "web1", host: "web1", inventory: inventory, playbookDirectory: folder,
                                 extraVars: ["app_user": .string("")])
        XCTAssertThrowsError(try host.text("app_user")) { error in
            XCTAssertTrue("\(error)".contains("web1 has no app_user"), "\(error)")
        }
        XCTAssertThrowsError(try host.value("nowhere")) { error in
            XCTAssertTrue("\(error)".contains("web1 has no nowhere"), "\(error)")
        }
    }
}

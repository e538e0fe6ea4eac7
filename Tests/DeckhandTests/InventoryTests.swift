import Jinja
import XCTest
@testable import Deckhand

final class InventoryTests: XCTestCase {
    func iniInventory() throws -> Inventory {
        try Inventory.load(from: [Fixtures.path("inventory/hosts.ini")])
    }

    func testINIGroupsRangesAndChildren() throws {
        let inventory = try iniInventory()
        XCTAssertEqual(inventory.hostNames(inGroup: "web"),
                       ["web01.example.com", "web02.example.com", "web03.example.com"])
        XCTAssertEqual(inventory.hostNames(inGroup: "prod").count, 4)
        XCTAssertEqual(inventory.hostNames(inGroup: "ungrouped"), ["localbox"])
        XCTAssertEqual(inventory.groupNames(of: "db1"), ["db", "prod"])
        XCTAssertEqual(inventory.groupNames(of: "localbox"), ["ungrouped"])
    }

    func testHostPatternsSelectLikeAnsible() throws {
        let inventory = try iniInventory()
        func hosts(_ pattern: String) -> [String] { inventory.hostNames(matching: HostPattern(pattern)) }
        XCTAssertEqual(hosts("all").count, 5)
        XCTAssertEqual(hosts("*").count, 5)
        XCTAssertEqual(hosts("web:db").count, 4)
        XCTAssertEqual(hosts("prod:&db"), ["db1"])
        XCTAssertEqual(hosts("prod:!web"), ["db1"])
        XCTAssertEqual(hosts("web0[12]*"), ["web01.example.com", "web02.example.com"])
        XCTAssertEqual(hosts("web[0]"), ["web01.example.com"])
        XCTAssertEqual(hosts("web[1:2],db"), ["web02.example.com", "web03.example.com", "db1"])
        XCTAssertEqual(hosts("web[-1]"), ["web03.example.com"])
        XCTAssertEqual(hosts("~db\\d"), ["db1"])
        XCTAssertEqual(hosts("localhost"), ["localhost"], "implicit localhost")
        XCTAssertEqual(hosts("nosuch"), [])
        XCTAssertEqual(inventory.unmatchedTerms(in: HostPattern("web:nosuch")), ["nosuch"])
        XCTAssertEqual(try inventory.hostNames(matching: HostPattern("prod"), limit: "db1:web03*"),
                       ["web03.example.com", "db1"])
    }

    func testVariablePrecedenceOfInventorySources() throws {
        let inventory = try iniInventory()
        let web = inventory.variables(for: "web01.example.com")
        XCTAssertEqual(web["tier"], .int(2), "the child group's vars beat the parent's")
        XCTAssertEqual(web["env"], .string("production"))
        XCTAssertEqual(web["region"], .string("us"), "group_vars/web/ beats group_vars/all")
        XCTAssertEqual(web["ntp"], .string("pool.ntp.org"))
        XCTAssertEqual(web["ansible_user"], .string("deploy"))
        let db = inventory.variables(for: "db1")
        XCTAssertEqual(db["tier"], .int(9), "host_vars beat group vars")
        XCTAssertEqual(db["region"], .string("eu"))
        XCTAssertEqual(db["note"], .string("two words"))
    }

    func testPlaybookGroupVarsBeatInventoryGroupVars() throws {
        var inventory = try iniInventory()
        let folder = NSTemporaryDirectory() + "deckhand-inventory-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/group_vars", withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try "region: playbook\n".write(toFile: folder + "/group_vars/web.yaml", atomically: true, encoding: .utf8)
        try inventory.loadPlaybookVariables(directory: folder)
        XCTAssertEqual(inventory.variables(for: "web02.example.com")["region"], .string("playbook"))
        XCTAssertEqual(inventory.variables(for: "db1")["region"], .string("eu"))
    }

    func testConnectionVariablesSayHowToReachEachHost() throws {
        let inventory = try iniInventory()
        let db = ConnectionVariables(hostName: "db1", variables: inventory.variables(for: "db1"))
        XCTAssertEqual(db.address, "10.0.0.5")
        XCTAssertEqual(db.port, 2222)
        XCTAssertEqual(db.kind, .ssh)
        let web = ConnectionVariables(hostName: "web02.example.com",
                                      variables: inventory.variables(for: "web02.example.com"))
        XCTAssertEqual(web.address, "web02.example.com")
        XCTAssertEqual(web.user, "deploy")
        let local = ConnectionVariables(hostName: "localbox", variables: inventory.variables(for: "localbox"))
        XCTAssertEqual(local.kind, .local)
        XCTAssertEqual(inventory.host(named: "localhost")?.isImplicit, true)
    }

    func testYAMLInventory() throws {
        let inventory = try Inventory.load(from: [Fixtures.path("inventory-yaml/hosts.yml")])
        XCTAssertEqual(Array(inventory.hosts.keys), ["bastion", "app1", "app2"])
        XCTAssertEqual(inventory.hostNames(matching: HostPattern("staging")), ["app1", "app2"])
        XCTAssertEqual(inventory.groupNames(of: "app1"), ["app", "staging"])
        let app1 = inventory.variables(for: "app1")
        XCTAssertEqual(app1["ansible_port"], .int(22022))
        XCTAssertEqual(app1["ansible_user"], .string("deckhand"))
        XCTAssertEqual(app1["role"], .string("app"))
        XCTAssertEqual(inventory.hostNames(inGroup: "ungrouped"), ["bastion"])
    }

    func testCommaSeparatedHostListAndBadInventories() throws {
        let inventory = try Inventory.load(from: ["127.0.0.1,127.0.0.2,"])
        XCTAssertEqual(Array(inventory.hosts.keys), ["127.0.0.1", "127.0.0.2"])
        XCTAssertThrowsError(try Inventory.load(from: ["/nonexistent/inventory"]))

        let folder = NSTemporaryDirectory() + "deckhand-inventory-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try "#!/usr/bin/env python3\nprint('{}')\n".write(toFile: folder + "/script", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Inventory.load(from: [folder + "/script"])) { error in
            XCTAssertTrue("\(error)".contains("dynamic inventory scripts are not supported"), "\(error)")
        }
        try "plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n".write(toFile: folder + "/aws_ec2.yml", atomically: true,
                                                                        encoding: .utf8)
        XCTAssertThrowsError(try Inventory.load(from: [folder + "/aws_ec2.yml"])) { error in
            XCTAssertTrue("\(error)".contains("inventory plugins are not supported"), "\(error)")
        }
        try "[web\nhost1 novalue\n".write(toFile: folder + "/hosts", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Inventory.load(from: [folder + "/hosts"])) { error in
            let errors = (error as? ValidationErrors)?.errors ?? []
            XCTAssertEqual(errors.map(\.location.line), [1, 2])
        }
    }

    func testHostRanges() {
        XCTAssertEqual(HostRange.expand("web[01:03]"), ["web01", "web02", "web03"])
        XCTAssertEqual(HostRange.expand("db-[a:c].x"), ["db-a.x", "db-b.x", "db-c.x"])
        XCTAssertEqual(HostRange.expand("n[1:5:2]"), ["n1", "n3", "n5"])
        XCTAssertEqual(HostRange.expand("plain"), ["plain"])
    }
}

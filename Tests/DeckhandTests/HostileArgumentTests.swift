import Foundation
import Jinja
import OrderedCollections
import SSH
import XCTest
@testable import Deckhand

/// File-editing modules applied for real on this machine, the way the runner applies them (probe, plan, actions),
/// to files whose names and contents hold spaces, quotes, `$()`, backticks, newlines and non-ASCII.
final class HostileArgumentTests: XCTestCase {
    private let hostileName = "x y'z\"$(touch deckhand-pwned)`touch deckhand-pwned2`\nq\u{e9}\u{1F680}"
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "deckhand-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
        for file in ["deckhand-pwned", "deckhand-pwned2"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/" + file), "a shell ran \(file)")
        }
    }

    private func module<M: Module>(_ type: M.Type, _ args: OrderedDictionary<String, Value>) throws -> M {
        try M.make(args)
    }

    /// Probe, plan and act through a local connection; returns the plan.
    @discardableResult
    private func apply<M: Module>(_ module: M, file: StaticString = #filePath, line: UInt = #line) async throws -> ModulePlan {
        let connection = LocalConnection()
        let context = ModuleContext()
        let probe = try await module.probe(context).asyncMap { try await connection.run($0) }
        let plan = try module.plan(probe, context)
        XCTAssertFalse(plan.result.failed, plan.result.msg ?? "", file: file, line: line)
        for action in plan.actions {
            switch action.kind {
            case .run(let command, let stdin):
                let output = try await connection.run(command, stdin: stdin)
                XCTAssertEqual(output.exitStatus, 0, "\(command.rendered): \(output.stderrText)", file: file, line: line)
            case .put(let write):
                try await connection.put(write)
            }
        }
        return plan
    }

    func testReplaceBlockinfileAndLineinfileEditAFileWithAHostileNameTwiceTheSame() async throws {
        let path = directory + "/" + hostileName
        try Data("port = 80\n# $(keep) `me`\n".utf8).write(to: URL(fileURLWithPath: path))
        let replace = try module(ReplaceModule.self, ["path": .string(path), "regexp": .string("port = \\d+"), "replace": .string("port = '$(x)' \u{e9}")])
        let outcome1 = try await apply(replace).result.changed
        XCTAssertTrue(outcome1)
        let outcome2 = try await apply(replace).result.changed
        XCTAssertFalse(outcome2, "second run ok")
        let block = try module(BlockInFileModule.self, ["path": .string(path), "block": .string("a \"b\" `c`\n$(d) \u{1F680}")])
        let outcome3 = try await apply(block).result.changed
        XCTAssertTrue(outcome3)
        let outcome4 = try await apply(block).result.changed
        XCTAssertFalse(outcome4, "second run ok")
        let line = try module(LineInFileModule.self, ["path": .string(path), "line": .string("last 'line' $(e)")])
        let outcome5 = try await apply(line).result.changed
        XCTAssertTrue(outcome5)
        let outcome6 = try await apply(line).result.changed
        XCTAssertFalse(outcome6, "second run ok")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, """
            port = '$(x)' \u{e9}
            # $(keep) `me`
            # BEGIN ANSIBLE MANAGED BLOCK
            a "b" `c`
            $(d) \u{1F680}
            # END ANSIBLE MANAGED BLOCK
            last 'line' $(e)

            """)
        let slurp = try module(SlurpModule.self, ["src": .string(path)])
        let read = try await apply(slurp)
        guard case .string(let encoded)? = read.result["content"] else { return XCTFail("no content") }
        XCTAssertEqual(Data(base64Encoded: encoded), Data(text.utf8))
    }

    func testCronFileAndFindWithHostileNames() async throws {
        let cronFile = directory + "/" + hostileName + ".cron"
        let cron = try module(CronModule.self, ["name": .string("job 'one' $(x)"), "job": .string("echo \"$(date)\" `id` \u{e9} > /dev/null"),
                                                "cron_file": .string(cronFile), "user": .string("root"), "minute": .string("5")])
        let outcome7 = try await apply(cron).result.changed
        XCTAssertTrue(outcome7)
        let outcome8 = try await apply(cron).result.changed
        XCTAssertFalse(outcome8, "second run ok")
        let written = try String(contentsOfFile: cronFile, encoding: .utf8)
        XCTAssertTrue(written.contains("#Ansible: job 'one' $(x)\n5 * * * * root echo \"$(date)\" `id` \u{e9} > /dev/null"), written)
        let find = try module(FindModule.self, ["paths": .string(directory), "patterns": .string("*.cron")])
        let found = try await apply(find)
        XCTAssertEqual(found.result["matched"], .int(1))
    }

    func testAuthorizedKeyAddsOnceToAFileWithAHostileName() async throws {
        let file = directory + "/" + hostileName + ".keys"
        try Data("ssh-rsa AAAAB3Nza other@host\n".utf8).write(to: URL(fileURLWithPath: file))
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKdeckhand deploy 'laptop' $(x)"
        let module = try module(AuthorizedKeyModule.self, ["user": .string(NSUserName()), "key": .string(key), "path": .string(file),
                                                           "manage_dir": .bool(false)])
        let first = try await apply(module).result.changed
        XCTAssertTrue(first)
        let second = try await apply(module).result.changed
        XCTAssertFalse(second, "second run ok")
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "ssh-rsa AAAAB3Nza other@host\n\(key)\n")
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

import Foundation
import XCTest
@testable import Deckhand

/// The built-in playbooks and the verbs that run them: every playbook loads with the real modules, and each
/// names (set_stats) every outcome its verb reads, so renaming a task never breaks a verb and renaming an
/// outcome is caught here.
final class BuiltInVerbTests: XCTestCase {
    /// The repository's playbooks/.
    static let playbooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("playbooks").path

    /// Built-in playbooks no verb runs: a user runs them with `deckhand run` (the Docker host's).
    static let runByDeckhandRun = ["docker-host.yml"]

    func testEveryBuiltInPlaybookLoadsWithTheRealModulesAndIsAVerbs() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.playbooks)
            .filter { $0.hasSuffix(".yml") && $0 != "defaults.yml" && !Self.runByDeckhandRun.contains($0) }.sorted()
        for name in Self.runByDeckhandRun {
            XCTAssertNoThrow(try PlaybookLoader().loadPlaybook(at: Self.playbooks + "/" + name), "\(name) loads and validates")
        }
        XCTAssertEqual(files, BuiltInVerb.allCases.map(\.playbook).sorted(),
                       "each playbook in playbooks/ (defaults.yml holds variables) is one verb's")
        for verb in BuiltInVerb.allCases {
            XCTAssertNoThrow(try load(verb), "\(verb.playbook) loads and validates with deckhand's modules")
        }
    }

    func testEveryVerbsOutcomesAreNamedByItsPlaybook() throws {
        for verb in BuiltInVerb.allCases {
            XCTAssertEqual(verb.missingOutcomes(in: try load(verb)), [],
                           "\(verb.playbook) names with set_stats every outcome `deckhand \(verb.rawValue)` reads")
        }
    }

    func testEveryOutcomeAPlaybookNamesIsReadByItsVerb() throws {
        for verb in BuiltInVerb.allCases {
            let read = Set(verb.outcomes.map(\.name))
            XCTAssertEqual(try load(verb).statsNames.subtracting(read), [],
                           "\(verb.playbook) names only outcomes its verb reads (a stray one is a typo or a rename)")
        }
    }

    func testAnOutcomeRenamedInAPlaybookIsCaught() throws {
        let copy = NSTemporaryDirectory() + "deckhand-playbooks-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: Self.playbooks, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        for (file, name) in [("backup.yml", "backup_created"), ("tasks/deploy_lock_take.yml", "lock_refused")] {
            let path = copy + "/" + file
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertTrue(text.contains(name + ":"), "\(file) names \(name)")
            try text.replacingOccurrences(of: name + ":", with: name + "_renamed:").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let loader = PlaybookLoader()
        XCTAssertEqual(BuiltInVerb.backup.missingOutcomes(in: try loader.loadPlaybook(at: copy + "/backup.yml")), [.backupCreated])
        XCTAssertEqual(BuiltInVerb.deploy.missingOutcomes(in: try loader.loadPlaybook(at: copy + "/deploy.yml")), [.lockRefused],
                       "an outcome named in an imported task file counts as the playbook's")
        XCTAssertEqual(BuiltInVerb.rollback.missingOutcomes(in: try loader.loadPlaybook(at: copy + "/rollback.yml")), [.lockRefused])
    }

    func testEveryOutcomeIsKeptPerHost() throws {
        // The verbs read each host's outcome in host order; a run-wide one would join several hosts' text.
        for verb in BuiltInVerb.allCases {
            for task in setStatsTasks(in: try load(verb)) {
                XCTAssertEqual(task.moduleCall?.argumentDictionary["per_host"], .bool(true),
                               "\(task.location): set_stats with per_host: true")
            }
        }
    }

    // MARK: Helpers

    private func load(_ verb: BuiltInVerb) throws -> Playbook {
        try PlaybookLoader().loadPlaybook(at: Self.playbooks + "/" + verb.playbook)
    }

    private func setStatsTasks(in playbook: Playbook) -> [PlaybookTask] {
        var found: [PlaybookTask] = []
        func walk(_ items: [TaskItem]) {
            for item in items {
                switch item {
                case .task(let task) where task.moduleCall?.name == "set_stats": found.append(task)
                case .task: continue
                case .block(let block): walk(block.block + block.rescue + block.always)
                }
            }
        }
        for play in playbook.plays { walk(play.preTasks + play.roleTasks + play.tasks + play.postTasks) }
        return found
    }
}

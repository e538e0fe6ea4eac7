import Foundation
import XCTest
@testable import Deckhand

/// rollback.yml and `deckhand rollback` without a host: every refusal comes before the first task that changes
/// anything, and --with-data (which loses data) is never run without consent.
final class RollbackPlaybookTests: XCTestCase {
    /// The refusals of a rollback: an irreversible migration, a restore point that does not read back.
    static let refusals = ["Stop before a migration that cannot be unapplied", "Stop when the restore point does not read back"]
    /// The first tasks of a rollback that change the host (the database side, then the switch).
    static let changes = ["Turn maintenance on while the database changes", "Back up the database",
                          "Unapply the migrations", "Put the restore point back", "Switch repo to releases/"]

    func testEveryRefusalComesBeforeAnythingChanges() throws {
        let playbook = try PlaybookLoader().loadPlaybook(at: BuiltInVerbTests.playbooks + "/rollback.yml")
        // The tasks of the rollback's main block in order (rescue and always aside).
        let titles = playbook.plays.flatMap(\.tasks).flatMap(Self.mainLine).map { $0.name ?? "" }
        let firstChange = try XCTUnwrap(titles.firstIndex { title in Self.changes.contains { title.hasPrefix($0) } },
                                        "rollback.yml changes the host somewhere:\n\(titles)")
        for refusal in Self.refusals {
            let index = try XCTUnwrap(titles.firstIndex(of: refusal), "rollback.yml has the task '\(refusal)':\n\(titles)")
            XCTAssertLessThan(index, firstChange, "'\(refusal)' stops the rollback before '\(titles[firstChange])'")
        }
    }

    func testWithDataRefusesWithoutYesWhenStdinIsNoTerminal() throws {
        let folder = NSTemporaryDirectory() + "deckhand-rollback-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // No stage exists: the refusal comes before deckhand looks for one, let alone a host.
        let refused = try DeckhandBinary.run(["rollback", "nowhere", "--with-data"], in: folder, input: "yes\n")
        XCTAssertEqual(refused.status, 1, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("lost"), "it says what --with-data loses:\n\(refused.stderr)")
        XCTAssertTrue(refused.stderr.contains("--yes") && refused.stderr.contains("nothing was changed"), refused.stderr)

        let both = try DeckhandBinary.run(["rollback", "nowhere", "--with-data", "--keep-schema", "--yes"], in: folder)
        XCTAssertNotEqual(both.status, 0, "--keep-schema and --with-data exclude each other:\n\(both)")
        XCTAssertTrue(both.stderr.contains("exclude each other"), both.stderr)
    }

    /// A block's main tasks (imports included), not its rescue or always.
    private static func mainLine(_ item: TaskItem) -> [PlaybookTask] {
        switch item {
        case .task(let task): return [task]
        case .block(let block): return block.block.flatMap(mainLine)
        }
    }
}

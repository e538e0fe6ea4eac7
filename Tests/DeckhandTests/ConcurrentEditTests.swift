import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// Two runs editing one file at the same time keep each other's edits: lineinfile, blockinfile and replace
/// write only if the file is still as they read it, and read it again otherwise.
final class ConcurrentEditTests: XCTestCase {
    private var base = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        try "# shared\n".write(toFile: base + "/shared.conf", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: base + "/shared.conf")
        // Each run adds 15 lines and 3 blocks of its own, and turns its own 5 placeholders into values.
        let placeholders = ["a", "b"].flatMap { run in (0..<5).map { "\(run)-todo-\($0)\n" } }.joined()
        try placeholders.write(toFile: base + "/placeholders.conf", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: base + "/placeholders.conf")
        try """
            - hosts: testhost
              gather_facts: false
              tasks:
                - lineinfile: { path: "\(base)/shared.conf", line: "{{ run }} line {{ item }}" }
                  loop: "{{ range(15) | list }}"
                - blockinfile:
                    path: "\(base)/shared.conf"
                    marker: "# {mark} {{ run }} {{ item }}"
                    block: "{{ run }} block {{ item }}"
                  loop: "{{ range(3) | list }}"
                - replace: { path: "\(base)/placeholders.conf", regexp: "^{{ run }}-todo-{{ item }}$", replace: "{{ run }}-done-{{ item }}" }
                  loop: "{{ range(5) | list }}"
            """.write(toFile: base + "/edit.yml", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: base)
    }

    func testTwoRunsEachAddingFifteenLinesToOneFileEndWithThirty() async throws {
        async let first = LoopbackHost.run(base + "/edit.yml", extraVars: ["run": .string("a")])
        async let second = LoopbackHost.run(base + "/edit.yml", extraVars: ["run": .string("b")])
        let (a, b) = try await (first, second)
        XCTAssertEqual(a.0.exitCode, 0, a.1.failureReport)
        XCTAssertEqual(b.0.exitCode, 0, b.1.failureReport)

        let lines = try String(contentsOfFile: base + "/shared.conf", encoding: .utf8).split(separator: "\n").map(String.init)
        let added = lines.filter { $0.contains(" line ") }
        print("two runs adding 15 lines each left \(added.count) lines and \(lines.filter { $0.contains(" block ") }.count) of 6 blocks")
        XCTAssertEqual(Set(added), Set(["a", "b"].flatMap { run in (0..<15).map { "\(run) line \($0)" } }))
        XCTAssertEqual(added.count, 30)
        for run in ["a", "b"] {
            for item in 0..<3 {
                XCTAssertEqual(lines.filter { $0 == "# BEGIN \(run) \(item)" }.count, 1, "block \(run) \(item)")
                XCTAssertTrue(lines.contains("\(run) block \(item)"), "block \(run) \(item)")
            }
        }
        let placeholders = try String(contentsOfFile: base + "/placeholders.conf", encoding: .utf8)
        XCTAssertEqual(placeholders, ["a", "b"].flatMap { run in (0..<5).map { "\(run)-done-\($0)\n" } }.joined())
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: base).filter { $0.contains(".deckhand.") }
        XCTAssertEqual(leftovers, [], "no temporary file left")
    }
}

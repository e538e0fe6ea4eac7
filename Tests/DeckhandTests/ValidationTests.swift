import XCTest
@testable import Deckhand

final class ValidationTests: XCTestCase {
    func errors(_ fixture: String) -> [ValidationError] {
        do {
            _ = try PlaybookLoader().loadPlaybook(at: Fixtures.path(fixture))
            XCTFail("\(fixture) should not load")
            return []
        } catch let error as ValidationErrors {
            return error.errors
        } catch {
            XCTFail("unexpected error \(error)")
            return []
        }
    }

    func error(_ errors: [ValidationError], line: Int, file: StaticString = #filePath,
               sourceLine: UInt = #line) -> ValidationError? {
        let found = errors.first { $0.location.line == line }
        if found == nil {
            XCTFail("no error on line \(line); got:\n" + errors.map(\.description).joined(separator: "\n"),
                    file: file, line: sourceLine)
        }
        return found
    }

    func testEveryMistakeOfAFileIsReportedWithItsPlaceAndANearName() {
        let errors = errors("invalid/bad.yml")

        let misplacedNotify = error(errors, line: 2)
        XCTAssertEqual(misplacedNotify?.location.column, 3)
        XCTAssertEqual(misplacedNotify?.offendingText, "notify")
        XCTAssertTrue(misplacedNotify?.message.contains("task keyword") ?? false)

        XCTAssertEqual(error(errors, line: 3)?.suggestion, "tasks", "taks -> tasks")

        let typo = error(errors, line: 7)
        XCTAssertEqual(typo?.offendingText, "copyy")
        XCTAssertEqual(typo?.suggestion, "copy")
        XCTAssertEqual(typo?.location.column, 7)

        XCTAssertTrue(error(errors, line: 10)?.message.contains("only one module") ?? false)
        XCTAssertTrue(error(errors, line: 12)?.message.contains("play keyword") ?? false)

        let wrongArgument = error(errors, line: 17)
        XCTAssertEqual(wrongArgument?.offendingText, "dset")
        XCTAssertEqual(wrongArgument?.suggestion, "dest")

        XCTAssertTrue(error(errors, line: 19)?.message.contains("needs the argument 'name'") ?? false)
        let notABool = error(errors, line: 21)
        XCTAssertTrue(notABool?.message.contains("yes/no") ?? false)
        XCTAssertEqual(notABool?.location.column, 26, "points at 'backup=' in the key=value text")
        XCTAssertTrue(error(errors, line: 23)?.message.contains("did you mean 'directory'") ?? false)
        XCTAssertEqual(error(errors, line: 26)?.suggestion, "when")

        let noHosts = error(errors, line: 27)
        XCTAssertTrue(noHosts?.message.contains("no 'hosts:'") ?? false)

        for error in errors {
            XCTAssertTrue(error.location.file.hasSuffix("invalid/bad.yml"))
        }
        let report = ValidationErrors(errors).description
        XCTAssertTrue(report.contains("bad.yml:7:7: unknown module or task keyword 'copyy'; nearest modules: copy"),
                      report)
    }

    func testAYAMLSyntaxErrorPointsAtTheLine() {
        let errors = errors("invalid/broken.yml")
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].message.hasPrefix("YAML syntax error"))
        XCTAssertEqual(errors[0].location.line, 5)
    }

    func testAMissingRoleSuggestsTheNearestRole() throws {
        let folder = NSTemporaryDirectory() + "deckhand-validation-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/roles/nginx/tasks", withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try "- ping:\n".write(toFile: folder + "/roles/nginx/tasks/main.yml", atomically: true, encoding: .utf8)
        try String(contentsOfFile: Fixtures.path("invalid/missing_role.yml"), encoding: .utf8)
            .write(toFile: folder + "/play.yml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: folder + "/play.yml")) { error in
            let errors = (error as? ValidationErrors)?.errors ?? []
            XCTAssertEqual(errors.count, 1)
            XCTAssertEqual(errors.first?.suggestion, "nginx")
            XCTAssertEqual(errors.first?.location.line, 3)
        }
    }

    func testTemplatedArgumentsAreLeftForRunTime() throws {
        let folder = NSTemporaryDirectory() + "deckhand-validation-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try """
            - hosts: all
              tasks:
                - copy: src=a dest=/b backup="{{ keep }}" mode=u=rw,g=r
                - file: path=/x state="{{ wanted }}"
                - apt: name=nginx state=present update_cache=yes cache_valid_time=60
                - set_fact: anything=1 goes=here
            """.write(toFile: folder + "/play.yml", atomically: true, encoding: .utf8)
        XCTAssertNoThrow(try PlaybookLoader().loadPlaybook(at: folder + "/play.yml"))
    }

    func testMistakesInHandlersIncludesAndTemplatesAreFoundBeforeTheRun() throws {
        let folder = NSTemporaryDirectory() + "deckhand-validation-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try "- name: included\n  copy: dest=/x mdoe=0644\n".write(toFile: folder + "/inc.yml", atomically: true,
                                                                       encoding: .utf8)
        try """
            - hosts: all
              tasks:
                - name: changes config
                  copy: src=a dest=/etc/a
                  notify: restart ngnix
                - include_tasks: inc.yml
                - include_role:
                    name: nosuchrole
                - name: bad template
                  debug:
                    msg: "{{ unclosed "
                - name: bad condition
                  ping:
                  when: x ==
              handlers:
                - name: restart nginx
                  service: name=nginx state=restarted
            """.write(toFile: folder + "/play.yml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: folder + "/play.yml")) { error in
            let errors = (error as? ValidationErrors)?.errors ?? []
            let text = errors.map(\.description).joined(separator: "\n")
            XCTAssertTrue(text.contains("inc.yml:2:"), text)
            XCTAssertTrue(text.contains("'mdoe'") && text.contains("did you mean 'mode'"), text)
            XCTAssertTrue(text.contains("role 'nosuchrole' not found"), text)
            XCTAssertFalse(text.contains("restart ngnix"), "handlers of roles included at run time are unknown now")
            XCTAssertTrue(text.contains("play.yml:10:") && text.contains("template error in 'debug.msg'"), text)
            XCTAssertTrue(text.contains("play.yml:12:") && text.contains("'when' is not a valid expression"), text)
        }
    }

    func testNotifyingAnUnknownHandlerIsAnError() throws {
        let folder = NSTemporaryDirectory() + "deckhand-validation-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try """
            - hosts: all
              tasks:
                - copy: src=a dest=/etc/a
                  notify: [restart ngnix, app changed]
              handlers:
                - name: restart nginx
                  service: name=nginx state=restarted
                - name: restart app
                  listen: app changed
                  service: name=app state=restarted
            """.write(toFile: folder + "/play.yml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: folder + "/play.yml")) { error in
            let errors = (error as? ValidationErrors)?.errors ?? []
            XCTAssertEqual(errors.count, 1)
            XCTAssertEqual(errors.first?.offendingText, "restart ngnix")
            XCTAssertEqual(errors.first?.suggestion, "restart nginx")
            XCTAssertEqual(errors.first?.location.line, 3)
        }
    }

    func testAnEmptyPlaybookIsAnError() throws {
        let path = NSTemporaryDirectory() + "deckhand-empty-" + UUID().uuidString + ".yml"
        try "---\n# nothing yet\n".write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try PlaybookLoader().loadPlaybook(at: path)) { error in
            XCTAssertTrue("\(error)".contains("no plays"), "\(error)")
        }
    }

    func testSuggestionsUseEditDistance() {
        XCTAssertEqual(Suggestion.nearest("usr", in: ["service", "user", "uri", "shell"], count: 2),
                       ["user", "uri"])
        XCTAssertEqual(Suggestion.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(Suggestion.nearest("lineinfle", in: ["lineinfile", "blockinfile"]), "lineinfile")
        XCTAssertNil(Suggestion.nearest("zzzzzz", in: ["copy", "file"]))
    }
}

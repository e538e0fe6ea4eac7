import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// lookup(), query() and the with_<lookup> loops read the controller, beside the playbook (or the role).
final class LookupTests: XCTestCase {
    func testLookupsReadFilesTemplatesCommandsAndVariablesBesideThePlaybook() async throws {
        let book = try LocalPlaybook(files: [
            "files/deploy.pub": "ssh-ed25519 AAAA deploy@ops\n\n",
            "files/a.conf": "a\n",
            "files/b.conf": "b\n",
            "templates/line.j2": "{{ inventory_hostname }}:{{ item }}\n",
            "site.yml": """
            - hosts: all
              gather_facts: false
              vars:
                stage: test
              tasks:
                - copy:
                    dest: "@DIR@/out"
                    content: |
                      key={{ lookup('file', 'deploy.pub') }}
                      confs={{ query('fileglob', '*.conf') | map('basename') | join(',') }}
                      first={{ lookup('first_found', ['missing.conf', 'b.conf']) | basename }}
                      env={{ lookup('env', 'DECKHAND_NOT_SET', default='unset') }}
                      pipe={{ lookup('pipe', 'printf "x y"') }}
                      lines={{ query('lines', 'printf "1\\\\n2\\\\n"') | join('+') }}
                      vars={{ lookup('vars', 'stage') }}
                      joined={{ lookup('file', 'a.conf', 'b.conf') }}
                      ignored={{ lookup('file', 'missing', errors='ignore') is none }}
                - name: templates see the loop item
                  copy: { dest: "@DIR@/{{ item }}.line", content: "{{ lookup('template', 'line.j2') }}" }
                  loop: [one]
                - name: with_file
                  shell: printf '%s\\n' "{{ item }}" >> @DIR@/with_file
                  with_file: [a.conf, b.conf]
                - name: an unknown plugin
                  debug: { msg: "{{ lookup('hashi_vault', 'secret/x') }}" }
                  ignore_errors: true
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        XCTAssertEqual(book.read("out"), """
            key=ssh-ed25519 AAAA deploy@ops
            confs=a.conf,b.conf
            first=b.conf
            env=unset
            pipe=x y
            lines=1+2
            vars=test
            joined=a,b
            ignored=True

            """)
        XCTAssertEqual(book.read("one.line"), "web1:one\n")
        XCTAssertEqual(book.read("with_file"), "a\nb\n")
        guard case .string(let message)? = events.results(ofTask: "an unknown plugin").first?.result["msg"] else {
            return XCTFail("no message")
        }
        XCTAssertTrue(message.contains("'hashi_vault' was not found (not supported); deckhand has config, csvfile, env, file"), message)
    }

    func testThePasswordLookupKeepsItsPasswordAndHashesItAsAnsible() async throws {
        let book = try LocalPlaybook(files: [
            // Written by Ansible's password lookup with encrypt=sha512_crypt: the password, then its salt.
            "credentials/fixed": "secret salt=abcdefghijklmnop\n",
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - copy:
                    dest: "@DIR@/out"
                    content: |
                      made={{ lookup('password', 'credentials/db length=12 chars=digits') }}
                      again={{ lookup('password', 'credentials/db length=12 chars=digits') }}
                      hashed={{ lookup('password', 'credentials/fixed encrypt=sha512_crypt') }}
                      thrown={{ lookup('password', '/dev/null length=5 chars=ascii_lowercase') | length }}
                - debug: { msg: "{{ lookup('password', '/dev/null lenght=5') }}" }
                  register: typo
                  ignore_errors: true
            """,
        ])
        defer { book.remove() }
        let (summary, events) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, events.failureReport)
        let lines = (book.read("out") ?? "").split(separator: "\n").map(String.init)
        let made = lines.first?.dropFirst("made=".count) ?? ""
        XCTAssertEqual(made.count, 12)
        XCTAssertTrue(made.allSatisfy(\.isNumber), String(made))
        XCTAssertEqual(lines.dropFirst().first, "again=\(made)", "the second lookup reads the kept password")
        XCTAssertEqual(book.read("credentials/db"), "\(made)\n")
        let mode = try FileManager.default.attributesOfItem(atPath: book.path("credentials/db"))[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        // ansible-core 2.21.5 gives this very string for the same file.
        XCTAssertEqual(lines.dropFirst(2).first, "hashed=$6$rounds=656000$V7qMYJaNbVKOeh4P$5JHBnJyyzK0qVndiB5wWoYti.5GRd/abKgCBr8zhfmvNGkgyPxGyFSmepP0D6yVsOYiNBHDtwRV10SroqamWr/")
        XCTAssertEqual(lines.dropFirst(3).first, "thrown=5")
        XCTAssertFalse(FileManager.default.fileExists(atPath: book.path("dev")))
        guard case .string(let message)? = events.results(ofTask: "debug").first?.result["msg"] else { return XCTFail("no message") }
        XCTAssertTrue(message.contains("unrecognized parameter(s) given to password lookup: lenght"), message)
    }
}

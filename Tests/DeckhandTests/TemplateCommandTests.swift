import Foundation
import XCTest

/// `deckhand template`: a user previews what a task would write, from a real template folder on disk.
final class TemplateCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Runs the built deckhand binary in the template folder.
    private func deckhand(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try DeckhandBinary.run(arguments, in: folder.path)
    }

    func testRendersExactlyTheTextWithIncludesAndAllKindsOfExtraVars() throws {
        try write("vhost.conf.j2", """
            server {
                server_name {{ server_names | join(' ') }};
            {% if maintenance %}
                return 503;
            {% endif %}
            {% include 'proxy.j2' %}
            }

            """)
        try write("proxy.j2", "    proxy_pass http://127.0.0.1:{{ port }};\n")
        try write("vars.yml", "server_names: [shop.example.com, www.shop.example.com]\nmaintenance: yes\n")

        let result = try deckhand(["template", "vhost.conf.j2", "-e", "@vars.yml", "-e", "port=8000",
                                   "-e", #"{"maintenance": false}"#])

        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, """
            server {
                server_name shop.example.com www.shop.example.com;
                proxy_pass http://127.0.0.1:8000;}

            """, "as Ansible's template module writes it: the include drops its trailing newline and trim_blocks "
                + "eats the tag's, the file's own last newline is kept; the JSON -e comes last and turns maintenance off")
        XCTAssertEqual(result.stderr, "")
    }

    func testJSONVarsKeepTheirTypesAndQuotedWordsStayWhole() throws {
        try write("gunicorn.conf.j2", "workers = {{ workers * 2 + 1 }}\ntimeout = {{ timeout }}\nname = {{ name }}\n")
        try write("vars.json", #"{"workers": 2, "timeout": 30.5}"#)

        let result = try deckhand(["template", "gunicorn.conf.j2", "-e", "@vars.json", "-e", "name='shop web'"])

        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "workers = 5\ntimeout = 30.5\nname = shop web\n")
    }

    func testAJinja2FirstLineIsReadAsTheTemplateModuleReadsIt() throws {
        try write("hosts.j2", "#jinja2: line_statement_prefix: '%', newline_sequence: '\\r\\n'\n% for name in names\n{{ name }}\n% endfor\n")

        let result = try deckhand(["template", "hosts.j2", "-e", #"{"names": ["web", "db"]}"#])

        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "web\r\ndb\r\n", "the header line goes, its line statements and newline sequence apply")
    }

    func testAnUndefinedVariableFailsWithTemplateNameAndLine() throws {
        try write("start.sh.j2", "#!/bin/bash\ncd {{ project_dir }}\nexec {{ virtualenv }}/bin/gunicorn\n")

        let result = try deckhand(["template", "start.sh.j2", "-e", "project_dir=/webapps/shop"])

        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "", "nothing half-rendered reaches stdout")
        XCTAssertTrue(result.stderr.contains("start.sh.j2:3"), result.stderr)
        XCTAssertTrue(result.stderr.contains("virtualenv"), result.stderr)
    }

    func testAMissingTemplateOrVarsFileSaysWhichFile() throws {
        let missing = try deckhand(["template", "nope.j2"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nope.j2") && missing.stderr.contains("no such file"), missing.stderr)

        try write("t.j2", "{{ x }}")
        let badVars = try deckhand(["template", "t.j2", "-e", "@missing.yml"])
        XCTAssertNotEqual(badVars.status, 0)
        XCTAssertTrue(badVars.stderr.contains("missing.yml"), badVars.stderr)
    }
}

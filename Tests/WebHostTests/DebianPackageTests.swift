import Foundation
import XCTest

/// The Debian package `make deb` builds (tools/make-deb), installed on this machine as a user installs it:
/// `deckhand --version` names the version and commit, the man pages and completions are where man and the
/// shells look, and a verb of the installed binary runs the installed playbooks against the web host. The
/// package is removed afterwards, whatever the outcome. DECKHAND_DEB names the .deb (tools/run-tests's
/// package step builds it).
final class DebianPackageTests: XCTestCase {
    private var host: WebHost!
    private var package = ""

    override func setUpWithError() throws {
        guard let deb = ProcessInfo.processInfo.environment["DECKHAND_DEB"], !deb.isEmpty else {
            throw WebHost.unavailable("DECKHAND_DEB names no package: build one with `make deb` (tools/make-deb)")
        }
        package = deb
        host = try WebHost.require()
        let installed = try shell("dpkg-query -W -f='${Status}' deckhand 2>/dev/null || true")
        if installed.stdout.contains("install ok installed") {
            throw XCTSkip("a deckhand package is already installed on this machine; the test does not replace it")
        }
    }

    override func tearDown() {
        _ = try? shell("dpkg -r deckhand >/dev/null 2>&1 || true")
        host?.cleanUp()
    }

    func testTheInstalledPackageHasTheBinaryManPagesCompletionsAndPlaybooks() throws {
        let install = try shell("dpkg -i \(quoted(package))")
        XCTAssertEqual(install.status, 0, "\(install)")

        let version = try shell("/usr/bin/deckhand --version")
        let top = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let expected = try String(contentsOf: top.appendingPathComponent("VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = try shell("git -C \(quoted(top.path)) rev-parse --short=12 HEAD").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(version.stdout.hasPrefix("deckhand \(expected) (commit \(commit)"), "\(version)")

        for page in ["deckhand", "deckhand-deploy", "deckhand-backup", "deckhand-doctor"] {
            let where_ = try shell("man -w \(page)")
            XCTAssertEqual(where_.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                           "/usr/share/man/man1/\(page).1.gz", "\(where_)")
        }
        let manual = try shell("MANWIDTH=200 man deckhand-deploy 2>/dev/null | col -b")
        XCTAssertTrue(manual.stdout.contains("--ref <ref>"), "man deckhand-deploy shows deploy's options:\n\(manual.stdout)")

        let bash = try shell("bash -c 'source /usr/share/bash-completion/completions/deckhand && complete -p deckhand'")
        XCTAssertEqual(bash.status, 0, "\(bash)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "/usr/share/zsh/vendor-completions/_deckhand"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "/usr/share/fish/vendor_completions.d/deckhand.fish"))

        // The installed binary's verb runs /usr/share/deckhand/playbooks/doctor.yml (it never reads the build tree).
        let doctor = try Output.run(URL(fileURLWithPath: "/usr/bin/deckhand"),
                                    ["-F", host.testhost + "/ssh_config", "doctor", "test", "-e", "@" + host.varsFile],
                                    in: host.operations)
        XCTAssertEqual(doctor.status, 0, "\(doctor)")
        XCTAssertTrue(doctor.stdout.contains("ok    sudo"), doctor.stdout)

        let remove = try shell("dpkg -r deckhand")
        XCTAssertEqual(remove.status, 0, "\(remove)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/usr/bin/deckhand"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/usr/share/deckhand/playbooks"))
    }

    private func shell(_ command: String) throws -> Output {
        try Output.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], in: "/")
    }

    private func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

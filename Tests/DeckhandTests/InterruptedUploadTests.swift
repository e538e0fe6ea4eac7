import Foundation
import XCTest

/// A `copy` of a large file over an existing one, cut off half-way from either end of the connection, as a
/// failure happens in production: the old file stays whole, and no temporary file outlives the next run.
final class InterruptedUploadTests: XCTestCase {
    private static let size = 120 << 20
    private var folder = ""
    private var base = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        folder = NSTemporaryDirectory() + "deckhand-upload-\(UUID().uuidString)"
        base = "/tmp/deckhand-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // The test host logs in as `deckhand`: it must be able to put its temporary file beside the target.
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        try oldContents.write(to: URL(fileURLWithPath: base + "/big"))
        try newContents.write(to: URL(fileURLWithPath: folder + "/new.bin"))
        try "[web]\ntesthost\n".write(toFile: folder + "/hosts.ini", atomically: true, encoding: .utf8)
        // The first task notes the sshd process serving this run's connection (the remote shell's nearest
        // sshd ancestor), for the test that kills it.
        try """
            - hosts: web
              gather_facts: false
              tasks:
                - shell: >-
                    p=$$; while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm)" != sshd ]; do p=$(cut -d' ' -f4 /proc/$p/stat); done;
                    echo $p > \(base)/sshd.pid
                - copy: { src: new.bin, dest: "\(base)/big" }
            """.write(toFile: folder + "/site.yml", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: base)
    }

    private var oldContents: Data { Data(repeating: UInt8(ascii: "o"), count: Self.size) }
    private var newContents: Data { Data(repeating: UInt8(ascii: "n"), count: Self.size) }
    private var arguments: [String] { ["run", "site.yml", "-i", "hosts.ini", "-F", LoopbackHost.directory + "/ssh_config"] }

    func testKillingDeckhandMidUploadKeepsTheWholeOldFile() throws {
        try cutUploadAndRunAgain(kind: "deckhand killed") { deckhand in kill(deckhand, SIGKILL) }
    }

    func testKillingTheServersSSHDMidUploadKeepsTheWholeOldFile() throws {
        try cutUploadAndRunAgain(kind: "sshd killed") { _ in
            let text = try String(contentsOfFile: self.base + "/sshd.pid", encoding: .utf8)
            let pid = try XCTUnwrap(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "sshd.pid: \(text)")
            XCTAssertEqual(kill(pid, SIGKILL), 0, "kill the sshd serving the run (pid \(pid))")
        }
    }

    /// Starts `deckhand run`, cuts the connection with `cut` once the temporary file has grown past 16 MB, then
    /// checks what is left and runs the playbook again to the end.
    private func cutUploadAndRunAgain(kind: String, cut: (Int32) throws -> Void) throws {
        let process = Process()
        process.executableURL = try DeckhandBinary.executable()
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let log = folder + "/first-run.txt"
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = process.standardOutput
        try process.run()

        var partial = 0
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            partial = temporaries().map(fileSize).max() ?? 0
            if partial > 16 << 20 && FileManager.default.fileExists(atPath: base + "/sshd.pid") { break }
            usleep(10_000)
        }
        guard process.isRunning else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return XCTFail("the upload ended before it could be cut (\(partial) bytes seen): \(output)")
        }
        try cut(process.processIdentifier)
        process.waitUntilExit()

        // The remote shell sees the end of its input and removes its temporary file at once.
        var left = temporaries()
        let settle = Date().addingTimeInterval(10)
        while !left.isEmpty && Date() < settle {
            usleep(100_000)
            left = temporaries()
        }
        let kept = try Data(contentsOf: URL(fileURLWithPath: base + "/big"))
        print("\(kind) with \(partial >> 20) MB of \(Self.size >> 20) MB sent: \(base)/big holds "
              + (kept == oldContents ? "the whole old file" : "\(kept.count) bytes, not the old file")
              + ", \(left.count) temporary file(s) left")
        XCTAssertEqual(kept.count, oldContents.count, "the old file keeps its size")
        XCTAssertTrue(kept == oldContents, "the old file is untouched")
        XCTAssertEqual(left, [], "the interrupted write removed its temporary file")

        // One left by a writer whose shell was killed outright (pid past pid_max: long gone) goes on the next write.
        let stale = base + "/.big.deckhand.4194999.AbC123"
        FileManager.default.createFile(atPath: stale, contents: Data("partial".utf8))
        let again = try DeckhandBinary.run(arguments, in: folder)
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: base + "/big")) == newContents, "the next run writes the file whole")
        XCTAssertEqual(temporaries(), [], "no temporary file after the next run")
    }

    private func temporaries() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return names.filter { $0.hasPrefix(".big.") }.sorted().map { base + "/" + $0 }
    }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}

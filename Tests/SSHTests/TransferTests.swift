import Foundation
import XCTest
@testable import SSH

/// Files: uploads land whole or not at all, with their mode; downloads return the bytes.
final class TransferTests: XCTestCase {
    /// A fresh folder on the test host (which is this machine), removed afterwards.
    private func remoteFolder(_ session: SSHSession) async throws -> String {
        let folder = try await session.run("mktemp -d /tmp/deckhand-upload-XXXXXX").out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    private func randomData(_ count: Int) -> Data {
        FileHandle(forReadingAtPath: "/dev/urandom")?.readData(ofLength: count) ?? Data(count: count)
    }

    func testTenMegabytesArriveByteIdenticalWithTheirMode() async throws {
        let session = try await TestHost.connect()
        let folder = try await remoteFolder(session)
        let data = randomData(10 * 1024 * 1024)
        let target = folder + "/release.tar"
        let started = ContinuousClock.now
        try await session.upload(data, to: target, mode: 0o640)
        print("uploaded 10 MB in \(ContinuousClock.now - started)")

        let remote = try await session.run("stat -c '%a %s' \(target); ls -A \(folder)")
        XCTAssertEqual(remote.out, "640 \(data.count)\nrelease.tar\n", "mode, size, and no temporary file left behind")
        let downloaded = try await session.download(target)
        XCTAssertTrue(downloaded == data, "the downloaded bytes differ from the uploaded ones")
        await session.close()
    }

    func testAnUploadReplacesTheOldFileAndSetsOwner() async throws {
        let session = try await TestHost.connect()
        let folder = try await remoteFolder(session)
        let target = folder + "/settings.py"
        try await session.upload(Data("old\n".utf8), to: target)
        try await session.upload(Data("new\n".utf8), to: target, mode: 0o600, group: "deckhand")
        let remote = try await session.run("cat \(target); stat -c '%a %G' \(target)")
        XCTAssertEqual(remote.out, "new\n600 deckhand\n")
        await session.close()
    }

    func testAnUploadIntoAMissingFolderSaysSo() async throws {
        let session = try await TestHost.connect()
        let error = await expectSSHError(.sftp) {
            try await session.upload(Data("x".utf8), to: "/tmp/deckhand-no-such-folder/file")
        }
        XCTAssertTrue(error?.message.contains("no such file or directory") ?? false, "\(String(describing: error))")
        await session.close()
    }

    func testADroppedConnectionMidUploadLeavesTheTargetUntouched() async throws {
        let session = try await TestHost.connect()
        let folder = try await remoteFolder(session)
        let target = folder + "/app.conf"
        try await session.upload(Data("old\n".utf8), to: target)
        // The shell's parent is the sshd process serving this connection: killing it drops the connection.
        let sshdPID = try await session.run("echo $PPID").out.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = Int32(sshdPID) else { return XCTFail("no sshd pid: \(sshdPID)") }

        let big = randomData(64 * 1024 * 1024)
        let upload = Task { try await session.upload(big, to: target) }
        var killedMidway = false
        for _ in 0..<5000 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            if names.contains(where: { $0.hasPrefix(".app.conf.deckhand-tmp-") }) {
                kill(pid, SIGKILL)
                killedMidway = true
                break
            }
            usleep(1000)
        }
        XCTAssertTrue(killedMidway, "the temporary file never appeared")
        do {
            try await upload.value
            XCTFail("the upload succeeded although its connection was killed")
        } catch let error as SSHError {
            XCTAssertTrue([.disconnected, .sftp].contains(error.kind), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "old\n", "the target was touched")
        XCTAssertFalse(session.isOpen)
    }
}

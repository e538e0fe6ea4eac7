import Foundation
import XCTest

/// `deckhand doctor` against the provisioned host: every check passes on a healthy stage; a stage whose needs
/// are not met gets a FAIL line with its fix and exit 2; a host ssh cannot reach is named with exit 4.
/// Nothing on the host is changed to make a check fail: the failing stage is the same host asked for more.
extension WebHostVerbTests {
    func testDoctorPassesEveryCheckOnTheProvisionedStage() throws {
        let doctor = try host.deckhand(["doctor", "test"])
        XCTAssertEqual(doctor.status, 0, "\(doctor)")
        let checks = doctorLines(doctor.stdout)
        for name in ["ssh", "sudo", "command pg_dump", "command supervisorctl", "app python", "maintenance page",
                     "service nginx", "service redis", "program \(host.appUser)-gunicorn", "database"] {
            XCTAssertEqual(checks[name], "ok", "check \(name) in:\n\(doctor.stdout)")
        }
        XCTAssertTrue(checks.keys.contains { $0.hasPrefix("disk ") }, doctor.stdout)
        XCTAssertEqual(checks["path repo/.venv/bin/postactivate"], "ok", doctor.stdout)
        XCTAssertEqual(checks["backup folder"], "ok", doctor.stdout)
        XCTAssertFalse(doctor.stdout.contains("FAIL"), doctor.stdout)
        XCTAssertTrue(doctor.lastLine.hasPrefix("test: ") && doctor.lastLine.hasSuffix("0 failed, 0 warnings"),
                      doctor.lastLine)
    }

    func testDoctorNamesWhatFailsWithItsFixAndExits2() throws {
        let doctor = try host.deckhand(["doctor", "test", "-e", "app_python=/nonexistent/python3",
                                        "-e", "doctor_min_free_mb=999999999"])
        XCTAssertEqual(doctor.status, 2, "\(doctor)")
        let lines = doctor.stdout.split(separator: "\n").map(String.init)
        guard let python = lines.firstIndex(where: { $0.hasPrefix("FAIL") && $0.contains("app python") }) else {
            return XCTFail("a FAIL line for the app's python:\n\(doctor.stdout)")
        }
        XCTAssertTrue(lines[python].contains("/nonexistent/python3 is missing"), lines[python])
        XCTAssertTrue(lines[python + 1].contains("fix: install it, or set app_python"), lines[python + 1])
        XCTAssertTrue(lines.contains { $0.hasPrefix("FAIL") && $0.contains("disk ") && $0.contains("MB free (under") },
                      doctor.stdout)
        XCTAssertEqual(doctorLines(doctor.stdout)["database"], "ok", "the other checks still run:\n\(doctor.stdout)")
        XCTAssertTrue(doctor.stderr.contains("test: ") && doctor.stderr.contains("2 failed"), doctor.stderr)
    }

    func testDoctorNamesAnUnreachableHostWithAFixAndExits4() throws {
        let doctor = try host.deckhand(["doctor", "test", "-e", "ansible_port=1"])
        XCTAssertEqual(doctor.status, 4, "\(doctor)")
        let lines = doctor.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("FAIL  ssh") ?? false, doctor.stdout)
        XCTAssertTrue(lines.contains { $0.contains("fix: check that the host is up") }, doctor.stdout)
    }

    /// check name -> verdict, from doctor's report lines ("ok    name   finding").
    private func doctorLines(_ text: String) -> [String: String] {
        var checks: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("ok    ") || line.hasPrefix("WARN  ") || line.hasPrefix("FAIL  ") {
            let verdict = String(line.prefix(6)).trimmingCharacters(in: .whitespaces)
            let rest = line.dropFirst(6)
            let name = rest.range(of: "  ").map { String(rest[..<$0.lowerBound]) } ?? String(rest)
            checks[name] = verdict
        }
        return checks
    }
}

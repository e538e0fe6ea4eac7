import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// known_hosts decides from the file's recorded contents, without a host, as Ansible's module does over
/// `ssh-keygen -F`.
final class KnownHostsModuleTests: XCTestCase {
    private let rsa = "example.org ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDexample=\n"
    private let ed25519 = "example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIzlnSq5ESxLgW0avvPk3j7zLV59hcAPkxrMNdnZMKP2\n"
    private let existing = """
        example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6OSqweGdPdQ/metQaf738AdN3P+itYp1AypOTgXkyj root@box
        @cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDXh1gk2xgS2MekPvo7ZEKiOT7HoyvOAzai2GqoLXGHO
        # example.net ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6OSqweGdPdQ/metQaf738AdN3P+itYp1AypOTgXkyj

        """

    private func file(_ text: String?, path: String = "/home/app/.ssh/known_hosts") -> CommandResult {
        guard let text else { return recordedOutput("path \(path)\nkind absent\n") }
        return recordedOutput("path \(path)\nkind file\n\(FileState.contentMarker)\n\(text)")
    }

    private func written(_ plan: ModulePlan) -> String? {
        guard case .put(let write)? = plan.actions.first?.kind else { return nil }
        return String(decoding: write.data, as: UTF8.self)
    }

    private func diff(_ plan: ModulePlan) -> [String: String] {
        guard case .dict(let diff)? = plan.result["diff"] else { return [:] }
        return diff.reduce(into: [:]) { $0[$1.key] = $1.value.displayText }
    }

    func testANewHostIsAppendedAndTheDiffShowsItAtTheEnd() throws {
        let module = try makeModule(KnownHostsModule.self, ["name": "example.org", "key": rsa])
        let plan = try module.plan(file(existing), ModuleContext(checkMode: true))
        XCTAssertTrue(plan.result.changed)
        XCTAssertEqual(written(plan), existing + rsa)
        XCTAssertEqual(diff(plan)["before"], existing)
        XCTAssertEqual(diff(plan)["after"], existing + rsa)
        XCTAssertEqual(diff(plan)["before_header"], "/home/app/.ssh/known_hosts")
        XCTAssertEqual(plan.result["path"], .string("/home/app/.ssh/known_hosts"), "~ is the login user's home")
    }

    func testTheSameKeyAgainChangesNothingAndAKeyOfAnotherTypeIsNotRemoved() throws {
        let again = try makeModule(KnownHostsModule.self, ["name": "EXAMPLE.org", "key": rsa]).plan(file(existing + rsa), ModuleContext())
        XCTAssertFalse(again.result.changed)
        XCTAssertTrue(again.actions.isEmpty)
        XCTAssertEqual(diff(again)["before"], diff(again)["after"])
        let other = try makeModule(KnownHostsModule.self, ["name": "example.org", "key": ed25519, "state": "absent"])
        XCTAssertFalse(try other.plan(file(existing + rsa), ModuleContext()).result.changed, "Ansible's issue 78598")
    }

    func testAChangedKeyOfTheSameTypeReplacesTheOldLineAtTheEnd() throws {
        let newer = "example.org ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDRANDOM=\n"
        let plan = try makeModule(KnownHostsModule.self, ["name": "example.org", "key": newer])
            .plan(file(rsa + existing), ModuleContext())
        XCTAssertEqual(written(plan), existing + newer)
    }

    func testAbsentRemovesTheKeyAndAHostWithoutKeyLosesEveryEntryButItsCALines() throws {
        let removed = try makeModule(KnownHostsModule.self, ["name": "example.org", "key": rsa, "state": "absent"])
            .plan(file(existing + rsa), ModuleContext())
        XCTAssertEqual(written(removed), existing)
        let host = "host.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFp8VtD59XAcxkj1qbfCtB1in9nm5WiipORjtVJUBA6I\n"
        let everything = try makeModule(KnownHostsModule.self, ["name": "host.example.com", "state": "absent"])
            .plan(file(host + existing + "host.example.com,10.0.0.9 ssh-rsa AAAAB3NzaC1yc2E=\n"), ModuleContext())
        XCTAssertEqual(written(everything), existing, "the *.example.com CA line stays")
        let gone = try makeModule(KnownHostsModule.self, ["name": "example.org", "state": "absent"]).plan(file(existing), ModuleContext())
        XCTAssertFalse(gone.result.changed)
    }

    func testAHashedEntryIsWrittenFoundAgainWhateverItsSaltAndDowngradedToPlain() throws {
        let hashed = try makeModule(KnownHostsModule.self, ["name": "example.org", "key": rsa, "hash_host": true])
        let added = try XCTUnwrap(written(try hashed.plan(file(existing), ModuleContext())))
        let line = try XCTUnwrap(added.splitLines.last)
        XCTAssertTrue(line.hasPrefix("|1|"))
        XCTAssertFalse(added.contains("example.org"))
        XCTAssertTrue(try XCTUnwrap(KnownHostsLine(line)).matches("example.org"))
        XCTAssertFalse(try XCTUnwrap(KnownHostsLine(line)).matches("example.com"))
        XCTAssertFalse(try hashed.plan(file(added), ModuleContext()).result.changed, "a new salt is not a change")
        let plain = try makeModule(KnownHostsModule.self, ["name": "example.org", "key": rsa]).plan(file(added), ModuleContext())
        XCTAssertEqual(written(plain), existing + rsa)
    }

    func testHostsMatchAsOpenSSHMatchesThem() throws {
        // Written by `ssh-keygen -H` for git.example.com.
        let hashed = try XCTUnwrap(KnownHostsLine("|1|q+fsRuXAv/bjp18RCVxNf9T/1iE=|m5/VFJFLB/HbvF02X50GiGDHD6U= ssh-ed25519 AAAAC3Nz"))
        XCTAssertTrue(hashed.matches("git.example.com"))
        XCTAssertFalse(hashed.matches("git.example.org"))
        let patterns = try XCTUnwrap(KnownHostsLine("*.example.com,!bad.example.com,h?st ssh-rsa AAAA comment"))
        XCTAssertTrue(patterns.matches("Web.Example.com"))
        XCTAssertFalse(patterns.matches("bad.example.com"))
        XCTAssertTrue(patterns.matches("host"))
        XCTAssertFalse(patterns.matches("example.com"))
        XCTAssertNil(KnownHostsLine("# example.net ssh-rsa AAAA"))
        XCTAssertFalse(try XCTUnwrap(KnownHostsLine("@unknown example.net ssh-rsa AAAA")).matches("example.net"))
    }

    func testAWrongKeyOrNameFailsWithAnsiblesMessage() throws {
        let comma = try makeModule(KnownHostsModule.self, ["name": "example.org,acme.com", "key": rsa]).plan(file(existing), ModuleContext())
        XCTAssertEqual(comma.result.msg, "Comma separated list of names is not supported. Please pass a single name to lookup in the known_hosts file.")
        let other = try makeModule(KnownHostsModule.self, ["name": "example.com", "key": rsa]).plan(file(existing), ModuleContext())
        XCTAssertEqual(other.result.msg, "Host parameter does not match hashed host field in supplied key")
        XCTAssertEqual(other.result["rc"], .int(1))
        let none = try makeModule(KnownHostsModule.self, ["name": "example.org"]).plan(file(existing), ModuleContext())
        XCTAssertEqual(none.result.msg, "No key specified when adding a host")
        let short = try makeModule(KnownHostsModule.self, ["name": "example.org", "key": "example.org ssh-rsa"]).plan(file(existing), ModuleContext())
        XCTAssertTrue(short.result.failed)
        XCTAssertThrowsError(try makeModule(KnownHostsModule.self, ["name": "example.org", "key": rsa + ed25519]))
    }

    func testAMissingFileIsCreatedAndTheProbeExpandsTheHomeFolder() throws {
        let module = try makeModule(KnownHostsModule.self, ["name": "example.org", "key": rsa.trimmingTrailingNewline])
        let plan = try module.plan(file(nil), ModuleContext())
        XCTAssertEqual(written(plan), rsa)
        XCTAssertEqual(diff(plan)["before_header"], "/dev/null")
        let probe = try XCTUnwrap(try module.probe(ModuleContext())).rendered
        XCTAssertTrue(probe.hasPrefix("r=/.ssh/known_hosts; p=\"$HOME$r\";"), probe)
    }
}

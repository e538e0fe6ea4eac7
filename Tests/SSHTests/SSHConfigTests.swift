import Foundation
import XCTest
@testable import SSH

/// A person's ~/.ssh/config, read the way `ssh` reads it.
final class SSHConfigTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("sshconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".ssh/conf.d"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: home)
    }

    /// Alice on laptop.example.com, who has an ed25519 and an RSA key but no ECDSA key.
    private func environment() -> SSHConfigEnvironment {
        let home = self.home.path
        return SSHConfigEnvironment(
            homeDirectory: home, localUser: "alice", userID: 1000, localHostName: "laptop.example.com",
            fileExists: { [home] in $0 == home + "/.ssh/id_ed25519" || $0 == home + "/.ssh/id_rsa" },
            homeDirectoryOfUser: { $0 == "bob" ? "/home/bob" : nil }
        )
    }

    private func config(_ text: String) throws -> SSHConfig {
        try SSHConfig(text: text, file: home.path + "/.ssh/config", environment: environment())
    }

    private func write(_ text: String, to relativePath: String) throws {
        try text.write(to: home.appendingPathComponent(relativePath), atomically: true, encoding: .utf8)
    }

    private func configError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SSHError? {
        do {
            _ = try config(text)
            XCTFail("expected the config to be refused", file: file, line: line)
            return nil
        } catch let error as SSHError {
            XCTAssertEqual(error.kind, .config, file: file, line: line)
            return error
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    // MARK: Defaults and targets

    func testWithoutConfigATargetGetsOpenSSHDefaults() throws {
        let options = try config("").resolve("web1.example.com")
        XCTAssertEqual(options.host, "web1.example.com")
        XCTAssertEqual(options.port, 22)
        XCTAssertEqual(options.user, "alice")
        XCTAssertEqual(options.identityFiles, [home.path + "/.ssh/id_ed25519", home.path + "/.ssh/id_rsa"])
        XCTAssertFalse(options.identitiesOnly)
        XCTAssertEqual(options.knownHostsFiles, [home.path + "/.ssh/known_hosts"])
        XCTAssertEqual(options.hostKeyPolicy, .strict)
        XCTAssertEqual(options.connectTimeout, .seconds(10))
        XCTAssertEqual(options.serverAliveInterval, 15, "keepalives unless switched off (ServerAliveInterval 0)")
        XCTAssertEqual(options.serverAliveCountMax, 3)
        XCTAssertTrue(options.jumpHosts.isEmpty)
    }

    func testUserAndPortTypedInTheTargetWinOverTheConfig() throws {
        let config = try config("""
            Host web
                HostName 10.0.0.5
                User deploy
                Port 2200
            """)
        let options = try config.resolve("root@web:2222")
        XCTAssertEqual(options.host, "10.0.0.5")
        XCTAssertEqual(options.user, "root")
        XCTAssertEqual(options.port, 2222)
        let defaults = try config.resolve("web")
        XCTAssertEqual(defaults.user, "deploy")
        XCTAssertEqual(defaults.port, 2200)
    }

    func testHostNamesAreLowercasedAsSSHDoes() throws {
        let config = try config("Host web\n  User deploy\n")
        XCTAssertEqual(try config.resolve("WEB").host, "web")
        XCTAssertEqual(try config.resolve("WEB").user, "deploy")
    }

    func testTargetsInEveryFormAreParsed() throws {
        XCTAssertEqual(try SSHTarget(parsing: "host"), SSHTarget(host: "host"))
        XCTAssertEqual(try SSHTarget(parsing: "u@host:2222"), SSHTarget(user: "u", host: "host", port: 2222))
        XCTAssertEqual(try SSHTarget(parsing: "u@[::1]:2222"), SSHTarget(user: "u", host: "::1", port: 2222))
        XCTAssertEqual(try SSHTarget(parsing: "::1"), SSHTarget(host: "::1"))
        XCTAssertEqual(try SSHTarget(parsing: "ssh://me@box:23"), SSHTarget(user: "me", host: "box", port: 23))
        XCTAssertEqual(try SSHTarget(parsing: "a@b@host"), SSHTarget(user: "a@b", host: "host"))
    }

    func testMistypedTargetsAreRefusedWithWhatIsWrong() throws {
        let config = try config("")
        for bad in ["", "alice@", "@host", "host:0", "host:99999", "host:http", "[::1", "we b"] {
            XCTAssertThrowsError(try config.resolve(bad), bad) { error in
                let error = error as? SSHError
                XCTAssertEqual(error?.kind, .config)
                XCTAssertTrue(error?.message.contains("[user@]host[:port]") == true, "\(String(describing: error))")
            }
        }
    }

    // MARK: Host patterns and precedence

    func testTheFirstValueOfAKeywordWinsSoSpecificBlocksComeFirst() throws {
        let config = try config("""
            Host db
                User postgres
            Host *
                User admin
                Port 2022
            Host db
                Port 5
            """)
        XCTAssertEqual(try config.resolve("db").user, "postgres")
        XCTAssertEqual(try config.resolve("db").port, 2022)
        XCTAssertEqual(try config.resolve("web").user, "admin")
    }

    func testPatternsWildcardsNegationAndSeveralPatternsPerLine() throws {
        let config = try config("""
            Host web? *.prod.example.com !db.prod.example.com
                User deploy
            Host BASTION jump
                User hopper
            """)
        XCTAssertEqual(try config.resolve("web1").user, "deploy")
        XCTAssertEqual(try config.resolve("web12").user, "alice", "? matches exactly one character")
        XCTAssertEqual(try config.resolve("api.prod.example.com").user, "deploy")
        XCTAssertEqual(try config.resolve("db.prod.example.com").user, "alice", "negated pattern excludes")
        XCTAssertEqual(try config.resolve("bastion").user, "hopper", "patterns match case-insensitively")
        XCTAssertEqual(try config.resolve("jump").user, "hopper")
        XCTAssertTrue(SSHHostPatternList(["!a"]).matches("b") == false, "a negation alone matches nothing")
    }

    func testHostNameMayNameTheAliasWithPercentH() throws {
        let options = try config("""
            Host *.internal
                HostName %h.vpn.example.com
            """).resolve("web.internal")
        XCTAssertEqual(options.host, "web.internal.vpn.example.com")
    }

    func testMatchAllAndMatchHost() throws {
        let config = try config("""
            Host web
                HostName 10.1.2.3
            Match host 10.1.*
                User internal
            Match exec "test -f /nonexistent"
                User never
            Match all
                Port 2222
            """)
        XCTAssertEqual(try config.resolve("web").user, "internal")
        XCTAssertEqual(try config.resolve("web").port, 2222)
        XCTAssertEqual(try config.resolve("other").user, "alice", "Match exec is not run, so its block never applies")
    }

    // MARK: Keywords

    func testIdentityFilesAccumulateWithTokensAndReplaceTheDefaults() throws {
        let options = try config("""
            Host web
                HostName web.example.com
                User deploy
                IdentityFile ~/.ssh/%h-%r
                IdentityFile %d/keys/%u@%l_%p
                IdentitiesOnly yes
            Host *
                IdentityFile ~bob/.ssh/id_ed25519
                IdentityFile "~/.ssh/with space"
            """).resolve("web")
        XCTAssertEqual(options.identityFiles, [
            home.path + "/.ssh/web.example.com-deploy",
            home.path + "/keys/alice@laptop.example.com_22",
            "/home/bob/.ssh/id_ed25519",
            home.path + "/.ssh/with space",
        ])
        XCTAssertTrue(options.identitiesOnly)
    }

    func testHostKeyCheckingKnownHostsAndTimers() throws {
        let config = try config("""
            Host strict
                StrictHostKeyChecking ask
            Host new
                StrictHostKeyChecking accept-new
            Host lax
                StrictHostKeyChecking no
            Host *
                UserKnownHostsFile ~/.ssh/known_hosts /etc/deckhand/known_%h
                ConnectTimeout 1m30s
                ServerAliveInterval 20
                ServerAliveCountMax 5
            """)
        XCTAssertEqual(try config.resolve("strict").hostKeyPolicy, .strict)
        XCTAssertEqual(try config.resolve("new").hostKeyPolicy, .acceptNew)
        XCTAssertEqual(try config.resolve("lax").hostKeyPolicy, .off)
        let options = try config.resolve("new")
        XCTAssertEqual(options.knownHostsFiles, [home.path + "/.ssh/known_hosts", "/etc/deckhand/known_new"])
        XCTAssertEqual(options.connectTimeout, .seconds(90))
        XCTAssertEqual(options.serverAliveInterval, 20)
        XCTAssertEqual(options.serverAliveCountMax, 5)
        let none = try self.config("UserKnownHostsFile none\n").resolve("web")
        XCTAssertEqual(none.knownHostsFiles, ["/dev/null"])
    }

    func testCommandLineOverridesWinForTargetAndJumpHosts() throws {
        let config = try config("""
            Host web
                ProxyJump bastion
            Host *
                StrictHostKeyChecking yes
                ConnectTimeout 30
            """)
        let options = try config.resolve("web", overrides: SSHConfigOverrides(hostKeyPolicy: .acceptNew, connectTimeout: .seconds(3)))
        XCTAssertEqual(options.hostKeyPolicy, .acceptNew)
        XCTAssertEqual(options.connectTimeout, .seconds(3))
        XCTAssertEqual(options.jumpHosts.first?.hostKeyPolicy, .acceptNew)
        XCTAssertEqual(options.jumpHosts.first?.connectTimeout, .seconds(3))
    }

    func testEqualsSignsQuotesCommentsAndUnknownKeywords() throws {
        let options = try config("""
            # A comment, then keywords ssh knows but deckhand does not use.
            ForwardAgent yes
            SendEnv LANG LC_*
            Host=web
              User = "deploy"   # trailing comment
              Port=2200
              hostname\t10.0.0.9\r
            """).resolve("web")
        XCTAssertEqual(options.user, "deploy")
        XCTAssertEqual(options.port, 2200)
        XCTAssertEqual(options.host, "10.0.0.9")
    }

    // MARK: ProxyJump

    func testProxyJumpResolvesEveryHopThroughTheConfig() throws {
        let config = try config("""
            Host web
                HostName 10.0.0.5
                ProxyJump bastion,ops@inner:2022
            Host bastion
                HostName bastion.example.com
                User hopper
                IdentityFile ~/.ssh/bastion_key
            Host inner
                HostName 10.0.0.1
                ProxyJump ignored-because-not-first
            Host * !bastion
                ProxyJump none
            """)
        let options = try config.resolve("web")
        XCTAssertEqual(options.jumpHosts.map(\.host), ["bastion.example.com", "10.0.0.1"])
        XCTAssertEqual(options.jumpHosts.map(\.user), ["hopper", "ops"])
        XCTAssertEqual(options.jumpHosts.map(\.port), [22, 2022])
        XCTAssertEqual(options.jumpHosts[0].identityFiles, [home.path + "/.ssh/bastion_key"])
        XCTAssertTrue(options.jumpHosts.allSatisfy { $0.jumpHosts.isEmpty }, "the chain is flat, first hop first")
        XCTAssertTrue(try config.resolve("other").jumpHosts.isEmpty, "ProxyJump none")
    }

    func testTheFirstHopsOwnProxyJumpComesFirstInTheChain() throws {
        let options = try config("""
            Host web
                ProxyJump bastion
            Host bastion
                ProxyJump gateway:2222
            """).resolve("web")
        XCTAssertEqual(options.jumpHosts.map(\.host), ["gateway", "bastion"])
        XCTAssertEqual(options.jumpHosts.map(\.port), [2222, 22])
    }

    func testAProxyJumpThatJumpsThroughItselfIsAnErrorNotAHang() throws {
        let config = try config("""
            Host *
                ProxyJump bastion
            """)
        XCTAssertThrowsError(try config.resolve("web")) { error in
            let error = error as? SSHError
            XCTAssertEqual(error?.host, home.path + "/.ssh/config:2")
            XCTAssertTrue(error?.message.contains("web -> bastion -> bastion") == true, "\(String(describing: error))")
            XCTAssertTrue(error?.message.contains("Host * !bastion") == true)
        }
    }

    // MARK: Include

    func testIncludeGlobsRelativeToDotSSHAndAppliesInsideItsBlock() throws {
        try write("""
            User from-a
            Host sneaky
                User leaked
            """, to: ".ssh/conf.d/a.conf")
        try write("Port 2201\n", to: ".ssh/conf.d/b.conf")
        try write("HostName 10.9.9.9\n", to: ".ssh/conf.d/c.txt")
        let config = try config("""
            Host web
                Include conf.d/*.conf
                IdentityFile ~/.ssh/web
            Host *
                ServerAliveInterval 5
            """)
        let web = try config.resolve("web")
        XCTAssertEqual(web.user, "from-a")
        XCTAssertEqual(web.port, 2201)
        XCTAssertEqual(web.host, "web", "c.txt does not match the glob")
        XCTAssertEqual(web.identityFiles, [home.path + "/.ssh/web"], "the Host block goes on after the Include")
        XCTAssertEqual(web.serverAliveInterval, 5)
        let other = try config.resolve("other")
        XCTAssertEqual(other.user, "alice", "an Include inside Host web does not apply to other hosts")
        XCTAssertEqual(try config.resolve("sneaky").user, "alice", "included from an inactive block: never applies")
    }

    func testLoadReadsTheFileGivenWithDashF() throws {
        try write("Host web\n  Port 2022\nInclude ~/.ssh/conf.d/x.conf\n", to: "custom_config")
        try write("Host *\n  User included\n", to: ".ssh/conf.d/x.conf")
        let config = try SSHConfig.load(file: home.path + "/custom_config", environment: environment())
        XCTAssertEqual(try config.resolve("web").port, 2022)
        XCTAssertEqual(try config.resolve("web").user, "included")
    }

    func testLoadWithoutDashFReadsDotSSHConfigOrNothing() throws {
        XCTAssertEqual(try SSHConfig.load(environment: environment()).resolve("web").port, 22)
        try write("Port 2023\n", to: ".ssh/config")
        XCTAssertEqual(try SSHConfig.load(environment: environment()).resolve("web").port, 2023)
    }

    func testAMissingDashFFileIsAnErrorNamingIt() throws {
        XCTAssertThrowsError(try SSHConfig.load(file: home.path + "/nope", environment: environment())) { error in
            let error = error as? SSHError
            XCTAssertEqual(error?.host, home.path + "/nope")
            XCTAssertTrue(error?.message.contains("-F") == true, "\(String(describing: error))")
        }
    }

    func testAnIncludeLoopIsAnErrorNotAHang() throws {
        try write("Include ~/.ssh/conf.d/loop.conf\n", to: ".ssh/conf.d/loop.conf")
        XCTAssertThrowsError(try config("Include conf.d/loop.conf")) { error in
            XCTAssertTrue((error as? SSHError)?.message.contains("nested") == true, "\(error)")
        }
    }

    // MARK: Bad values

    func testBadValuesAreErrorsNamingFileAndLine() throws {
        let cases: [(String, String)] = [
            ("Host web\n  Port ssh", "Port 'ssh'"),
            ("Host web\n  Port 70000", "Port '70000'"),
            ("Host web\n  StrictHostKeyChecking maybe", "StrictHostKeyChecking 'maybe'"),
            ("Host web\n  IdentitiesOnly perhaps", "IdentitiesOnly 'perhaps'"),
            ("Host web\n  ConnectTimeout soon", "ConnectTimeout 'soon'"),
            ("Host web\n  ConnectTimeout 0", "ConnectTimeout must be more than 0"),
            ("Host web\n  ServerAliveInterval 99999999999999999999", "ServerAliveInterval"),
            ("Host web\n  ServerAliveCountMax none", "ServerAliveCountMax 'none'"),
            ("Host web\n  IdentityFile ~/.ssh/%C", "%C"),
            ("Host web\n  ProxyJump a,,b", "ProxyJump"),
            ("Host web\n  User \"deploy", "quote is not closed"),
            ("Host web\n  HostName a b", "takes one value"),
            ("Host web\n  User", "needs a value"),
            ("Host web\nMatch bogus", "Match criterion 'bogus'"),
        ]
        for (text, expected) in cases {
            guard let error = configError(text) else { continue }
            XCTAssertEqual(error.host, home.path + "/.ssh/config:2", text)
            XCTAssertTrue(error.message.contains(expected), "\(text): \(error.message)")
            XCTAssertTrue(error.message.hasSuffix("Fix this line of the ssh config."), error.message)
        }
    }

    func testTimesUseOpenSSHsFormat() throws {
        let location = SSHConfigLocation(file: "f", line: 1)
        XCTAssertEqual(try SSHConfigParser.time("30", keyword: "k", at: location), 30)
        XCTAssertEqual(try SSHConfigParser.time("2h", keyword: "k", at: location), 7200)
        XCTAssertEqual(try SSHConfigParser.time("1w1d1h1m1s", keyword: "k", at: location), 694_861)
        XCTAssertThrowsError(try SSHConfigParser.time("", keyword: "k", at: location))
        XCTAssertThrowsError(try SSHConfigParser.time("5x", keyword: "k", at: location))
    }
}

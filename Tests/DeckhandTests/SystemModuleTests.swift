import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// package, systemd, ini_file, sysctl, locale_gen, timezone, debconf, apt_repository, apt_key, unarchive, ufw and
/// wait_for_connection decide from recorded probe output, without a host.
final class SystemModuleTests: XCTestCase {
    private func written(_ plan: ModulePlan) -> String? {
        for action in plan.actions { if case .put(let write) = action.kind { return String(decoding: write.data, as: UTF8.self) } }
        return nil
    }

    /// FileState's probe answer for a file holding `text` (nil: absent).
    private func file(_ text: String?) -> CommandResult {
        guard let text else { return recordedOutput("kind absent\n@@deckhand-content@@\n") }
        return recordedOutput("kind file\nstat 644 0 0 root root\n\(FileState.contentMarker)\n" + text)
    }

    // MARK: package

    func testPackageIsAptOnDebianAndSaysSoElsewhere() throws {
        let package = try makeModule(PackageModule.self, ["name": ["git", "curl"], "state": "present"])
        let plan = try package.plan(recordedOutput("@@installed\ngit install ok installed 1:2.39\n"), ModuleContext())
        XCTAssertTrue(try XCTUnwrap(commandLines(plan).first).hasSuffix("apt-get install -y -q -o 'Dpkg::Options::=--force-confdef' -o 'Dpkg::Options::=--force-confold' curl"))
        let none = try package.plan(recordedOutput("@@no-apt\n"), ModuleContext(hostName: "web1"))
        XCTAssertTrue(none.result.failed)
        XCTAssertTrue(none.result.msg?.contains("web1 has no apt-get") ?? false, none.result.msg ?? "")
        XCTAssertThrowsError(try makeModule(PackageModule.self, ["name": "git", "state": "present", "use": "dnf"]))
        // ansible-playbook 2.21 installs with `package: {name: git}`: its action hands the task to apt, state present.
        let bare = try makeModule(PackageModule.self, ["name": "git"])
        XCTAssertTrue(try XCTUnwrap(commandLines(try bare.plan(recordedOutput("@@installed\n"), ModuleContext())).first)
            .hasSuffix(" git"), "no state is apt's present")
        XCTAssertEqual(ModuleRegistry.spec(named: "ansible.builtin.package")?.name, "package")
        let refreshed = try makeModule(PackageModule.self, ["name": "git", "state": "latest", "update_cache": true])
        XCTAssertTrue(try XCTUnwrap(commandLines(try refreshed.plan(recordedOutput("@@installed\n@@cache\n0\n9000\n"), ModuleContext())).first).contains("apt-get update -q"),
                      "apt's arguments pass through package, as Ansible hands them to apt")
        for name in ["ansible.builtin.systemd", "ansible.builtin.apt_repository", "ansible.builtin.apt_key", "ansible.builtin.unarchive",
                     "ansible.builtin.debconf", "ansible.builtin.wait_for_connection", "community.general.ini_file", "community.general.ufw",
                     "community.general.locale_gen", "community.general.timezone", "ansible.posix.sysctl",
                     "community.postgresql.postgresql_user", "community.postgresql.postgresql_privs", "community.postgresql.postgresql_query"] {
            XCTAssertNotNil(ModuleRegistry.module(named: name), name)
        }
    }

    // MARK: systemd

    func testSystemdDaemonReloadAloneNeverAsksForAName() throws {
        let reload = try makeModule(SystemdModule.self, ["daemon_reload": true])
        let running = try reload.plan(recordedOutput("manager systemd\nsystemctl yes\n"), ModuleContext())
        XCTAssertEqual(commandLines(running), ["systemctl daemon-reload"])
        XCTAssertFalse(running.result.changed, "daemon-reload reports ok, as Ansible's")
        let offline = try reload.plan(recordedOutput("manager offline\nsystemctl yes\n"), ModuleContext(hostName: "box"))
        XCTAssertTrue(offline.actions.isEmpty)
        XCTAssertFalse(offline.result.failed)
        XCTAssertTrue(offline.result.msg?.contains("systemd is not running on box") ?? false)
        XCTAssertEqual(ModuleRegistry.module(named: "ansible.builtin.systemd_service").map(ObjectIdentifier.init), ObjectIdentifier(SystemdModule.self))
        XCTAssertThrowsError(try makeModule(SystemdModule.self, ["state": "started"])) { error in
            XCTAssertFalse("\(error)".contains("'service'"), "\(error)")
        }
    }

    func testSystemdStatesThroughSystemctlOrTheInitScript() throws {
        let unit = try makeModule(SystemdModule.self, ["name": "nginx", "state": "started", "enabled": true, "daemon_reload": true])
        let stopped = "manager systemd\nsystemctl yes\nshow LoadState loaded\nshow ActiveState inactive\nunitfile disabled\n"
        XCTAssertEqual(commandLines(try unit.plan(recordedOutput(stopped), ModuleContext())),
                       ["{ systemctl daemon-reload && systemctl enable -- nginx; } && systemctl start -- nginx"])
        let fine = try unit.plan(recordedOutput("manager systemd\nsystemctl yes\nshow LoadState loaded\nshow ActiveState active\nunitfile enabled\n"), ModuleContext())
        XCTAssertFalse(fine.result.changed)
        XCTAssertEqual(fine.result["status"], .dict(["ActiveState": .string("active"), "LoadState": .string("loaded")]))
        let offline = try unit.plan(recordedOutput("manager offline\nsystemctl yes\nunitfile disabled\ninitscript yes\n"), ModuleContext())
        XCTAssertEqual(commandLines(offline), ["systemctl enable -- nginx && service nginx start"])
        let noScript = try unit.plan(recordedOutput("manager offline\nsystemctl yes\nunitfile enabled\n"), ModuleContext())
        XCTAssertTrue(noScript.result.failed)
        XCTAssertTrue(noScript.result.msg?.contains("no init script") ?? false, noScript.result.msg ?? "")
        let missing = try unit.plan(recordedOutput("manager systemd\nsystemctl yes\nshow LoadState not-found\nunitfile \n"), ModuleContext())
        XCTAssertEqual(missing.result.msg, "Could not find the requested service nginx: host")
        let restart = try makeModule(SystemdModule.self, ["name": "app.service", "state": "restarted", "no_block": true])
        XCTAssertEqual(commandLines(try restart.plan(recordedOutput("manager offline\nunitfile \ninitscript yes\nrunning yes\n"), ModuleContext())),
                       ["service app restart"])
        let masked = try makeModule(SystemdModule.self, ["name": "apache2", "masked": true])
        XCTAssertEqual(commandLines(try masked.plan(recordedOutput("manager offline\nsystemctl yes\nunitfile disabled\n"), ModuleContext())),
                       ["systemctl mask -- apache2"])
    }

    // MARK: ini_file

    func testIniFileEditsAsCommunityGeneralDoes() throws {
        let text = "; global\n[server]\nport = 80\n;workers = 2\n\n[other]\nx=1\n"
        let workers = try makeModule(IniFileModule.self, ["path": "/etc/app.ini", "section": "server", "option": "workers", "value": "4"])
        let changed = try workers.plan(file(text), ModuleContext())
        XCTAssertEqual(written(changed), "; global\n[server]\nport = 80\nworkers = 4\n\n[other]\nx=1\n")
        XCTAssertEqual(changed.result.msg, "option changed")
        XCTAssertFalse(try workers.plan(file("[server]\nworkers = 4\n"), ModuleContext()).result.changed)
        let added = try makeModule(IniFileModule.self, ["path": "/etc/app.ini", "section": "new", "option": "a", "value": "b", "no_extra_spaces": true])
        XCTAssertEqual(written(try added.plan(file(text), ModuleContext())), text + "[new]\na=b\n")
        let port = try makeModule(IniFileModule.self, ["path": "/etc/app.ini", "section": "server", "option": "host", "value": "::1"])
        XCTAssertEqual(written(try port.plan(file(text), ModuleContext())), "; global\n[server]\nport = 80\nhost = ::1\n;workers = 2\n\n[other]\nx=1\n")
        let gone = try makeModule(IniFileModule.self, ["path": "/etc/app.ini", "section": "other", "state": "absent"])
        XCTAssertEqual(written(try gone.plan(file(text), ModuleContext())), "; global\n[server]\nport = 80\n;workers = 2\n\n")
        let global = try makeModule(IniFileModule.self, ["path": "/etc/app.ini", "option": "debug", "value": "true"])
        XCTAssertEqual(written(try global.plan(file("[s]\na = 1\n"), ModuleContext())), "debug = true\n[s]\na = 1\n")
        let created = try workers.plan(file(nil), ModuleContext(diffMode: true))
        XCTAssertEqual(written(created), "\n[server]\nworkers = 4\n")
        XCTAssertEqual(created.result.diffs.first?.after, "\n[server]\nworkers = 4\n")
        let noCreate = try makeModule(IniFileModule.self, ["path": "/x.ini", "section": "s", "option": "o", "value": "v", "create": false])
        XCTAssertEqual(try noCreate.plan(file(nil), ModuleContext()).result.msg, "Destination /x.ini does not exist!")
        XCTAssertThrowsError(try makeModule(IniFileModule.self, ["path": "/x.ini", "section": "s", "option": "o"]))
    }

    // MARK: sysctl

    func testSysctlRewritesTheFileAndReloads() throws {
        let swappiness = try makeModule(SysctlModule.self, ["name": "vm.swappiness", "value": "10", "sysctl_file": "/etc/sysctl.d/90-app.conf"])
        let plan = try swappiness.plan(recordedOutput("@@proc\n60\n@@file\n# tuned\nvm.swappiness = 60\nnet.core.somaxconn=1024\nvm.swappiness=5\n"), ModuleContext())
        XCTAssertEqual(written(plan), "# tuned\nvm.swappiness=10\nnet.core.somaxconn=1024\n")
        XCTAssertEqual(commandLines(plan), ["sysctl -p /etc/sysctl.d/90-app.conf"])
        XCTAssertFalse(try swappiness.plan(recordedOutput("@@proc\n10\n@@file\nvm.swappiness=10\n"), ModuleContext()).result.changed)
        let stale = try swappiness.plan(recordedOutput("@@proc\n60\n@@file\nvm.swappiness=10\n"), ModuleContext())
        XCTAssertTrue(stale.result.changed, "the file is right but the running value is not: reload")
        XCTAssertNil(written(stale))
        let set = try makeModule(SysctlModule.self, ["name": "net.ipv4.ip_local_port_range", "value": "1024 65000", "sysctl_set": true, "reload": false])
        XCTAssertEqual(commandLines(try set.plan(recordedOutput("@@proc\n1024\t65000\n@@file\n"), ModuleContext())), [], "whitespace-equal running value")
        XCTAssertEqual(commandLines(try set.plan(recordedOutput("@@proc\n32768\t60999\n@@file\n"), ModuleContext())), ["sysctl -w 'net.ipv4.ip_local_port_range=1024 65000'"])
        let absent = try makeModule(SysctlModule.self, ["name": "vm.swappiness", "state": "absent", "reload": false])
        XCTAssertEqual(written(try absent.plan(recordedOutput("@@proc\n60\n@@file\na.b=1\nvm.swappiness=10\n"), ModuleContext())), "a.b=1\n")
        XCTAssertEqual(try makeModule(SysctlModule.self, ["name": "net.ipv4.ip_forward", "value": "yes"]).value, "1")
        XCTAssertThrowsError(try makeModule(SysctlModule.self, ["name": "vm.x", "value": ""]))
        XCTAssertThrowsError(try makeModule(SysctlModule.self, ["name": "vm.x", "value": "1\nkernel.panic=1"]), "a line break would set another key")
        XCTAssertThrowsError(try makeModule(IniFileModule.self, ["path": "/x.ini", "section": "s]\n[t", "option": "o", "value": "v"]))
        XCTAssertThrowsError(try makeModule(IniFileModule.self, ["path": "/x.ini", "section": "s", "option": "o", "value": "v\nadmin = yes"]))
        XCTAssertThrowsError(try makeModule(IniFileModule.self, ["path": "/x.ini", "section": "s", "option": "o", "values": ["v", "w\n[admin]"]]))
    }

    // MARK: locale_gen, timezone, debconf

    func testLocaleGenUncommentsAndCompiles() throws {
        let locale = try makeModule(LocaleGenModule.self, ["name": "de_CH.UTF-8"])
        let gen = "# Locales\n# de_CH.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n"
        let plan = try locale.plan(recordedOutput("@@installed\nC\nC.utf8\nPOSIX\n@@debian\n" + gen), ModuleContext())
        XCTAssertEqual(written(plan), "# Locales\nde_CH.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n")
        XCTAssertEqual(commandLines(plan), ["locale-gen"])
        XCTAssertFalse(try locale.plan(recordedOutput("@@installed\nde_CH.utf8\n@@debian\n" + gen), ModuleContext()).result.changed)
        let unknown = try makeModule(LocaleGenModule.self, ["name": "xx_YY.UTF-8"]).plan(recordedOutput("@@installed\nC\n@@debian\n" + gen), ModuleContext())
        XCTAssertEqual(unknown.result.msg, "The following locales you've entered are not available on your system: xx_YY.UTF-8")
        let removed = try makeModule(LocaleGenModule.self, ["name": "de_CH.UTF-8", "state": "absent"])
        XCTAssertEqual(written(try removed.plan(recordedOutput("@@installed\nde_CH.utf8\n@@debian\nde_CH.UTF-8 UTF-8\n"), ModuleContext())), "# de_CH.UTF-8 UTF-8\n")
    }

    func testTimezoneLinksLocaltimeWithoutSystemd() throws {
        let zone = try makeModule(TimezoneModule.self, ["name": "Europe/Amsterdam"])
        let plan = try zone.plan(recordedOutput("manager none\nzone Etc/UTC\ndpkg yes\nknown yes\n"), ModuleContext(diffMode: true))
        XCTAssertEqual(commandLines(plan).first?.hasSuffix("ln -sf /usr/share/zoneinfo/Europe/Amsterdam /etc/localtime && dpkg-reconfigure --frontend noninteractive tzdata"), true)
        XCTAssertEqual(plan.result.diffs.first?.before, "name: Etc/UTC\n")
        XCTAssertFalse(try zone.plan(recordedOutput("manager none\nzone Europe/Amsterdam\nlocaltime same\ndpkg yes\nknown yes\n"), ModuleContext()).result.changed)
        XCTAssertTrue(try zone.plan(recordedOutput("manager none\nzone Europe/Amsterdam\ndpkg yes\nknown yes\n"), ModuleContext()).result.changed,
                      "/etc/localtime holds another zone")
        XCTAssertEqual(commandLines(try zone.plan(recordedOutput("manager systemd\nzone UTC\nrtc no\nknown yes\n"), ModuleContext())),
                       ["timedatectl set-timezone Europe/Amsterdam"])
        XCTAssertTrue(try zone.plan(recordedOutput("manager none\nzone UTC\n"), ModuleContext()).result.failed, "unknown zone")
        XCTAssertThrowsError(try makeModule(TimezoneModule.self, ["name": "../../etc/passwd"]))
    }

    func testDebconfComparesAndPreseedsOnStdin() throws {
        let areas = try makeModule(DebconfModule.self, ["name": "tzdata", "question": "tzdata/Areas", "vtype": "select", "value": "Europe"])
        XCTAssertFalse(try areas.plan(recordedOutput("* tzdata/Areas: Europe\n  tzdata/Zones/Etc: UTC\n"), ModuleContext()).result.changed)
        let plan = try areas.plan(recordedOutput("* tzdata/Areas: Etc\n"), ModuleContext(diffMode: true))
        XCTAssertEqual(commandLines(plan), ["debconf-set-selections"])
        if case .run(_, let stdin)? = plan.actions.first?.kind { XCTAssertEqual(stdin.map { String(decoding: $0, as: UTF8.self) }, "tzdata tzdata/Areas select Europe\n") }
        XCTAssertEqual(plan.result["previous"], .dict(["tzdata/Areas": .string("Etc")]))
        let flag = try makeModule(DebconfModule.self, ["name": "p", "question": "p/q", "vtype": "boolean", "value": true])
        XCTAssertFalse(try flag.plan(recordedOutput("  p/q: true\n"), ModuleContext()).result.changed)
        let secret = try makeModule(DebconfModule.self, ["name": "p", "question": "p/pw", "vtype": "password", "value": "s3cret"])
        XCTAssertFalse(try secret.plan(recordedOutput("  p/pw:\n@@password\n0 s3cret\n"), ModuleContext()).result.changed)
        let newSecret = try secret.plan(recordedOutput("  p/pw:\n@@password\n0 other\n"), ModuleContext(diffMode: true))
        XCTAssertTrue(newSecret.result.changed)
        XCTAssertEqual(newSecret.result["current"], .dict(["p/pw": .string("********")]), "a password is never shown")
        XCTAssertFalse(newSecret.result.diffs.first?.after.contains("s3cret") ?? true)
        XCTAssertThrowsError(try makeModule(DebconfModule.self, ["name": "p", "question": "p/q", "vtype": "string", "value": "a\np p/x string b"]))
        XCTAssertThrowsError(try makeModule(DebconfModule.self, ["name": "p", "question": "p/q"]))
    }
}

import Foundation
import XCTest
@testable import Deckhand

/// The deploy's names and records as the host keeps them: release folders, the lock's info, history lines.
final class DeployRecordsTests: XCTestCase {
    func testAReleaseIsNamedAfterItsUTCTimeAndRef() {
        let time = Date(timeIntervalSince1970: 1_795_335_300.7)  // 2026-11-22T08:15:00Z and a bit
        let name = ReleaseName(time: time, ref: "feature/new login")
        XCTAssertEqual(name.description, "20261122T081500Z-feature_new_login")
        XCTAssertEqual(ReleaseName(parsing: name.description), name, "a name reads back as itself")
        XCTAssertEqual(ReleaseName(time: time, ref: "v2.1.0-rc_1").description, "20261122T081500Z-v2.1.0-rc_1",
                       "dots, dashes and underscores stay")
    }

    func testReleaseNamesSortByTime() {
        let older = ReleaseName(time: Date(timeIntervalSince1970: 1_700_000_000), ref: "zzz")
        let newer = ReleaseName(time: Date(timeIntervalSince1970: 1_800_000_000), ref: "aaa")
        XCTAssertLessThan(older.description, newer.description, "ls | sort picks the newest last")
    }

    func testFoldersThatAreNoReleaseAreNotReadAsOne() {
        XCTAssertNil(ReleaseName(parsing: "20261122T081500Z-v2.partial"), "a checkout deploy.yml did not finish")
        XCTAssertNil(ReleaseName(parsing: "20261122T081500Z-"))
        XCTAssertNil(ReleaseName(parsing: "20261322T081500Z-v2"), "month 13")
        XCTAssertNil(ReleaseName(parsing: "current"))
        XCTAssertNil(ReleaseName(parsing: "20261122T081500Z-a/b"))
        XCTAssertEqual(ReleaseName(parsing: "20260101T000000Z-initial")?.ref, "initial")
    }

    func testTheLockNamesItsHolderAndAge() {
        let info = DeployLockInfo(parsing: """
            user=alice
            host=laptop
            pid=4242
            started=2026-11-22T08:15:00Z
            action=deploy
            ref=v2
            message=hotfix for the login page

            """)
        XCTAssertEqual(info.user, "alice")
        XCTAssertEqual(info.pid, 4242)
        let now = Date(timeIntervalSince1970: 1_795_335_300 + 192)  // 3m 12s later
        XCTAssertEqual(info.holder(now: now),
                       "alice@laptop (pid 4242) since 2026-11-22T08:15:00Z (3m 12s ago), deploy of 'v2': hotfix for the login page")
    }

    func testALockWithoutInfoIsStillReported() {
        // A run that died between mkdir and writing info leaves an empty file.
        let info = DeployLockInfo(parsing: "")
        XCTAssertEqual(info.holder(now: Date()), "?@? since an unknown time, deploy of ''")
    }

    func testALockLeftByADeadProcessOnThisMachineIsToldApart() {
        let info = DeployLockInfo(parsing: "user=bob\nhost=ops1\npid=99999\nstarted=2026-11-22T08:00:00Z\n")
        XCTAssertEqual(info.holderIsGone(onMachine: "ops1") { _ in false }, true)
        XCTAssertEqual(info.holderIsGone(onMachine: "ops1") { $0 == 99999 }, false)
        XCTAssertNil(info.holderIsGone(onMachine: "ops2") { _ in false }, "another machine's processes are not visible from here")
    }

    func testAgesReadLikeAClock() {
        XCTAssertEqual(DeployLockInfo.age(45), "45s")
        XCTAssertEqual(DeployLockInfo.age(192), "3m 12s")
        XCTAssertEqual(DeployLockInfo.age(2 * 3600 + 5 * 60 + 9), "2h 5m")
        XCTAssertEqual(DeployLockInfo.age(3 * 86400 + 4 * 3600), "3d 4h")
        XCTAssertEqual(DeployLockInfo.age(-5), "0s", "a clock skewed ahead says 0s, not a negative age")
    }

    func testAHistoryLineReadsBackAndLinesBecomeATable() {
        let line = DeployHistoryLine(time: "2026-11-22T08:15:00Z", action: "deploy", ref: "v2",
                                     commit: "31732d488209637afa3d0983c7cc17c195ae6f6b", release: "20261122T081500Z-v2",
                                     result: "ok", user: "alice@laptop", message: "a\tb\nc")
        XCTAssertEqual(line.recorded.split(separator: "\t").count, 8)
        let read = DeployHistoryLine(parsing: line.recorded)
        XCTAssertEqual(read?.message, "a b c", "tabs and newlines inside a field become spaces")
        XCTAssertEqual(read?.commit, line.commit)
        // What deploy_record.yml writes for a deploy without a message: an empty last field.
        let written = DeployHistoryLine(parsing: "2026-11-22T08:20:00Z\trollback\tv1\te3f6eae0\t20260101T000000Z-v1\tok\tbob@ops1\t")
        XCTAssertEqual(written?.action, "rollback")
        XCTAssertEqual(written?.message, "")
        XCTAssertNil(DeployHistoryLine(parsing: ""))
        XCTAssertNil(DeployHistoryLine(parsing: "not\ta\tline"))

        let table = DeployHistoryLine.table([line, written!]).split(separator: "\n").map(String.init)
        XCTAssertEqual(table.count, 3)
        XCTAssertTrue(table[0].hasPrefix("TIME (UTC)            ACTION    REF  COMMIT   RELEASE"), table[0])
        XCTAssertTrue(table[1].contains("31732d4  20261122T081500Z-v2"), "commits are shortened: \(table[1])")
        XCTAssertTrue(table[2].hasPrefix("2026-11-22T08:20:00Z  rollback  v1   e3f6eae"), table[2])
    }
}

/// Ctrl-C during a run: the task running finishes, then the hosts fail so rescue and always still run.
final class RunInterruptionTests: XCTestCase {
    func testAnInterruptedRunStillRunsRescueAndAlways() async throws {
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - block:
                    - name: take the lock
                      file: { path: "@DIR@/lock", state: directory }
                    - name: the long step (Ctrl-C comes while it runs)
                      shell: touch @DIR@/long-step-started && sleep 0.5 && touch @DIR@/long-step-finished
                    - name: the switch
                      copy: { content: new, dest: "@DIR@/switched" }
                  rescue:
                    - name: roll back
                      copy: { content: "{{ ansible_failed_result.msg }}", dest: "@DIR@/rolled-back" }
                  always:
                    - name: release the lock
                      file: { path: "@DIR@/lock", state: absent }
            """,
        ])
        defer { book.remove() }
        let interruption = RunInterruption()
        let watcher = Task {
            while !book.exists("long-step-started") { try await Task.sleep(nanoseconds: 10_000_000) }
            interruption.request("interrupted by Ctrl-C")
        }
        let (summary, _) = try await book.run { $0.interruption = interruption }
        _ = try await watcher.value
        XCTAssertTrue(book.exists("long-step-finished"), "the running task is not cut off half-way")
        XCTAssertFalse(book.exists("switched"), "nothing after the interruption runs")
        XCTAssertEqual(book.read("rolled-back"), "interrupted by Ctrl-C")
        XCTAssertFalse(book.exists("lock"), "always: released the lock")
        XCTAssertTrue(interruption.wasRequested)
        XCTAssertEqual(summary.exitCode, 0, "the rescue handled it, as Ansible counts a rescued failure")
    }

    func testARequestBetweenTheLockAndTheBlockStillReleasesTheLock() async throws {
        // Ctrl-C while the lock is being taken: the block after it is entered, so its always: runs.
        let book = try LocalPlaybook(files: [
            "site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: take the lock
                  shell: mkdir @DIR@/lock && touch @DIR@/taking && sleep 0.5
                - block:
                    - name: deploy
                      copy: { content: new, dest: "@DIR@/deployed" }
                  always:
                    - name: release the lock
                      file: { path: "@DIR@/lock", state: absent }
            """,
        ])
        defer { book.remove() }
        let interruption = RunInterruption()
        let watcher = Task {
            while !book.exists("taking") { try await Task.sleep(nanoseconds: 10_000_000) }
            interruption.request("interrupted by Ctrl-C")
        }
        let (summary, _) = try await book.run { $0.interruption = interruption }
        _ = try await watcher.value
        XCTAssertFalse(book.exists("deployed"))
        XCTAssertFalse(book.exists("lock"), "the lock taken just before the interruption is released")
        XCTAssertEqual(summary.exitCode, 2, "nothing rescued it: the run failed")
    }

    func testOnlyTheFirstRequestCounts() {
        let interruption = RunInterruption()
        XCTAssertNil(interruption.take())
        interruption.request("first")
        interruption.request("second")
        XCTAssertEqual(interruption.take(), "first")
        interruption.request("third")
        XCTAssertNil(interruption.take(), "after one delivery the run goes on: rescue/always are not interrupted again")
    }
}

import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// `async:`/`poll:` and async_status, without a host: the keywords as loaded, the job's results file as
/// async_status reads it, and a job started on this machine (its HOME a scratch folder).
final class AsyncJobTests: XCTestCase {
    func testAsyncAndPollLoadAsTaskKeywords() throws {
        let book = try LocalPlaybook(files: ["site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - shell: sleep 3
                  async: 20
                  poll: 0
                - command: "true"
                  async: "{{ seconds }}"
            """])
        defer { book.remove() }
        let play = try PlaybookLoader().loadPlaybook(at: book.path("site.yml")).plays[0]
        guard case .task(let fire) = play.tasks[0], case .task(let templated) = play.tasks[1] else { return XCTFail() }
        XCTAssertEqual(fire.asyncSeconds, .int(20))
        XCTAssertEqual(fire.pollSeconds, .int(0))
        XCTAssertEqual(templated.asyncSeconds, .string("{{ seconds }}"))
        XCTAssertNil(templated.pollSeconds, "Ansible's default poll (15 s) applies")
    }

    func testAsyncStatusReportsARunningJobAFinishedOneAndAMissingOne() throws {
        let status = try makeModule(AsyncStatusModule.self, ["jid": "j1.2"])
        let running = try status.plan(recordedOutput("/home/u/.ansible_async/j1.2\n{\"started\": 1, \"finished\": 0, \"ansible_job_id\": \"j1.2\"}\n"),
                                      ModuleContext()).result
        XCTAssertEqual(running["started"], .bool(true))
        XCTAssertEqual(running["finished"], .bool(false))
        XCTAssertEqual(running["results_file"], .string("/home/u/.ansible_async/j1.2"))
        XCTAssertFalse(running.failed)

        let out = Data("one\ntwo\n".utf8).base64EncodedString()
        let record = "{\"changed\": true, \"failed\": false, \"cmd\": \"echo x\", \"rc\": 3, \"start_epoch\": \"10.25\", "
            + "\"end_epoch\": \"12.5\", \"stdout_base64\": \"\(out)\", \"stderr_base64\": \"\"}"
        let finished = try status.plan(recordedOutput("/home/u/.ansible_async/j1.2\n" + record + "\n"), ModuleContext()).result
        XCTAssertEqual(finished["finished"], .bool(true))
        XCTAssertEqual(finished["stdout"], .string("one\ntwo"))
        XCTAssertEqual(finished["stdout_lines"], .list([.string("one"), .string("two")]))
        XCTAssertEqual(finished["rc"], .int(3))
        XCTAssertEqual(finished["cmd"], .string("echo x"))
        XCTAssertEqual(finished["delta"], .string("2.250s"))
        XCTAssertTrue(finished.failed, "a non-zero exit fails the job's result as it fails command")
        XCTAssertEqual(finished.msg, "non-zero return code")
        XCTAssertNil(finished["stdout_base64"])

        let timedOut = try status.plan(recordedOutput("/h/j1.2\n{\"failed\": true, \"msg\": \"Timeout exceeded\"}\n"), ModuleContext()).result
        XCTAssertEqual(timedOut.msg, "Timeout exceeded")
        XCTAssertEqual(timedOut["finished"], .bool(true))

        let missing = try status.plan(recordedOutput("/h/j1.2\n", status: 3), ModuleContext()).result
        XCTAssertEqual(missing.msg, "could not find job")
        XCTAssertTrue(missing.failed)

        let cleanup = try makeModule(AsyncStatusModule.self, ["jid": "j1.2", "mode": "cleanup"])
            .plan(recordedOutput("/h/j1.2\n{}\n"), ModuleContext())
        XCTAssertEqual(cleanup.result["erased"], .string("/h/j1.2"))
        XCTAssertEqual(commandLines(cleanup), ["rm -f -- /h/j1.2"])
        XCTAssertThrowsError(try makeModule(AsyncStatusModule.self, ["jid": "../../etc/passwd"]), "a job id names no other file")
    }

    /// The job (hostile words, stdin and all) writes its result where async_status reads it, and leaves no
    /// other file. (That the launch returns before the job ends is the loopback test's: a local command's
    /// Foundation process waits for the background children it leaves.)
    func testAJobStartedHereOutlivesItsCommandAndLeavesItsResult() async throws {
        let home = NSTemporaryDirectory() + "deckhand-async-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let id = AsyncJob.newID()
        let command = ShellCommand("sh", "-c", "sleep 1; printf '%s\\n' \"$1\"; cat; exit 4", "x", "$(touch pwned) 'q'")
        var planned = ModuleResult(changed: true)
        planned["cmd"] = .string("a \"quoted\" cmd")
        let launch = AsyncJob.launch(id: id, seconds: 30, command: command, result: planned, stripsEmptyEnds: true,
                                     stdin: Data("from stdin\n".utf8), directory: "~/jobs dir").withEnvironment(["HOME": home])
        let answer = try await LocalConnection().run(launch, stdin: Data("from stdin\n".utf8))
        XCTAssertEqual(answer.exitStatus, 0, answer.stderrText)
        XCTAssertEqual(answer.stdoutText, "\(home)/jobs dir/\(id)\n", "ansible_async_dir's ~ is the host user's home")

        let probe = AsyncJob.statusProbe(id: id, directory: "~/jobs dir").withEnvironment(["HOME": home])
        var finished: ModuleResult?
        for _ in 0..<50 where finished == nil {
            try await _Concurrency.Task.sleep(nanoseconds: 100_000_000)
            if case .finished(_, let result) = AsyncJob.status(from: try await LocalConnection().run(probe)) { finished = result }
        }
        let result = try XCTUnwrap(finished, "the job finished within 5 s")
        XCTAssertEqual(result["stdout"], .string("$(touch pwned) 'q'\nfrom stdin"))
        XCTAssertEqual(result["rc"], .int(4))
        XCTAssertEqual(result["cmd"], .string("a \"quoted\" cmd"))
        XCTAssertTrue(result.changed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/pwned"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "pwned"))
        guard case .string(let start)? = result["start"], case .string(let end)? = result["end"] else {
            return XCTFail("start and end as Ansible's command reports them")
        }
        XCTAssertEqual(start.count, "2026-12-03 12:00:00.000000".count)
        XCTAssertLessThanOrEqual(start, end)
        let left = try FileManager.default.contentsOfDirectory(atPath: home + "/jobs dir")
        XCTAssertEqual(left, [id], "only the results file stays (no output or stdin files)")
        let folder = try FileManager.default.attributesOfItem(atPath: home + "/jobs dir")
        let file = try FileManager.default.attributesOfItem(atPath: home + "/jobs dir/" + id)
        XCTAssertEqual((folder[.posixPermissions] as? Int).map { String($0, radix: 8) }, "700", "the output may hold secrets")
        XCTAssertEqual((file[.posixPermissions] as? Int).map { String($0, radix: 8) }, "600")
    }

    func testModulesThatCannotRunInTheBackgroundSayWhyWhenTheyRun() async throws {
        XCTAssertTrue(CommandModule.spec.runsInBackground)
        XCTAssertTrue(ShellModule.spec.runsInBackground)
        let book = try LocalPlaybook(files: ["site.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - name: stat in the background
                  stat: { path: / }
                  async: 5
                  ignore_errors: true
                - name: script in the background
                  script: nowhere.sh
                  async: 5
                  ignore_errors: true
                - name: async 0 is the foreground
                  command: echo here
                  async: 0
                  register: here
            """])
        defer { book.remove() }
        let (summary, reporter) = try await book.run()
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)
        let stat = reporter.results(ofTask: "stat in the background").first?.result["msg"]?.displayText ?? ""
        XCTAssertTrue(stat.hasPrefix("This action (stat) does not support async. deckhand runs 'stat' as a probe"), stat)
        XCTAssertEqual(reporter.results(ofTask: "script in the background").first?.result["msg"],
                       .string("This action (script) does not support async."), "Ansible's script action refuses it too")
        XCTAssertEqual(reporter.results(ofTask: "async 0 is the foreground").first?.result["stdout"], .string("here"))
    }
}

/// async and poll over SSH against the loopback host: a job that outlives the task's SSH command, found by
/// async_status until finished; a polled job; a job that runs past its async seconds.
final class AsyncTaskLoopbackTests: XCTestCase {
    private var base = ""

    override func setUpWithError() throws {
        try LoopbackHost.requireUp()
        base = "/tmp/deckhand-async-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: base)
    }

    func testAFireAndForgetJobIsFoundByAsyncStatusAndAPolledOneEndsOrTimesOut() async throws {
        let playbook = base + "/site.yml"
        try """
            - hosts: testhost
              gather_facts: false
              tasks:
                - name: fire and forget
                  shell: sleep 2; echo done > \(base)/late; echo out
                  async: 30
                  poll: 0
                  register: job
                - name: right after
                  stat: { path: \(base)/late }
                  register: early
                - name: wait for it
                  async_status: { jid: "{{ job.ansible_job_id }}" }
                  register: status
                  until: status.finished
                  retries: 20
                  delay: 1
                - name: cleanup
                  async_status: { jid: "{{ job.ansible_job_id }}", mode: cleanup }
                - name: polled
                  command: echo polled
                  async: 10
                  poll: 1
                  register: polled
                - name: too slow
                  shell: sleep 20; touch \(base)/never
                  async: 2
                  poll: 1
                  register: slow
                  ignore_errors: true
                - name: in its own folder
                  command: echo moo
                  async: 5
                  poll: 0
                  register: custom
                  vars: { ansible_async_dir: "\(base)/jobs" }
                - name: looked for in the default folder
                  async_status: { jid: "{{ custom.ansible_job_id }}" }
                  register: lost
                  ignore_errors: true
                - name: looked for in its folder
                  async_status: { jid: "{{ custom.ansible_job_id }}" }
                  vars: { ansible_async_dir: "\(base)/jobs" }
                  register: found
                  until: found is finished
                  retries: 10
                  delay: 1
                - name: not in the background
                  copy: { content: x, dest: \(base)/copied }
                  async: 5
                  register: refused
                  ignore_errors: true
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        let (summary, reporter) = try await LoopbackHost.run(playbook)
        func result(_ task: String) throws -> OrderedDictionary<String, Value> {
            try XCTUnwrap(reporter.results(ofTask: task).first, task).result
        }
        XCTAssertEqual(summary.exitCode, 0, reporter.failureReport)

        let job = try result("fire and forget")
        XCTAssertEqual(job["started"], .bool(true))
        XCTAssertEqual(job["finished"], .bool(false))
        XCTAssertEqual(job["changed"], .bool(true))
        guard case .dict(let early)? = try result("right after")["stat"] else { return XCTFail() }
        XCTAssertEqual(early["exists"], .bool(false), "the task returned before the job's work was done")
        let status = try result("wait for it")
        XCTAssertEqual(status["finished"], .bool(true))
        XCTAssertEqual(status["stdout"], .string("out"))
        XCTAssertEqual(status["ansible_job_id"], job["ansible_job_id"])
        XCTAssertEqual(try String(contentsOfFile: base + "/late", encoding: .utf8), "done\n",
                       "the job ran on after its SSH command closed")
        guard case .string(let resultsFile)? = job["results_file"] else { return XCTFail() }
        XCTAssertFalse(FileManager.default.fileExists(atPath: resultsFile), "cleanup erased the results file")

        let polled = try result("polled")
        XCTAssertEqual(polled["stdout"], .string("polled"))
        XCTAssertEqual(polled["finished"], .bool(true))

        let slow = reporter.results(ofTask: "too slow").first
        XCTAssertEqual(slow?.status, .failed)
        let message = slow?.result["msg"]?.displayText ?? ""
        XCTAssertTrue(["async task did not complete within the requested time - 2s", "Timeout exceeded"].contains(message), message)
        try await _Concurrency.Task.sleep(nanoseconds: 1_500_000_000)
        XCTAssertEqual(LoopbackHost.shell("pgrep -f '[s]leep 20; touch \(base)/never' | wc -l"), "0", "the job was killed")

        let custom = try result("in its own folder")
        XCTAssertEqual(custom["results_file"], .string(base + "/jobs/" + (custom["ansible_job_id"]?.displayText ?? "")))
        XCTAssertEqual(try result("looked for in the default folder")["msg"], .string("could not find job"))
        XCTAssertEqual(try result("looked for in its folder")["stdout"], .string("moo"))

        XCTAssertEqual(reporter.results(ofTask: "not in the background").first?.result["msg"],
                       .string("This action (copy) does not support async."))
        XCTAssertFalse(FileManager.default.fileExists(atPath: base + "/copied"))
    }
}

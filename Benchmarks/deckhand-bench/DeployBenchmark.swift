import Foundation

/// Section `deploy` (issue 7): on the provisioned loopback web host, `deckhand maintenance on/off` and a
/// no-change redeploy of the same ref, beside `ansible-playbook` running the same built-in playbooks with the
/// same variables in the same run. Medians; every timed run is checked through nginx, so a fast failure
/// cannot pass for a fast success.
///
/// "Maintenance on" is timed from the command's start to its exit, and both tools exit only after their own
/// request through nginx has seen the 503: an upper bound of "command start to 503 served".
enum DeployBenchmark {
    static let rounds = environmentInt("DECKHAND_BENCH_DEPLOY_ROUNDS") ?? 5
    static let peerRounds = environmentInt("DECKHAND_BENCH_DEPLOY_PEER_ROUNDS") ?? 3
    static let maintenanceOnTarget = 0.3
    static let redeployTarget = 10.0

    static func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-bench-deploy-\(getpid())").path
        let host = try BenchWebHost.require(work: work)
        var keepLogs = false
        defer { if !keepLogs { try? FileManager.default.removeItem(atPath: work) } }
        let peer = host.hasAnsible ? host.ansibleVersion : "no ansible-playbook in Benchmarks/.venv (Benchmarks/run installs it)"
        print("deploy: \(host.domain) on the loopback web host (\(host.state)); peer: \(peer)")
        do {
            try maintenance(host)
            try redeploy(host)
        } catch {
            keepLogs = true
            // Whatever failed, the site serves again.
            if host.siteStatus() == 503 { _ = try? host.deckhand(["maintenance", "off", "bench"], label: "cleanup maintenance off") }
            throw error
        }
    }

    /// (a) maintenance on, and the on + off round trip.
    static func maintenance(_ host: BenchWebHost) throws {
        if host.siteStatus() == 503 { try host.deckhand(["maintenance", "off", "bench"], label: "deckhand maintenance off (before)") }
        try host.expectSite(200, after: "turning maintenance off before measuring")
        var deckhand = (on: [Double](), trip: [Double]())
        for round in 1...rounds {
            let on = try host.deckhand(["maintenance", "on", "bench"], label: "deckhand maintenance on \(round)")
            try host.expectSite(503, after: "deckhand maintenance on")
            let off = try host.deckhand(["maintenance", "off", "bench"], label: "deckhand maintenance off \(round)")
            try host.expectSite(200, after: "deckhand maintenance off")
            deckhand.on.append(on)
            deckhand.trip.append(on + off)
        }
        var ansible = (on: [Double](), trip: [Double]())
        if host.hasAnsible {
            for round in 1...peerRounds {
                let on = try host.ansible("maintenance.yml", ["maintenance_state": "on"], label: "ansible maintenance on \(round)")
                try host.expectSite(503, after: "ansible-playbook maintenance.yml -e maintenance_state=on")
                let off = try host.ansible("maintenance.yml", ["maintenance_state": "off"], label: "ansible maintenance off \(round)")
                try host.expectSite(200, after: "ansible-playbook maintenance.yml -e maintenance_state=off")
                ansible.on.append(on)
                ansible.trip.append(on + off)
            }
        }
        let onVerdict = median(deckhand.on) < maintenanceOnTarget ? "met" : "NOT met"
        report("maintenance on (start to 503 served)", deckhand.on, ansible.on,
               note: "target: deckhand under \(maintenanceOnTarget) s: \(onVerdict)")
        report("maintenance on + off round trip", deckhand.trip, ansible.trip, note: nil)
    }

    /// (b) a redeploy of the ref already deployed: one untimed deploy puts everything in place first.
    static func redeploy(_ host: BenchWebHost) throws {
        guard FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/playbooks/deploy.yml") else {
            print("  no-change redeploy: playbooks/deploy.yml is not written yet (issue 7); skipped")
            return
        }
        let ref = ProcessInfo.processInfo.environment["DECKHAND_BENCH_DEPLOY_REF"] ?? host.vars["app_repo_ref"] ?? "main"
        try host.deckhand(["deploy", "bench", "--ref", ref], label: "deckhand deploy \(ref) (puts it in place)")
        try host.expectSite(200, after: "deckhand deploy --ref \(ref)")
        var deckhand: [Double] = []
        for round in 1...rounds {
            deckhand.append(try host.deckhand(["deploy", "bench", "--ref", ref], label: "deckhand redeploy \(round)"))
            try host.expectSite(200, after: "deckhand deploy --ref \(ref)")
        }
        var ansible: [Double] = []
        if host.hasAnsible {
            for round in 1...peerRounds {
                ansible.append(try host.ansible("deploy.yml", ["deploy_ref": ref], label: "ansible redeploy \(round)"))
                try host.expectSite(200, after: "ansible-playbook deploy.yml -e deploy_ref=\(ref)")
            }
        }
        let ratio = ansible.isEmpty ? 0 : median(ansible) / median(deckhand)
        report("no-change redeploy of \(ref)", deckhand, ansible,
               note: ansible.isEmpty ? nil : "target: at least \(Int(redeployTarget))x faster: \(ratio >= redeployTarget ? "met" : "NOT met")")
    }

    /// One line per measure: both medians (with the run counts), the ratio, and the target's verdict.
    static func report(_ title: String, _ deckhand: [Double], _ ansible: [Double], note: String?) {
        var line = "  " + title.padding(toLength: 38, withPad: " ", startingAt: 0)
            + " deckhand " + seconds(median(deckhand)) + " (median of \(deckhand.count))"
        if !ansible.isEmpty {
            line += "   ansible-playbook " + seconds(median(ansible)) + " (median of \(ansible.count))"
            let ratio = median(ansible) / median(deckhand)
            line += ratio >= 1 ? String(format: "   deckhand is %.1fx faster", ratio) : String(format: "   deckhand is %.1fx slower", 1 / ratio)
        }
        if let note { line += "   (\(note))" }
        print(line)
    }

    static func seconds(_ value: Double) -> String { String(format: "%7.3fs", value) }

    static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func environmentInt(_ name: String) -> Int? {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }
}

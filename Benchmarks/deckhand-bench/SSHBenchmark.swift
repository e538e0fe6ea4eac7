import Deckhand
import Foundation
import SSH

/// Section `ssh`: deckhand's SSH layer against OpenSSH on the loopback test host, both measured in this run.
///
/// - Reused connection: N `true` commands on one deckhand session vs N `ssh` invocations through a
///   ControlMaster (started first, so every timed `ssh` reuses it).
/// - Fresh connection: connect, authenticate, run `true`, close; deckhand vs plain `ssh`.
/// - Upload: 10 MB written as the engine writes files (Connection.put) vs `scp` (SFTP) through the ControlMaster.
enum SSHBenchmark {
    static let reusedCount = environmentInt("DECKHAND_BENCH_SSH_COMMANDS") ?? 200
    static let freshCount = environmentInt("DECKHAND_BENCH_SSH_CONNECTIONS") ?? 20
    static let uploadCount = environmentInt("DECKHAND_BENCH_SSH_UPLOADS") ?? 10
    static let uploadBytes = 10 << 20
    /// The issue's bound for a 10 MB upload on loopback, in seconds.
    static let uploadTarget = 0.2
    /// The target's speed-up of a reused deckhand session over ControlMaster reuse.
    static let reusedTarget = 2.0

    static func run() async throws {
        let testhost = ProcessInfo.processInfo.environment["DECKHAND_TESTHOST_DIR"]
            ?? FileManager.default.currentDirectoryPath + "/.testhost"
        let sshConfig = testhost + "/ssh_config"
        guard FileManager.default.fileExists(atPath: sshConfig) else {
            throw BenchmarkFailure("no test host at \(testhost) (no ssh_config there); run `make testhost-up` or Benchmarks/run")
        }
        let options = try SSHConfig.load(file: sshConfig).resolve("testhost")
        let controlDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("deckhand-bench-\(getpid())")
        try FileManager.default.createDirectory(at: controlDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: controlDirectory) }
        let openSSH = OpenSSH(configFile: sshConfig, controlPath: controlDirectory.path + "/control")

        print("ssh: loopback test host \(options.user)@\(options.host):\(options.port)")

        // Reused connection.
        let session = try await SSHSession.connect(options)
        for _ in 0..<10 { _ = try await session.run("true") }
        let deckhandReused = try await measure(reusedCount) {
            let result = try await session.run("true")
            guard result.exitStatus == 0 else { throw BenchmarkFailure("`true` exited \(result.exitStatus) on the deckhand session") }
        }
        await session.close()

        try openSSH.startMaster()
        defer { openSSH.stopMaster() }
        for _ in 0..<3 { try openSSH.run(reuse: true) }
        let sshReused = try await measure(reusedCount) { try openSSH.run(reuse: true) }

        report("per-command latency, \(reusedCount) x `true` on a reused connection",
               deckhand: deckhandReused, deckhandLabel: "deckhand, one session",
               peer: sshReused, peerLabel: "ssh, ControlMaster reuse", target: reusedTarget)

        // Uploads of the same bytes to the same remote path, both over an already open connection.
        let payload = Data((0..<uploadBytes).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 11) })
        let localCopy = controlDirectory.appendingPathComponent("payload")
        try payload.write(to: localCopy)
        let remote = "/tmp/deckhand-bench-upload-\(getpid())"
        // The engine's own way to write a file: a temporary file beside it, then rename.
        let uploader = try HostConnector(settings: ConnectionSettings(sshConfigFile: sshConfig)).connection(to: "testhost")
        try await uploader.put(payload, to: remote)
        let deckhandUpload = try await measure(uploadCount) { try await uploader.put(payload, to: remote) }
        let scpUpload = try await measure(uploadCount) { try openSSH.copy(localCopy.path, to: remote) }
        _ = try await uploader.run(ShellCommand("rm", "-f", remote))
        await uploader.close()
        openSSH.stopMaster()
        report("10 MB upload, \(uploadCount) times (deckhand: temporary file + rename)",
               deckhand: deckhandUpload, deckhandLabel: "deckhand, one session",
               peer: scpUpload, peerLabel: "scp (SFTP), ControlMaster reuse", target: nil)
        let typical = median(deckhandUpload)
        print("  deckhand's median upload: \(String(format: "%.3f", typical)) s"
              + " (target: under \(String(format: "%.1f", uploadTarget)) s: \(typical < uploadTarget ? "met" : "MISSED"))")

        // Fresh connections.
        let deckhandFresh = try await measure(freshCount) {
            let session = try await SSHSession.connect(options)
            _ = try await session.run("true")
            await session.close()
        }
        let sshFresh = try await measure(freshCount) { try openSSH.run(reuse: false) }
        report("fresh connection (connect, log in, `true`, close), \(freshCount) times",
               deckhand: deckhandFresh, deckhandLabel: "deckhand",
               peer: sshFresh, peerLabel: "ssh", target: nil)
    }

    /// Wall-clock seconds of each of `count` sequential runs of `body`.
    private static func measure(_ count: Int, _ body: () async throws -> Void) async throws -> [Double] {
        let clock = ContinuousClock()
        var samples: [Double] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let start = clock.now
            try await body()
            let elapsed = clock.now - start
            samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return samples
    }

    private static func report(_ title: String, deckhand: [Double], deckhandLabel: String,
                               peer: [Double], peerLabel: String, target: Double?) {
        print("ssh: \(title)")
        let width = max(deckhandLabel.count, peerLabel.count)
        for (label, samples) in [(deckhandLabel, deckhand), (peerLabel, peer)] {
            let name = label.padding(toLength: width, withPad: " ", startingAt: 0)
            print("  \(name)  median \(milliseconds(median(samples)))  mean \(milliseconds(mean(samples)))")
        }
        let ratio = median(peer) / median(deckhand)
        var verdict = ratio >= 1
            ? "  deckhand is \(String(format: "%.1f", ratio))x faster"
            : "  deckhand is \(String(format: "%.1f", 1 / ratio))x slower"
        if let target {
            verdict += ratio >= target
                ? " (target: at least \(String(format: "%.0f", target))x: met)"
                : " (target: at least \(String(format: "%.0f", target))x: MISSED)"
        }
        print(verdict)
    }

    private static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    private static func mean(_ samples: [Double]) -> Double {
        samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
    }

    private static func milliseconds(_ seconds: Double) -> String {
        String(format: "%7.2f ms", seconds * 1000)
    }

    private static func environmentInt(_ name: String) -> Int? {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }
}

/// OpenSSH's `ssh` client against the test host, the peer of the `ssh` section.
struct OpenSSH {
    let configFile: String
    let controlPath: String

    /// Starts a ControlMaster that outlives the command (ControlPersist), so later `run(reuse: true)` reuse it.
    func startMaster() throws {
        try ssh(["-o", "ControlMaster=auto", "-o", "ControlPath=\(controlPath)", "-o", "ControlPersist=300", "testhost", "true"])
    }

    func stopMaster() {
        try? ssh(["-o", "ControlPath=\(controlPath)", "-O", "exit", "testhost"], quiet: true)
    }

    func run(reuse: Bool) throws {
        if reuse {
            try ssh(["-o", "ControlMaster=auto", "-o", "ControlPath=\(controlPath)", "testhost", "true"])
        } else {
            try ssh(["-o", "ControlMaster=no", "-o", "ControlPath=none", "testhost", "true"])
        }
    }

    /// Copies a local file to `remote` on the test host through the ControlMaster.
    func copy(_ local: String, to remote: String) throws {
        try ssh(["-q", "-o", "ControlMaster=auto", "-o", "ControlPath=\(controlPath)", local, "testhost:\(remote)"],
                program: "/usr/bin/scp")
    }

    private func ssh(_ arguments: [String], quiet: Bool = false, program: String = "/usr/bin/ssh") throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-F", configFile, "-o", "BatchMode=yes"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        if quiet { process.standardError = FileHandle.nullDevice }
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 || quiet else {
            throw BenchmarkFailure("\(program) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}

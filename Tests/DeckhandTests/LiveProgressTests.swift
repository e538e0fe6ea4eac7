import Deckhand
import Foundation
import Jinja
import XCTest

/// The live display fed a run's events directly: several hosts, an ignored failure, a name wider than the
/// terminal and one holding escape sequences (task names can be templated from what a host said).
final class LiveProgressTests: XCTestCase {
    private final class Screen: @unchecked Sendable {
        private let lock = NSLock()
        private var written = ""
        func append(_ text: String) { lock.withLock { written += text } }
        var raw: String { lock.withLock { written } }
        /// Each line as its last redraw left it.
        var lines: [String] {
            raw.components(separatedBy: "\n").map { String($0.components(separatedBy: "\r\u{1B}[K").last ?? "") }
        }
    }

    func testAStepOnSeveralHostsCountsThemAndEndsAsOneTickSayingWhatChanged() {
        let screen = Screen()
        let live = LiveProgress(colours: false, width: 50) { screen.append($0) }
        let task = TaskInfo(name: "Restart the app \u{1B}[2J", location: nil, hostCount: 3)
        live.record(.playStart(name: "Deploy", hosts: ["a", "b", "c"], checkMode: false))
        live.record(.taskStart(task))
        live.record(.hostDone(task, host: "a"))
        XCTAssertTrue(screen.raw.hasSuffix("Restart the app \\x1b[2J  0.0s  1/3 hosts"), screen.raw.debugDescription)
        live.record(.hostDone(task, host: "b"))
        live.record(.hostDone(task, host: "c"))
        var ignored = HostTaskResult(host: "c", status: .failed, result: ["msg": .string("no such unit")])
        ignored.ignored = true
        for result in [HostTaskResult(host: "a", status: .changed), HostTaskResult(host: "b", status: .changed), ignored] {
            live.record(.hostResult(task, result))
        }
        let long = TaskInfo(name: String(repeating: "Wait for the workers ", count: 4), location: nil, hostCount: 1)
        live.record(.taskStart(long))
        let spinning = screen.lines.last ?? ""
        XCTAssertTrue(spinning.hasSuffix("…  0.0s"), "a long name is cut so the line never wraps: \(spinning)")
        XCTAssertLessThanOrEqual(spinning.count, 50, spinning)
        live.record(.hostResult(long, HostTaskResult(host: "a", status: .skipped)))
        live.record(.recap(stats: [], duration: 1))
        live.finish()
        XCTAssertEqual(screen.lines, ["▸ Deploy", "✓ Restart the app \\x1b[2J  0.0s  changed on 2  failed, ignored", ""],
                       screen.raw.debugDescription)
        XCTAssertFalse(screen.raw.contains("\u{1B}[2J"))
    }
}

import Deckhand
import Foundation
import XCTest

/// `logs tail --grep --since`: the times read from each log's own stamps, and which lines are shown.
final class LogLineSelectionTests: XCTestCase {
    // 2026-12-03 09:00:00 UTC
    private let now = Date(timeIntervalSince1970: 1_796_288_400)
    private let nginx = AppLog(service: "nginx", label: "nginx-access", path: "/webapps/x/logs/nginx-access.log")
    private let gunicorn = AppLog(service: "gunicorn", label: "gunicorn", path: "/webapps/x/logs/gunicorn_supervisor.log")

    func testTheTimesOfTheAppsLogLines() {
        let expected = Date(timeIntervalSince1970: 1_796_287_200)  // 08:40:00 UTC
        let lines = [
            #"127.0.0.1 - - [03/Dec/2026:08:40:00 +0000] "GET / HTTP/2.0" 200 512 "-" "curl/7.88.1""#,
            #"127.0.0.1 - - [03/Dec/2026:09:40:00 +0100] "GET / HTTP/2.0" 200 512"#,
            "[2026-12-03 08:40:00 +0000] [1234] [INFO] Booting worker with pid: 1234",
            "2026/12/03 08:40:00 [error] 99#99: *1 connect() failed",
            "2026-12-03 08:40:00,123 INFO sampleapp.views hello",
            "2026-12-03T08:40:00Z backup done",
            "08:40:00 default: Job OK (abc)",
        ]
        for line in lines {
            XCTAssertEqual(LogLineTime.of(line, now: now), expected, line)
        }
        XCTAssertNil(LogLineTime.of("Traceback (most recent call last):", now: now))
        XCTAssertEqual(LogLineTime.of("23:59:00 default: late", now: now), Date(timeIntervalSince1970: 1_796_255_940),
                       "a time of day still to come today is yesterday's")
    }

    func testGrepKeepsTheLastMatchingLinesOfEachLog() throws {
        var selection = try LogLineSelection(grep: "ERROR|5[0-9]{2} ", last: 2, now: now)
        var shown = selection.select([
            .line(nginx, "GET /a 200 "), .line(nginx, "GET /b 500 "), .line(nginx, "GET /c 502 "),
            .line(nginx, "GET /d 503 "), .missing(gunicorn), .line(gunicorn, "ERROR one"), .line(gunicorn, "fine"),
        ])
        shown += selection.finish()
        XCTAssertEqual(shown, [.missing(gunicorn), .line(nginx, "GET /c 502 "), .line(nginx, "GET /d 503 "),
                               .line(gunicorn, "ERROR one")])
    }

    func testSinceKeepsNewerLinesAndTheUntimedLinesThatFollowThem() throws {
        var selection = try LogLineSelection(since: try TimeSpan("30m"), now: now)
        let shown = selection.select([
            .line(gunicorn, "Traceback before any time"),
            .line(gunicorn, "[2026-12-03 08:00:00 +0000] [1] [ERROR] old"),
            .line(gunicorn, "  old traceback line"),
            .line(gunicorn, "[2026-12-03 08:45:00 +0000] [1] [ERROR] new"),
            .line(gunicorn, "  new traceback line"),
            .line(nginx, "no time at all"),
        ])
        XCTAssertEqual(shown, [.line(gunicorn, "[2026-12-03 08:45:00 +0000] [1] [ERROR] new"),
                               .line(gunicorn, "  new traceback line")])
    }

    func testAFilteredTailReadsTheWholeLogsAndThePatternNeverReachesTheCommand() throws {
        let tail = LogTail(logs: [nginx], lines: 10, wholeLogs: true)
        XCTAssertEqual(tail.command.rendered, "LC_ALL=C tail -v -n +1 -- /webapps/x/logs/nginx-access.log")
    }

    func testABadPatternIsRefusedAndNoFilterPassesEverything() throws {
        XCTAssertThrowsError(try LogLineSelection(grep: "(unclosed"))
        var none = try LogLineSelection()
        XCTAssertTrue(none.isEmpty)
        XCTAssertEqual(none.select([.line(nginx, "x")]), [.line(nginx, "x")])
    }
}

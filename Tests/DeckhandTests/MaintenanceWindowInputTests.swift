import Deckhand
import Foundation
import XCTest

/// What `maintenance on --allow CIDR --until TIME` accepts: the allow list becomes nginx configuration, so
/// anything but an address or CIDR block is refused with what a correct one looks like.
final class MaintenanceWindowInputTests: XCTestCase {
    func testAddressesAndBlocksAreWrittenTheWayNginxReadsThem() throws {
        let cases = [
            "127.0.0.2": "127.0.0.2/32",
            "203.0.113.0/24": "203.0.113.0/24",
            "0.0.0.0/0": "0.0.0.0/0",
            "10.0.0.0/8": "10.0.0.0/8",
            "::1": "::1/128",
            "2001:DB8::/48": "2001:db8::/48",
            "2001:0db8:0000::/32": "2001:db8::/32",
            "::ffff:192.0.2.1": "::ffff:192.0.2.1/128",
        ]
        for (typed, written) in cases {
            XCTAssertEqual(try AddressBlock(typed).description, written, typed)
        }
    }

    func testAnythingElseIsRefusedWithWhy() {
        let refused = [
            "": "give an address",
            "127.0.0.1/33": "0 to 32",
            "::1/129": "0 to 128",
            "127.0.0.01": "no IPv4 address",
            "127.1": "no IPv4 address",
            "256.0.0.1": "no IPv4 address",
            "10.0.0.1/8": "did you mean 10.0.0.0/8?",
            "2001:db8::1/32": "did you mean 2001:db8::/32?",
            "1.2.3.4/": "0 to 32",
            "1.2.3.4/08": "0 to 32",
            "1.2.3.4/8/8": "give an address",
            "1.2.3.4; include /etc/shadow": "give an address",
            "1.2.3.4 1;\n0.0.0.0/0": "no IPv4 address",
            "fe80::1%eth0": "no IPv4 address",
            "example.com": "no IPv4 address",
            "$remote_addr": "no IPv4 address",
        ]
        for (typed, reason) in refused {
            XCTAssertThrowsError(try AddressBlock(typed), typed) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(reason), "\(typed): \(text)")
            }
        }
    }

    func testABlockContainsItsAddressesOnly() throws {
        let loopback = try AddressBlock("127.0.0.0/8")
        XCTAssertTrue(loopback.contains("127.0.0.1"))
        XCTAssertTrue(loopback.contains("127.255.0.9"))
        XCTAssertFalse(loopback.contains("128.0.0.1"))
        XCTAssertFalse(loopback.contains("::1"))
        XCTAssertFalse(try AddressBlock("127.0.0.2").contains("127.0.0.1"))
        XCTAssertTrue(try AddressBlock("::/0").contains("::1"))
    }

    func testUntilTakesATimeOfDayADateOrASpanAndShowsUTC() throws {
        // 2026-12-03 22:15:00 UTC
        let now = Date(timeIntervalSince1970: 1_796_336_100)
        XCTAssertEqual(try MaintenanceEnd("23:30", now: now).text, "2026-12-03 23:30 UTC")
        XCTAssertEqual(try MaintenanceEnd("00:30", now: now).text, "2026-12-04 00:30 UTC", "the next 00:30 is tomorrow's")
        XCTAssertEqual(try MaintenanceEnd("2026-12-04 06:00", now: now).text, "2026-12-04 06:00 UTC")
        XCTAssertEqual(try MaintenanceEnd("2026-12-04T06:00:00Z", now: now).text, "2026-12-04 06:00 UTC")
        XCTAssertEqual(try MaintenanceEnd("2026-12-04T07:00+01:00", now: now).text, "2026-12-04 06:00 UTC")
        XCTAssertEqual(try MaintenanceEnd("45m", now: now).text, "2026-12-03 23:00 UTC")
        XCTAssertEqual(try MaintenanceEnd("1h30m", now: now).text, "2026-12-03 23:45 UTC")
        for wrong in ["tomorrow", "25:00", "2026-12-03 21:00", "<script>alert(1)</script>", "12:3", "2026-13-01 10:00"] {
            XCTAssertThrowsError(try MaintenanceEnd(wrong, now: now), wrong)
        }
    }

    func testTimeSpansReadAsTyped() throws {
        XCTAssertEqual(try TimeSpan("90s").seconds, 90)
        XCTAssertEqual(try TimeSpan("15m").seconds, 900)
        XCTAssertEqual(try TimeSpan("1h30m").seconds, 5400)
        XCTAssertEqual(try TimeSpan("2d").seconds, 172_800)
        XCTAssertEqual(try TimeSpan("1h30m").description, "1h30m")
        for wrong in ["", "15", "m", "0m", "1.5h", "-5m", "5 m", "1w"] {
            XCTAssertThrowsError(try TimeSpan(wrong), wrong)
        }
    }
}

import XCTest
@testable import SSH

final class SSHPlaceholderTests: XCTestCase {
    func testBuilds() {}
}

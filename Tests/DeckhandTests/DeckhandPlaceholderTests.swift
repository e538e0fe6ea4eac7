import XCTest
@testable import Deckhand

final class DeckhandPlaceholderTests: XCTestCase {
    func testBuilds() {}
}

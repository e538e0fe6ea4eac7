import Foundation

/// Paths of the test fixtures.
enum Fixtures {
    static var root: String {
        Bundle.module.resourcePath.map { ($0 as NSString).appendingPathComponent("Fixtures") }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }

    static func path(_ relative: String) -> String {
        (root as NSString).appendingPathComponent(relative)
    }
}

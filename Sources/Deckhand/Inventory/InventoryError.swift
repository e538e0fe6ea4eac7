/// An inventory that cannot be read: what is wrong and in which file.
public struct InventoryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var path: String

    public init(_ message: String, path: String) {
        self.message = message
        self.path = path
    }

    public var description: String { "\(path): \(message)" }
}

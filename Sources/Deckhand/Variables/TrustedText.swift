import Foundation

/// The text the operator wrote: every string of the playbooks, roles, vars files and inventories deckhand read,
/// and the `-e key=value` pairs. ansible-core 2.19+ evaluates a conditional only when its text is "trusted as a
/// template" (it came from such a file, not from a module's result, a fact or a rendered template); deckhand
/// asks the same question by content. A string that equals text the operator wrote is as safe to evaluate as
/// that text, so a host can never get an expression of its own evaluated, only one the operator wrote.
/// `!unsafe` values are never recorded.
public enum TrustedText {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var texts: Set<String> = []

    static func record(_ text: String) {
        lock.withLock { _ = texts.insert(text) }
    }

    /// True when `text` is a string the operator wrote in a file or on the command line.
    public static func contains(_ text: String) -> Bool {
        lock.withLock { texts.contains(text) }
    }
}

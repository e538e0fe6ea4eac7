import Foundation
import Jinja

extension VaultSecrets {
    private static let state = InstalledVault()

    /// The passwords every YAML read uses (vars files, inventories, playbooks, `-e @file`, include_vars):
    /// the one piece of vault state, set once by the CLI before anything is loaded (and by tests).
    public static var installed: VaultSecrets {
        get { state.withLock { $0.secrets } }
        set { state.withLock { $0.secrets = newValue } }
    }

    /// Every value decrypted in this process: secrets the reports mask.
    public static var revealed: RevealedValues { state.revealed }
}

/// The plaintexts vault data decrypted to; a report replaces each of them with `********`.
public final class RevealedValues: @unchecked Sendable {
    private let lock = NSLock()
    private var values: Set<String> = []

    func insert(_ value: String) {
        // A one-character secret would mask every occurrence of that letter: too little to hide, too much to lose.
        guard value.count > 1 else { return }
        // As --output json writes it, when it holds quotes, backslashes or line breaks.
        let quoted = Value.string(value).jsonText
        lock.lock(); defer { lock.unlock() }
        values.insert(value)
        values.insert(String(quoted.dropFirst().dropLast()))
    }

    public var all: Set<String> {
        lock.lock(); defer { lock.unlock() }
        return values
    }

    /// `text` with every decrypted value replaced by `********`, longest first.
    public func mask(_ text: String) -> String {
        let secrets = all
        guard !secrets.isEmpty else { return text }
        return secrets.sorted { $0.count > $1.count }.reduce(text) { $0.replacingOccurrences(of: $1, with: "********") }
    }
}

private final class InstalledVault: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = Storage()
    let revealed = RevealedValues()

    struct Storage {
        var secrets = VaultSecrets()
    }

    func withLock<T>(_ body: (inout Storage) -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body(&storage)
    }
}

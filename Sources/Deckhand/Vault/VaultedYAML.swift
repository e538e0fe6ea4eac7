import Foundation
import Jinja
import Yams

/// Vault data inside the YAML deckhand reads: a file that is one vault envelope, and `!vault |` values.
enum VaultedYAML {
    static let tag = "!vault"
    /// A `!vault` value that could not be decrypted (no password, a wrong one): read as an undefined value whose
    /// message says which value and what to do, so it fails only where it is used.
    static let undecryptableTag = "!deckhand-undecryptable-vault"

    /// The plaintext of a whole vaulted file.
    static func decryptFile(_ text: String, path: String, vault: VaultSecrets) throws -> String {
        do {
            return try vault.decrypt(text, source: path)
        } catch let error as VaultError {
            throw ValidationError(error.description, at: SourceLocation(file: path, line: 1, column: 1))
        }
    }

    /// `node` with each `!vault` scalar replaced by its plaintext, a string (as Ansible's vaulted values are
    /// strings), or by an undecryptable marker (see `undecryptableTag`). Every plaintext is revealed for masking; with `revealingStrings` (the file was vaulted
    /// whole) so is every string value in it.
    static func decryptValues(in node: Node, path: String, vault: VaultSecrets, revealingStrings: Bool) throws -> Node {
        switch node {
        case .scalar(let scalar):
            if node.tag.rawValue == tag {
                let location = SourceLocation(file: path, line: scalar.mark?.line ?? 1, column: scalar.mark?.column ?? 1)
                let plaintext: String
                do {
                    plaintext = try vault.decrypt(scalar.string, source: "the !vault value at \(location)")
                } catch let error as VaultError {
                    // As Ansible's: the value fails where it is used, so a play that never reads it still runs.
                    return .scalar(Node.Scalar("undecryptable variable: \(error.description)", Tag(Tag.Name(rawValue: undecryptableTag)),
                                               .literal, scalar.mark))
                }
                VaultSecrets.revealed.insert(plaintext)
                return .scalar(Node.Scalar(plaintext, Tag(.str), .literal, scalar.mark))
            }
            // A short value in a vaulted file (a user name like "app") would mask every word it is part of.
            if revealingStrings, case .string(let text) = YAMLDocument.value(of: node), text.count >= 4 {
                VaultSecrets.revealed.insert(text)
            }
            return node
        case .sequence(let sequence):
            let nodes = try sequence.map {
                try decryptValues(in: $0, path: path, vault: vault, revealingStrings: revealingStrings)
            }
            return .sequence(Node.Sequence(nodes, sequence.tag, sequence.style, sequence.mark))
        case .mapping(let mapping):
            let pairs = try mapping.map { key, value in
                (key, try decryptValues(in: value, path: path, vault: vault, revealingStrings: revealingStrings))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case .alias:
            return node
        }
    }
}

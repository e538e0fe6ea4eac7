import Foundation

/// A controller file a module reads (copy's and script's src, include_vars): a vaulted one is its plaintext,
/// as Ansible's copy and script decrypt by default.
enum VaultedFile {
    static func plaintext(of data: Data, path: String, vault: VaultSecrets) throws -> Data {
        guard data.starts(with: Array(VaultText.marker.utf8)) else { return data }
        let plaintext: [UInt8]
        do {
            plaintext = try vault.open(String(decoding: data, as: UTF8.self), source: path).plaintext
        } catch let error as VaultError {
            throw ModuleArgumentError(error.description)
        }
        let text = String(decoding: plaintext, as: UTF8.self)
        VaultSecrets.revealed.insert(text)
        // A vars file's values are its secrets; a key or certificate file's lines are.
        if let document = try? YAMLDocument.parse(text, path: path, vault: vault), let root = document.root,
           case .dict = YAMLDocument.value(of: root) {
            _ = try? VaultedYAML.decryptValues(in: root, path: path, vault: vault, revealingStrings: true)
        } else {
            for line in text.split(whereSeparator: \.isNewline) where line.count >= 4 {
                VaultSecrets.revealed.insert(String(line))
            }
        }
        return Data(plaintext)
    }
}

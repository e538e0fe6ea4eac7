import Foundation

/// One known_hosts file read as OpenSSH reads it: line by line, as bytes, so a line that is not UTF-8 text is
/// skipped and named, never the whole file (a file read as empty would make a changed key look unknown, and
/// accept-new would record it).
struct KnownHostsFile {
    /// One entry: its line number, its text, and its marker (`@revoked`, `@cert-authority`) if any.
    struct Entry {
        var number: Int
        var text: String
        var marker: String?
    }

    let path: String
    private(set) var entries: [Entry] = []
    /// "path:line: why" for each line that was skipped.
    private(set) var skipped: [String] = []

    init(path: String) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            // A missing file is normal (no entries yet); one that exists but cannot be read is named.
            if FileManager.default.fileExists(atPath: path) && !FileManager.default.isReadableFile(atPath: path) {
                skipped.append("\(path): cannot be read (check its permissions)")
            }
            return
        }
        for (index, bytes) in data.split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            guard let raw = String(bytes: bytes, encoding: .utf8) else {
                skipped.append("\(path):\(index + 1): not UTF-8 text")
                continue
            }
            let text = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if text.isEmpty || text.hasPrefix("#") { continue }
            var marker: String?
            if text.hasPrefix("@") { marker = text.split(separator: " ", maxSplits: 1).first.map(String.init) }
            entries.append(Entry(number: index + 1, text: text, marker: marker))
        }
    }

    /// Notes a line that is not a key (libssh2 could not read it).
    mutating func skip(_ entry: Entry, because reason: String) {
        skipped.append("\(path):\(entry.number): \(reason)")
    }

    /// The key blobs of the `@revoked` lines: `@revoked hosts type base64 [comment]`.
    var revokedKeys: [Data] {
        entries.compactMap { entry in
            guard entry.marker == "@revoked" else { return nil }
            let fields = entry.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 4 else { return nil }
            return Data(base64Encoded: String(fields[3]))
        }
    }
}

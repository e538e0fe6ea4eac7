import Foundation
import Jinja

/// Ansible's csvfile lookup: the value in column `col` of the first row whose `keycol` column is the search key,
/// read as Python's csv module reads the excel dialect (quoted fields, doubled quotes, CRLF lines).
///
///     lookup('csvfile', 'Li', file='elements.csv', delimiter=',', col=2)
///     lookup('csvfile', 'Li file=elements.csv delimiter=, col=2')      (the older inline form)
enum CSVFileLookup {
    static let options: [ConfigDefinition] = [
        ConfigDefinition(name: "col", kind: .int, defaultValue: .int(1)),
        ConfigDefinition(name: "keycol", kind: .int, defaultValue: .int(0)),
        ConfigDefinition(name: "default", kind: .raw),
        ConfigDefinition(name: "delimiter", defaultValue: .string("TAB")),
        ConfigDefinition(name: "file", defaultValue: .string("ansible.csv")),
        ConfigDefinition(name: "encoding", defaultValue: .string("utf-8")),
    ]

    static func query(_ terms: [Value], options direct: [String: Value], scope: VariableScope?,
                      search: Lookups.SearchPath) throws -> [Value] {
        var direct = direct
        var settings = try PluginOptions.resolve(options, plugin: "csvfile", type: "lookup", direct: direct, scope: scope)
        guard !terms.isEmpty else { throw LookupError("Search key is required but was not found") }
        var results: [Value] = []
        for term in terms {
            guard let parsed = try? KeyValueArguments.parse(term.displayText), let key = parsed.freeForm else {
                throw LookupError("Search key is required but was not found")
            }
            // Options written in the term apply to it and to the terms after it, as Ansible's set_option does.
            if !parsed.pairs.isEmpty {
                for (name, value) in parsed.pairs {
                    guard options.contains(where: { $0.name == name }) else { throw LookupError("'\(name)' is not a valid option") }
                    direct[name] = .string(value)
                }
                settings = try PluginOptions.resolve(options, plugin: "csvfile", type: "lookup", direct: direct, scope: scope)
            }
            var delimiter = settings["delimiter"]?.displayText ?? "TAB"
            if delimiter == "TAB" { delimiter = "\t" }
            guard delimiter.count == 1, let separator = delimiter.first else {
                throw LookupError("csvfile: the delimiter must be one character, got '\(delimiter)' (for a tab, write TAB or \\t)")
            }
            let file = settings["file"]?.displayText ?? "ansible.csv"
            let path: String
            do {
                path = try search.find(file, in: "files", plugin: "csvfile")
            } catch {
                throw LookupError("csvfile: could not open \(file): No such file or directory; looked in "
                                  + search.candidates(file, in: "files").joined(separator: ", "))
            }
            let text = try read(path, encoding: settings["encoding"]?.displayText ?? "utf-8")
            let found = try value(in: rows(of: text, delimiter: separator), key: key,
                                  column: intSetting(settings["col"]), keyColumn: intSetting(settings["keycol"]))
            switch found.map(Value.string) ?? settings["default"] ?? .none {
            case .none: continue
            case .list(let items): results += items
            case let other: results.append(other)
            }
        }
        return results
    }

    private static func intSetting(_ value: Value?) -> Int {
        if case .int(let number)? = value { return number }
        return 0
    }

    private static func value(in rows: [[String]], key: String, column: Int, keyColumn: Int) throws -> String? {
        for row in rows where !row.isEmpty {
            guard keyColumn < row.count else {
                throw LookupError("csvfile: keycol \(keyColumn) is past the end of a row of \(row.count) columns")
            }
            guard row[keyColumn] == key else { continue }
            guard column >= 0, column < row.count else {
                throw LookupError("csvfile: col \(column) is past the end of the row of '\(key)' (\(row.count) columns)")
            }
            return row[column]
        }
        return nil
    }

    private static func read(_ path: String, encoding name: String) throws -> String {
        let encodings: [String: String.Encoding] = [
            "utf-8": .utf8, "utf8": .utf8, "utf-8-sig": .utf8, "ascii": .ascii, "us-ascii": .ascii,
            "latin-1": .isoLatin1, "latin1": .isoLatin1, "iso-8859-1": .isoLatin1, "utf-16": .utf16,
            "utf-16-le": .utf16LittleEndian, "utf-16-be": .utf16BigEndian, "cp1252": .windowsCP1252,
            "windows-1252": .windowsCP1252,
        ]
        let normalized = name.lowercased().replacingOccurrences(of: "_", with: "-")
        guard let encoding = encodings[normalized] else { throw LookupError("csvfile: unknown encoding: \(name)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LookupError("csvfile: could not read \(path)")
        }
        guard let text = String(data: data, encoding: encoding) else {
            throw LookupError("csvfile: \(path) is not valid \(name) text (set encoding=)")
        }
        // utf-8-sig: a byte order mark at the start is not part of the first key.
        return normalized == "utf-8-sig" && text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }

    /// The rows of `text` as Python's csv.reader reads them with the excel dialect: `"` quotes a field, `""` inside
    /// quotes is one quote, text after a closing quote joins the field, and lines end in LF or CRLF.
    static func rows(of text: String, delimiter: Character) -> [[String]] {
        enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var state = State.fieldStart
        func endRow() {
            if state != .fieldStart || !row.isEmpty { row.append(field) }
            rows.append(row)
            row = []
            field = ""
            state = .fieldStart
        }
        for character in text.replacingOccurrences(of: "\r\n", with: "\n") {
            switch (state, character) {
            case (.quoted, "\""):
                state = .quoteInQuoted
            case (.quoted, _):
                field.append(character)
            case (.quoteInQuoted, "\""):
                field.append("\"")
                state = .quoted
            case (.fieldStart, "\""):
                state = .quoted
            case (_, "\n"), (_, "\r"):
                endRow()
            case (_, delimiter):
                row.append(field)
                field = ""
                state = .fieldStart
            default:
                field.append(character)
                state = .unquoted
            }
        }
        if state != .fieldStart || !row.isEmpty { endRow() }
        return rows
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ansible's path filters (plugins/filter/core.py), run on the controller as Ansible runs them: expandvars,
/// realpath, path_join, commonpath, fileglob (expanduser is with the other Ansible filters).
enum PathFilters {
    static let table: [String: PureFilters.Body] = [
        "expandvars": { v, _ in .string(expandVariables(v.pythonStr, ProcessInfo.processInfo.environment)) },
        "realpath": { v, _ in .string(URL(fileURLWithPath: v.pythonStr).standardizedFileURL.resolvingSymlinksInPath().path) },
        "path_join": pathJoin,
        "commonpath": commonPath,
        "fileglob": { v, _ in .list(fileGlob(v.pythonStr).map(Value.string)) },
    ]

    /// os.path.commonpath of a list of paths (all absolute or all relative).
    @Sendable static func commonPath(_ value: Value, _ args: FilterArguments) throws -> Value {
        guard case .list(let items) = value else {
            throw TemplateError.typeError("|commonpath expects sequence, got \(value.pythonTypeName) instead.")
        }
        let paths = items.map(\.pythonStr)
        guard let first = paths.first else { throw TemplateError.filterError("commonpath() arg is an empty sequence") }
        let absolute = first.hasPrefix("/")
        guard paths.allSatisfy({ $0.hasPrefix("/") == absolute }) else {
            throw TemplateError.filterError("Can't mix absolute and relative paths")
        }
        let split = paths.map { $0.split(separator: "/").filter { $0 != "." }.map(String.init) }
        var common = split[0]
        for parts in split.dropFirst() {
            common = Array(zip(common, parts).prefix { $0 == $1 }.map(\.0))
        }
        return .string((absolute ? "/" : "") + common.joined(separator: "/"))
    }

    /// The regular files matching a shell pattern on the controller (Python's glob.glob, sorted).
    static func fileGlob(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(pattern, 0, nil, &matches) == 0 else { return [] }
        var files: [String] = []
        for index in 0..<Int(matches.gl_pathc) {
            guard let path = matches.gl_pathv[index].map({ String(cString: $0) }) else { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
        }
        return files
    }

    /// os.path.expandvars: `$name` and `${name}` of set variables replaced; unknown ones left as written.
    static func expandVariables(_ text: String, _ environment: [String: String]) -> String {
        var out = ""
        var index = text.startIndex
        func isNameCharacter(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        while index < text.endIndex {
            let c = text[index]
            guard c == "$" else { out.append(c); index = text.index(after: index); continue }
            let after = text.index(after: index)
            if after < text.endIndex, text[after] == "{", let close = text[after...].firstIndex(of: "}") {
                let name = String(text[text.index(after: after)..<close])
                out += environment[name] ?? String(text[index...close])
                index = text.index(after: close)
            } else {
                var end = after
                while end < text.endIndex, isNameCharacter(text[end]) { end = text.index(after: end) }
                let name = String(text[after..<end])
                out += name.isEmpty ? "$" : environment[name] ?? "$" + name
                index = end
            }
        }
        return out
    }

    /// path_join: os.path.join of a list of parts (or of one string): an absolute part starts the path over.
    @Sendable static func pathJoin(_ value: Value, _ args: FilterArguments) throws -> Value {
        let parts: [String]
        switch value {
        case .string(let text): return .string(text)
        case .list(let items): parts = items.map(\.pythonStr)
        default: throw TemplateError.filterError("|path_join expects string or sequence, got \(value.pythonTypeName) instead.")
        }
        var joined = ""
        for part in parts {
            if part.hasPrefix("/") { joined = part } else if joined.isEmpty || joined.hasSuffix("/") { joined += part } else { joined += "/" + part }
        }
        return .string(joined)
    }
}

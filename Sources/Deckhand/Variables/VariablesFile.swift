import Foundation
import Jinja
import OrderedCollections

/// Reads files of variables: vars_files, group_vars/host_vars entries, role defaults/vars, `-e @file`.
/// JSON is read as YAML (it is a subset).
public enum VariablesFile {
    /// The top-level mapping of the file at `path`; an empty file is no variables.
    public static func read(path: String) throws -> OrderedDictionary<String, Value> {
        let document = try YAMLDocument.load(path: path)
        guard let root = document.root else { return [:] }
        switch YAMLDocument.value(of: root) {
        case .dict(let vars): return vars
        case .none: return [:]
        default:
            throw ValidationError("a variables file must hold a mapping of names to values",
                                  at: document.location(of: root))
        }
    }

    /// Extensions Ansible accepts for vars files in group_vars/ and host_vars/ (and none at all).
    static let extensions = ["", ".yml", ".yaml", ".json"]

    /// Variables for `name` in `folder` (a group_vars/ or host_vars/ folder): `name`, `name.yml`, `name.yaml`,
    /// `name.json`, and every such file under a `name/` folder (sorted by path), merged in that order.
    /// Nil when there is nothing for `name`.
    static func readEntry(named name: String, in folder: String) throws -> OrderedDictionary<String, Value>? {
        let fileManager = FileManager.default
        var files: [String] = []
        for ext in extensions {
            let path = (folder as NSString).appendingPathComponent(name + ext)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                if ext.isEmpty { files += varsFiles(under: path) }
            } else {
                files.append(path)
            }
        }
        guard !files.isEmpty else { return nil }
        var vars = OrderedDictionary<String, Value>()
        for file in files {
            for (key, value) in try read(path: file) { vars[key] = value }
        }
        return vars
    }

    /// Entry names found in a group_vars/ or host_vars/ folder.
    static func entryNames(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var result = Set<String>()
        for name in names where !name.hasPrefix(".") && !name.hasSuffix("~") {
            var base = name
            for ext in extensions where !ext.isEmpty && name.hasSuffix(ext) {
                base = String(name.dropLast(ext.count))
            }
            result.insert(base)
        }
        return result.sorted()
    }

    private static func varsFiles(under folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") || name.hasSuffix("~") { continue }
            let path = (folder as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            let ext = (name as NSString).pathExtension
            if ext.isEmpty || ["yml", "yaml", "json"].contains(ext) { files.append(path) }
        }
        return files.sorted()
    }
}

/// A play's vars_files entry that cannot be read (none of its candidates exists, or one does not parse): the
/// play does not run, as in Ansible.
struct VarsFileError: Error {
    var message: String
    var location: SourceLocation
}

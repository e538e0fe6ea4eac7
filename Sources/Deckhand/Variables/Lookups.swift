import Foundation
import Jinja
import OrderedCollections

/// Ansible's lookup plugins that deckhand has, run on the controller: `lookup('file', 'key.pub')`,
/// `query('fileglob', '*.conf')` (also `q`), and the `with_file:`-style loops built on them.
public enum Lookups {
    public static let names = ["config", "csvfile", "env", "file", "fileglob", "first_found", "lines", "password", "pipe",
                               "sequence", "subelements", "template", "varnames", "vars"]
        + DataLookups.names

    /// Registers `lookup`, `query` and `q` on `environment`; they read `playbook_dir`, `role_path` and other
    /// variables from the render that calls them. A term written as a string in the call is a template, as in
    /// ansible-core: `lookup('pipe', 'echo {{ name }}')`.
    public static func register(in environment: Environment) {
        environment.registerScopedFunction("lookup", rendersConstantArguments: true) { args, kwargs, scope in
            try lookup(args, kwargs, scope: scope, environment: environment, wantList: false)
        }
        for name in ["query", "q"] {
            environment.registerScopedFunction(name, rendersConstantArguments: true) { args, kwargs, scope in
                try lookup(args, kwargs, scope: scope, environment: environment, wantList: true)
            }
        }
    }

    static func lookup(_ args: [Value], _ kwargs: [String: Value], scope: VariableScope?, environment: Environment,
                       wantList: Bool) throws -> Value {
        guard case .string(let written)? = args.first else {
            throw LookupError("lookup needs the plugin's name first, e.g. lookup('file', 'key.pub')")
        }
        var options = kwargs
        let wantList = wantList || options.removeValue(forKey: "wantlist")?.isTruthy == true
        let errors = options.removeValue(forKey: "errors").map(\.displayText) ?? "strict"
        // Lookups that read their terms as a structure get them as written; the others, one list of terms.
        let structured = ["subelements", "together", "nested"].contains(pluginName(written))
        let terms = structured ? Array(args.dropFirst()) : args.dropFirst().flatMap { term -> [Value] in
            if case .list(let items) = term { return items }
            return [term]
        }
        if let undefined = terms.lazy.compactMap(\.firstUndefined).first {
            // A term written as a template that named something undefined: an unknown plugin is the first
            // thing to say, as ansible-core checks the plugin before its terms.
            if !names.contains(pluginName(written)) { throw unknownPlugin(written, scope: scope) }
            throw TemplateError.undefinedError(undefined)
        }
        let results: [Value]
        do {
            results = try query(written, terms: terms, options: options, scope: scope, environment: environment)
        } catch is LookupError where errors == "ignore" || errors == "warn" {
            return wantList ? .list([]) : .none
        }
        if wantList { return .list(results) }
        // As Ansible: no result is an empty list, strings are joined with commas, a single other value is returned
        // as it is.
        if results.isEmpty { return .list([]) }
        if results.allSatisfy({ if case .string = $0 { return true }; return false }) {
            return .string(results.map(\.displayText).joined(separator: ","))
        }
        return results.count == 1 ? results[0] : .list(results)
    }

    /// The plugin's results for `terms`, one value per result (a list for query()).
    /// `sourceFolder` is where first_found looks in a role and beside the playbook: the folder of the task's
    /// module (`vars` for include_vars, `templates` for template), as Ansible gives the lookup its subdir.
    public static func query(_ written: String, terms: [Value], options: [String: Value] = [:], scope: VariableScope?,
                             environment: Environment, sourceFolder: String = "files") throws -> [Value] {
        let name = pluginName(written)
        let search = SearchPath(scope: scope)
        switch name {
        case "env":
            let environmentVariables = ProcessInfo.processInfo.environment
            return terms.map { term in
                environmentVariables[term.displayText].map(Value.string) ?? options["default"] ?? .string("")
            }
        case "file":
            let strip = options["rstrip"]?.isTruthy ?? true
            return try terms.map { term in
                let path = try search.find(term.displayText, in: "files", plugin: name)
                guard let data = FileManager.default.contents(atPath: path) else { throw LookupError("could not read \(path)") }
                var text = String(decoding: data, as: UTF8.self)
                if strip { while text.last?.isWhitespace == true { text.removeLast() } }
                if options["lstrip"]?.isTruthy == true { while text.first?.isWhitespace == true { text.removeFirst() } }
                return .string(text)
            }
        case "fileglob":
            return terms.flatMap { search.glob($0.displayText, in: "files").map(Value.string) }
        case "first_found":
            var candidates: [String] = []
            var folders: [String] = []
            for term in terms {
                if case .dict(let spec) = term {
                    candidates += list(spec["files"])
                    folders += list(spec["paths"])
                } else {
                    candidates += list(term)
                }
            }
            candidates += list(options["files"])
            folders += list(options["paths"])
            for candidate in candidates {
                let paths = folders.isEmpty ? [candidate] : folders.map { ($0 as NSString).appendingPathComponent(candidate) }
                for path in paths {
                    if let found = try? search.find(path, in: sourceFolder, plugin: name) { return [.string(found)] }
                }
            }
            if options["skip"]?.isTruthy == true { return [] }
            throw LookupError("first_found: none of \(candidates.joined(separator: ", ")) exists"
                              + (folders.isEmpty ? "" : " in \(folders.joined(separator: ", "))"))
        case "lines", "pipe":
            return try terms.flatMap { term -> [Value] in
                let output = try controllerCommand(term.displayText, search.playbookDirectory)
                if name == "pipe" { return [.string(output.hasSuffix("\n") ? String(output.dropLast()) : output)] }
                return output.split(separator: "\n", omittingEmptySubsequences: false).dropLast(output.hasSuffix("\n") ? 1 : 0)
                    .map { .string(String($0)) }
            }
        case "password":
            return try PasswordLookup.passwords(terms, options: options, playbookDirectory: search.playbookDirectory)
                .map(Value.string)
        case "template":
            guard let scope else { throw LookupError("the template lookup needs the task's variables") }
            return try TemplateLookup.query(terms, options: options, scope: scope, search: search)
        case "csvfile":
            return try CSVFileLookup.query(terms, options: options, scope: scope, search: search)
        case "config":
            return try ConfigLookup.query(terms, options: options, scope: scope, environment: environment)
        case "varnames":
            guard let scope = scope as? TemplatedScope else { throw LookupError("the varnames lookup needs the task's variables") }
            return try VariableNames.matching(terms, in: scope).map(Value.string)
        case "subelements":
            return try SubelementsLookup.items(terms)
        case "sequence":
            // query('sequence', count=5, start=10): the keyword arguments alone make one sequence.
            if terms.isEmpty && options.keys.allSatisfy({ !SequenceLookup.settingNames.contains($0) }) { return [] }
            let texts = terms.isEmpty ? [""] : terms.map(\.displayText)
            return try texts.flatMap { try SequenceLookup.items($0, defaults: options) }
        case "vars":
            return try terms.map { term in
                guard case .string(let variable) = term else {
                    throw LookupError("Variable name must be 'str' not '\(term.pythonTypeName)'.")
                }
                if let value = try scope?.value(named: variable) { return value }
                if let fallback = options["default"], fallback != .none { return fallback }
                throw LookupError("No variable named '\(variable)' was found.")
            }
        default:
            if let results = try DataLookups.query(name, terms: terms) { return results }
            throw unknownPlugin(written, scope: scope)
        }
    }

    /// Why `written` names no lookup deckhand has: the role's or playbook's own Python plugin, or nothing known.
    private static func unknownPlugin(_ written: String, scope: VariableScope?) -> LookupError {
        let search = SearchPath(scope: scope)
        if let plugin = PythonPlugin.findLookup(written, roleDirectory: search.rolePath, playbookDirectory: search.playbookDirectory) {
            return LookupError("'\(written)' \(plugin.refusal)")
        }
        return LookupError("the lookup plugin '\(written)' was not found (not supported); deckhand has "
                           + names.joined(separator: ", ") + " (for anything else, compute the value with `pipe`)")
    }

    /// The plugin as deckhand names it: `ansible.builtin.file` is `file`.
    private static func pluginName(_ written: String) -> String {
        written.replacingOccurrences(of: "ansible.builtin.", with: "")
    }

    private static func list(_ value: Value?) -> [String] {
        switch value {
        case .list(let items)?: return items.map(\.displayText)
        case .string(let text)?: return text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        default: return []
        }
    }

    /// Runs `command` with /bin/sh on the controller, in the playbook's folder; a non-zero exit is an error.
    private static func controllerCommand(_ command: String, _ directory: String?) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LookupError("lookup('pipe'): `\(command)` exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Where relative controller paths are looked for, as Ansible's path_dwim_relative_stack does: the role's
    /// `<kind>/`, its tasks/ and the role itself, then the playbook's `<kind>/` and folder (`<kind>/` left out
    /// where the name already starts with it).
    public struct SearchPath: Sendable {
        var rolePath: String?
        var playbookDirectory: String?

        init(scope: VariableScope?) {
            rolePath = (try? scope?.value(named: "role_path"))??.displayText
            playbookDirectory = (try? scope?.value(named: "playbook_dir"))??.displayText
        }

        public init(rolePath: String?, playbookDirectory: String?) {
            self.rolePath = rolePath
            self.playbookDirectory = playbookDirectory
        }

        public func candidates(_ name: String, in kind: String) -> [String] {
            if name.hasPrefix("/") { return [name] }
            let namesKind = name.split(separator: "/").first.map(String.init) == kind
            var folders: [String] = []
            if let rolePath {
                if !namesKind { folders.append("\(rolePath)/\(kind)") }
                folders += ["\(rolePath)/tasks", rolePath]
            }
            if let playbookDirectory {
                if !namesKind { folders.append("\(playbookDirectory)/\(kind)") }
                folders.append(playbookDirectory)
            }
            if folders.isEmpty { folders = [FileManager.default.currentDirectoryPath] }
            return folders.map { ($0 as NSString).appendingPathComponent(name) }
        }

        func find(_ name: String, in kind: String, plugin: String) throws -> String {
            let paths = candidates(name, in: kind)
            if let found = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
            throw LookupError("lookup('\(plugin)'): could not find \(name); looked in " + paths.joined(separator: ", "))
        }

        func glob(_ pattern: String, in kind: String) -> [String] {
            for candidate in candidates(pattern, in: kind) {
                let found = ControllerGlob.files(matching: candidate)
                if !found.isEmpty { return found }
            }
            return []
        }
    }
}

/// A lookup that cannot give its value: the task fails with this message.
struct LookupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Controller files matching a shell pattern (directories left out), sorted.
enum ControllerGlob {
    static func files(matching pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Foundation.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }
}

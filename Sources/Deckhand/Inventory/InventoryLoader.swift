import Foundation

extension Inventory {
    /// Reads the inventories given with `-i` (files, folders of inventory files, or `host1,host2,` lists),
    /// with the group_vars/ and host_vars/ beside each. Throws `ValidationErrors` listing every mistake.
    public static func load(from sources: [String]) throws -> Inventory {
        var inventory = Inventory()
        var errors: [ValidationError] = []
        for source in sources {
            do {
                try inventory.read(source: source)
            } catch let error as ValidationErrors {
                errors += error.errors
            } catch let error as ValidationError {
                errors.append(error)
            }
        }
        inventory.finish()
        if !errors.isEmpty { throw ValidationErrors(errors) }
        return inventory
    }

    /// Adds the group_vars/ and host_vars/ beside the playbook (they beat those beside the inventory).
    public mutating func loadPlaybookVariables(directory: String) throws {
        playbookDirectoryVars = try readVarsDirectories(in: directory)
    }

    private mutating func read(source: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            if source.contains(",") {
                for name in source.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
                where !name.isEmpty {
                    addHost(name)
                }
                return
            }
            throw ValidationError("the inventory \(source) does not exist (give a file, a folder or 'host1,host2,')",
                                  at: .synthetic(source))
        }
        let folder: String
        if isDirectory.boolValue {
            folder = source
            let names = (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []
            var errors: [ValidationError] = []
            for name in names.sorted() where !Inventory.ignoredInFolder(name) {
                let path = (source as NSString).appendingPathComponent(name)
                var isSubfolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isSubfolder), isSubfolder.boolValue {
                    continue
                }
                do { try readFile(path) } catch let error as ValidationErrors { errors += error.errors }
            }
            if !errors.isEmpty { throw ValidationErrors(errors) }
        } else {
            folder = (source as NSString).deletingLastPathComponent
            try readFile(source)
        }
        let layer = try readVarsDirectories(in: folder.isEmpty ? "." : folder)
        for (group, vars) in layer.groupVars {
            inventoryDirectoryVars.groupVars[group, default: [:]].merge(vars) { $1 }
        }
        for (host, vars) in layer.hostVars {
            inventoryDirectoryVars.hostVars[host, default: [:]].merge(vars) { $1 }
        }
    }

    private static func ignoredInFolder(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix("~") || name.hasSuffix(".retry") || name.hasSuffix(".md")
            || ["group_vars", "host_vars"].contains(name)
    }

    private mutating func readFile(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path),
              var text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read the inventory file (is it readable UTF-8 text?)", at: .synthetic(path))
        }
        if VaultText.isEncrypted(text) {
            text = try VaultedYAML.decryptFile(text, path: path, vault: .installed)
        }
        if text.hasPrefix("#!") {
            throw ValidationError("dynamic inventory scripts are not supported; write the hosts to a YAML or INI file",
                                  at: SourceLocation(file: path, line: 1, column: 1), offendingText: String(text.prefix { $0 != "\n" }))
        }
        if Inventory.looksLikeYAML(text, path: path) {
            try YAMLInventory.parse(try YAMLDocument.parse(text, path: path), into: &self)
        } else {
            try INIInventory.parse(text, path: path, into: &self)
        }
    }

    /// .yml/.yaml/.json files are YAML; other files are YAML when their first meaningful line is a `key:`.
    static func looksLikeYAML(_ text: String, path: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        if ["yml", "yaml", "json"].contains(ext) { return true }
        if ["ini", "cfg", "hosts"].contains(ext) { return false }
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed == "---" { return true }
            return trimmed.hasSuffix(":") && !trimmed.hasPrefix("[")
        }
        return false
    }

    private func readVarsDirectories(in folder: String) throws -> VarsDirectoryLayer {
        var layer = VarsDirectoryLayer()
        let groupFolder = (folder as NSString).appendingPathComponent("group_vars")
        for name in VariablesFile.entryNames(in: groupFolder) {
            layer.groupVars[name] = try VariablesFile.readEntry(named: name, in: groupFolder)
        }
        let hostFolder = (folder as NSString).appendingPathComponent("host_vars")
        for name in VariablesFile.entryNames(in: hostFolder) {
            layer.hostVars[name] = try VariablesFile.readEntry(named: name, in: hostFolder)
        }
        return layer
    }
}

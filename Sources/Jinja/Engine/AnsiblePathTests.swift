import Foundation

/// Ansible's path tests (`path is file`, `is directory`, `is link`, `is exists`, `is abs`): they look at the
/// machine running the playbook (the controller), never at a managed host, as in Ansible. A playbook uses them
/// to include a user's task file only when it is there (deploy.yml's hooks).
enum AnsiblePathTests {
    static let all: [String: Test] = {
        var t: [String: Test] = [:]
        t["file"] = { v, _, _ in try kind(v, "file") == .typeRegular }
        t["directory"] = { v, _, _ in try kind(v, "directory") == .typeDirectory }
        t["exists"] = { v, _, _ in try kind(v, "exists") != nil }
        t["link"] = { v, _, _ in
            let path = try AnsiblePathTests.path(v, "link")
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
        }
        t["abs"] = { v, _, _ in try path(v, "abs").hasPrefix("/") }
        return t
    }()

    /// The file type at the path after following symlinks, nil when nothing is there.
    private static func kind(_ value: Value, _ test: String) throws -> FileAttributeType? {
        let path = try AnsiblePathTests.path(value, test)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: (path as NSString).resolvingSymlinksInPath)
        else { return nil }
        return attributes[.type] as? FileAttributeType
    }

    private static func path(_ value: Value, _ test: String) throws -> String {
        guard case .string(let path) = try defined(value) else {
            throw TemplateError.filterError("The '\(test)' test expects a path (a string)")
        }
        return (path as NSString).expandingTildeInPath
    }
}

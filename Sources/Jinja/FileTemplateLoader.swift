import Foundation

/// Finds templates as files under one folder (relative names) or anywhere (absolute paths),
/// the way `include 'x.j2'` resolves next to the template that includes it.
public struct FileTemplateLoader: TemplateLoader {
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    public func loadTemplate(named name: String) throws -> String? {
        let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : folder.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw TemplateError(.loader, "cannot read \(url.path): \(error.localizedDescription); check its permissions "
                                + "and that it is UTF-8 text", templateName: name, line: 0)
        }
    }
}

import Foundation

/// Where a verb's playbook comes from: `--playbooks DIR`, else `playbooks/` beside deckhand.yml, else the
/// folder installed with the binary (`<prefix>/share/deckhand/playbooks`), else, for a development build
/// (a binary inside the source tree's .build/), the source tree's `playbooks/`. An installed binary never reads
/// the tree it was built from: that path belongs to the build machine.
enum BuiltInPlaybooks {
    /// The folders searched, in order.
    static func searchPath(explicit: String?, configDirectory: String?) -> [String] {
        if let explicit { return [explicit] }
        var folders: [String] = []
        if let configDirectory { folders.append((configDirectory as NSString).appendingPathComponent("playbooks")) }
        let executable = Bundle.main.executableURL?.resolvingSymlinksInPath()
        if let executable {
            let prefix = executable.deletingLastPathComponent().deletingLastPathComponent()
            folders.append(prefix.appendingPathComponent("share/deckhand/playbooks").path)
        }
        // Sources/deckhand/BuiltInPlaybooks.swift -> the repository's playbooks/.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        if let executable, executable.path.hasPrefix(repository.appendingPathComponent(".build").path + "/") {
            folders.append(repository.appendingPathComponent("playbooks").path)
        }
        return folders
    }

    /// The first `file` found on the search path; a folder is taken whole (its group_vars and templates too).
    static func locate(_ file: String, explicit: String?, configDirectory: String?) throws -> String {
        let folders = searchPath(explicit: explicit, configDirectory: configDirectory)
        for folder in folders {
            let path = (folder as NSString).appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        if let explicit {
            throw DeckhandFailure(.usage, "--playbooks \(explicit) has no \(file): give the folder holding deckhand's playbooks")
        }
        throw DeckhandFailure(.usage, """
            cannot find the built-in playbook \(file) (looked in: \(folders.joined(separator: ", "))): \
            reinstall deckhand with 'make install' or give the folder with --playbooks DIR
            """)
    }
}

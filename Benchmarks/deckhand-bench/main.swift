// Benchmarks: `deckhand-bench [SECTION...]` runs the named sections, or every section without arguments.
// Benchmarks/run builds in release mode, brings up what the sections need, and runs them all.
import Foundation

/// Every section, in the order a full run prints them; a new area adds one line.
let sections: [(name: String, run: () async throws -> Void)] = [
    ("ssh", SSHBenchmark.run),
    ("jinja", JinjaBenchmark.run),
    ("playbook", PlaybookBenchmark.run),
    ("deploy", DeployBenchmark.run),
    ("codeonly", CodeOnlyDeployBenchmark.run),
]

let requested = Array(CommandLine.arguments.dropFirst())
let unknown = requested.filter { name in !sections.contains { $0.name == name } }
if !unknown.isEmpty {
    let known = sections.map(\.name).joined(separator: ", ")
    FileHandle.standardError.write(Data("deckhand-bench: unknown section \(unknown.joined(separator: ", ")); sections: \(known)\n".utf8))
    exit(1)
}
var failed = false
for section in sections where requested.isEmpty || requested.contains(section.name) {
    do {
        try await section.run()
    } catch {
        FileHandle.standardError.write(Data("deckhand-bench: section \(section.name) failed: \(error)\n".utf8))
        failed = true
    }
}
exit(failed ? 1 : 0)

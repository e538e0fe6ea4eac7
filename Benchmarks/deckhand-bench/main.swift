// Benchmarks: `deckhand-bench [SECTION ...]`; no argument runs every section. Benchmarks/run adds the peers.
import Foundation

let sections: [(name: String, run: () throws -> Void)] = [
    ("jinja", JinjaBenchmark.run),
]

let wanted = Array(CommandLine.arguments.dropFirst())
for name in wanted where !sections.contains(where: { $0.name == name }) {
    FileHandle.standardError.write(Data(
        "deckhand-bench: no section '\(name)'; sections: \(sections.map(\.name).joined(separator: ", "))\n".utf8))
    exit(2)
}
for section in sections where wanted.isEmpty || wanted.contains(section.name) {
    do {
        try section.run()
    } catch {
        FileHandle.standardError.write(Data("deckhand-bench \(section.name): \(error)\n".utf8))
        exit(1)
    }
}

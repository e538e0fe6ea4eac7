import Foundation
import Jinja

/// Section `jinja`: the 162-line nginx vhost from the corpus (TLS, maintenance, loops), compiled once
/// and rendered 10,000 times; Benchmarks/jinja_peer.py does the same with Python's jinja2.
enum JinjaBenchmark {
    static let renders = 10_000
    static let caseName = "real_nginx_vhost_tls_maintenance"

    static func run() throws {
        let corpus = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/JinjaTests/Corpus")
        guard case .list(let cases) = try JSONFormat.decode(
            String(contentsOf: corpus.appendingPathComponent("real_templates.json"), encoding: .utf8)),
              let entry = cases.first(where: { $0.lookupField("name") == .string(caseName) }),
              case .string(let file) = entry.lookupField("file"),
              case .dict(let vars) = entry.lookupField("vars"),
              case .string(let expected) = entry.lookupField("expected")
        else {
            throw BenchmarkFailure("case \(caseName) is missing from \(corpus.path)/real_templates.json")
        }
        var variables: [String: Value] = [:]
        for (k, v) in vars { variables[k] = v }

        let environment = Environment(options: .ansible,
                                      loader: FileTemplateLoader(folder: corpus.appendingPathComponent("templates")))
        let template = try environment.template(named: file)
        // A wrong render is not a speed: check the output before timing it.
        guard try template.render(variables) == expected else {
            throw BenchmarkFailure("the engine renders \(file) differently from jinja2; run the corpus tests")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var bytes = 0
        for _ in 0..<renders {
            bytes &+= try template.render(variables).utf8.count
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let lines = try String(contentsOf: corpus.appendingPathComponent("templates/" + file), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).count - 1
        print(String(format: "jinja: deckhand rendered %@ (%d lines) %d times in %.3f s (%.1f µs each) seconds=%.6f",
                     file, lines, renders, seconds, seconds / Double(renders) * 1e6, seconds))
        if bytes == 0 { print("jinja: empty output") }
    }
}

private extension Value {
    func lookupField(_ key: String) -> Value? {
        if case .dict(let d) = self { return d[key] }
        return nil
    }
}

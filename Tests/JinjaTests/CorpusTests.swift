import Foundation
import XCTest
@testable import Jinja

/// The differential corpus: every case in Corpus/*.json was rendered by Python's jinja2 with Ansible's settings
/// (tools/record_jinja_corpus.py); our engine must produce the same text, value or error (kind, template, line).
final class CorpusTests: XCTestCase {
    func testEveryCorpusCaseMatchesJinja2() throws {
        let corpus = try XCTUnwrap(Bundle.module.url(forResource: "Corpus", withExtension: nil),
                                   "the JinjaTests target must copy Corpus/ as a resource")
        let files = try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var total = 0
        var failures: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            guard case .list(let cases) = try JSONFormat.decode(text) else {
                XCTFail("\(file.lastPathComponent): expected a JSON array of cases")
                continue
            }
            for entry in cases {
                guard case .dict(let fields) = entry else { continue }
                let corpusCase = CorpusCase(fields, file: file.lastPathComponent, directory: corpus)
                total += 1
                if let mismatch = corpusCase.run() {
                    failures.append(corpusCase.name)
                    XCTFail("\(file.lastPathComponent) \(corpusCase.name):\n\(mismatch)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(total, 400, "the corpus must hold at least 400 cases")
        print("Jinja corpus: \(total - failures.count) of \(total) cases match jinja2")
    }
}

/// One recorded case: a template (inline or a file), or a bare expression, with its variables and outcome.
struct CorpusCase {
    let name: String
    let fields: [String: Value]
    let directory: URL

    init(_ fields: OrderedDictionaryOfValues, file: String, directory: URL) {
        var plain: [String: Value] = [:]
        for (k, v) in fields { plain[k] = v }
        self.fields = plain
        self.name = plain["name"]?.pythonStr ?? "<unnamed case in \(file)>"
        self.directory = directory
    }

    var variables: [String: Value] {
        guard case .dict(let d)? = fields["vars"] else { return [:] }
        var out: [String: Value] = [:]
        for (k, v) in d { out[k] = v }
        return out
    }

    /// Renders the case; nil when it matches, else what differs.
    func run() -> String? {
        var templates: [String: String] = [:]
        if case .dict(let extra)? = fields["templates"] {
            for (k, v) in extra { templates[k] = v.pythonStr }
        }
        if case .string(let source)? = fields["template"] { templates["main.j2"] = source }
        let environment = Environment(options: .ansible, loader: CorpusLoader(templates: templates, directory: directory))
        do {
            if case .string(let expression)? = fields["expression"] {
                let value = try environment.compileExpression(expression, name: "<expression>")
                    .evaluate(DictionaryScope(variables: variables))
                return compareValue(normalized(value))
            }
            let templateName = fields["file"]?.pythonStr ?? "main.j2"
            let output = try environment.template(named: templateName).render(variables)
            return compareText(output)
        } catch let error as TemplateError {
            return compareError(error)
        } catch {
            return "threw a non-TemplateError \(type(of: error)): \(error)"
        }
    }

    private func compareText(_ actual: String) -> String? {
        if case .dict(let e)? = fields["error"] {
            return "expected an error \(describe(e)), but it rendered:\n\(actual)"
        }
        let expected = fields["expected"]?.pythonStr ?? ""
        return expected == actual ? nil : TextDiff.describe(expected: expected, actual: actual)
    }

    private func compareValue(_ actual: Value) -> String? {
        if case .dict(let e)? = fields["error"] {
            return "expected an error \(describe(e)), but it evaluated to \(actual.pythonRepr)"
        }
        let expected = fields["expected_value"] ?? .none
        return expected == actual ? nil : "expected value \(expected.pythonRepr)\n  actual value \(actual.pythonRepr)"
    }

    private func compareError(_ error: TemplateError) -> String? {
        guard case .dict(let e)? = fields["error"] else {
            return "expected output \(fields["expected"]?.pythonRepr ?? fields["expected_value"]?.pythonRepr ?? "?")\n"
                + "  but it failed: \(error.kind.rawValue) error at \(error.templateName):\(error.line): \(error.message)"
        }
        var problems: [String] = []
        if let kind = e["kind"]?.pythonStr, kind != error.kind.rawValue {
            problems.append("kind \(error.kind.rawValue), expected \(kind)")
        }
        if let template = e["template"]?.pythonStr, template != error.templateName {
            problems.append("template '\(error.templateName)', expected '\(template)'")
        }
        if case .int(let line)? = e["line"], line != error.line {
            problems.append("line \(error.line), expected \(line)")
        }
        if let contains = e["contains"]?.pythonStr, !error.message.contains(contains) {
            problems.append("message does not mention '\(contains)'")
        }
        if problems.isEmpty { return nil }
        return "error differs: " + problems.joined(separator: "; ")
            + "\n  ours:   \(error.kind.rawValue) at \(error.templateName):\(error.line): \(error.message)"
            + "\n  jinja2: \(e["python"]?.pythonStr ?? "")"
    }

    private func describe(_ e: OrderedDictionaryOfValues) -> String {
        "\(e["kind"]?.pythonStr ?? "?") at \(e["template"]?.pythonStr ?? "?"):\(e["line"]?.pythonStr ?? "?") "
            + "(\(e["python"]?.pythonStr ?? ""))"
    }

    /// JSON has no tuples: compare what json.dumps made of Python's value.
    private func normalized(_ value: Value) -> Value {
        switch value {
        case .tuple(let items), .list(let items): return .list(items.map(normalized))
        case .dict(let d): return .dict(d.mapValues(normalized))
        default: return value
        }
    }
}

/// A case's own templates first, then the shared ones in Corpus/templates/.
struct CorpusLoader: TemplateLoader {
    let templates: [String: String]
    let directory: URL

    func loadTemplate(named name: String) throws -> String? {
        if let source = templates[name] { return source }
        let url = directory.appendingPathComponent("templates").appendingPathComponent(name)
        return try? String(contentsOf: url, encoding: .utf8)
    }
}

struct DictionaryScope: VariableScope {
    let variables: [String: Value]
    func value(named name: String) throws -> Value? { variables[name] }
}

/// A readable account of where two texts part: the first differing line, with both versions shown.
enum TextDiff {
    static func describe(expected: String, actual: String) -> String {
        let e = expected.components(separatedBy: "\n")
        let a = actual.components(separatedBy: "\n")
        var line = 0
        while line < min(e.count, a.count) && e[line] == a[line] { line += 1 }
        var out = "output differs at line \(line + 1):\n"
        out += "  expected: \(line < e.count ? Value.pythonStringRepr(e[line]) : "<end of text>")\n"
        out += "  actual:   \(line < a.count ? Value.pythonStringRepr(a[line]) : "<end of text>")\n"
        if expected.count < 600 && actual.count < 600 {
            out += "  full expected: \(Value.pythonStringRepr(expected))\n"
            out += "  full actual:   \(Value.pythonStringRepr(actual))"
        }
        return out
    }
}

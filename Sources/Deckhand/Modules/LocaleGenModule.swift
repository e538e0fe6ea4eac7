import Foundation
import Jinja

/// locale_gen (community.general): makes locales available (or not). On Debian the locale's line of
/// /etc/locale.gen is uncommented (or commented out) and `locale-gen` compiles the enabled ones; on Ubuntu
/// (/var/lib/locales/supported.d) `locale-gen NAME` adds it.
///
///     - locale_gen: { name: de_CH.UTF-8, state: present }
public struct LocaleGenModule: Module {
    static let normalization = [".utf8": ".UTF-8", ".eucjp": ".EUC-JP", ".iso885915": ".ISO-8859-15", ".cp1251": ".CP1251",
                                ".koi8r": ".KOI8-R", ".armscii8": ".ARMSCII-8", ".euckr": ".EUC-KR", ".gbk": ".GBK",
                                ".gb18030": ".GB18030", ".euctw": ".EUC-TW"]

    public static let spec = ModuleSpec(
        name: "locale_gen",
        arguments: [
            ArgumentSpec("name", type: .list, required: true, doc: "Locales with their encoding (de_CH.UTF-8)."),
            ArgumentSpec("state", default: .string("present"), choices: ["present", "absent"], doc: "present or absent."),
        ],
        doc: "Generates locales (uncommenting them in /etc/locale.gen and running locale-gen) or removes them; "
            + "a locale the host does not offer fails, naming it.",
        example: "- locale_gen:\n    name: de_CH.UTF-8\n    state: present")

    var names: [String]
    var present: Bool

    public init(_ arguments: ModuleArguments) throws {
        names = try arguments.requiredList("name")
        present = try arguments.requiredString("state") == "present"
        for name in names where name.isEmpty || name.contains(where: { $0.isWhitespace }) {
            throw ModuleArgumentError("locale_gen: '\(name)' is not a locale name (de_CH.UTF-8)")
        }
    }

    /// `locale -a`, then the mode and the file that lists the available locales.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        .script("""
            echo @@installed; locale -a 2>/dev/null; \
            if test -d /var/lib/locales/supported.d; then echo @@ubuntu; cat /usr/share/i18n/SUPPORTED 2>/dev/null; \
            elif test -f /etc/locale.gen; then echo @@debian; cat /etc/locale.gen; else echo @@none; fi; true
            """)
    }

    static func normalized(_ name: String) -> String {
        normalization.reduce(name) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var installed: Set<String> = []
        var mode = ""
        var available: [String] = []
        for line in (probe?.stdoutText ?? "").splitLines {
            if line.hasPrefix("@@") { mode = String(line.dropFirst(2)); continue }
            if mode == "installed" { installed.insert(LocaleGenModule.normalized(line.trimmed)) } else { available.append(line) }
        }
        if mode == "none" {
            return ModulePlan(result: .failure("/var/lib/locales/supported.d/ and /etc/locale.gen are missing. Is the package \"locales\" installed?"))
        }
        let listed = Set(available.compactMap { line -> String? in
            let fields = line.drop(while: { $0 == "#" }).split(separator: " ", omittingEmptySubsequences: true)
            return fields.count == 2 ? String(fields[0]) : nil
        })
        let unknown = names.filter { !listed.contains($0) && !installed.contains(LocaleGenModule.normalized($0)) }
        if !unknown.isEmpty {
            return ModulePlan(result: .failure("The following locales you've entered are not available on your system: " + unknown.joined(separator: ", ")))
        }
        let isPresent = names.allSatisfy { installed.contains(LocaleGenModule.normalized($0)) }
        var result = ModuleResult(values: ["name": .list(names.map(Value.string))])
        guard isPresent != present else { return .unchanged(result) }
        if context.diffMode {
            result.diffs.append(ModuleDiff(beforeHeader: "locales", afterHeader: "locales",
                                           before: "state: \(isPresent ? "present" : "absent")\n", after: "state: \(present ? "present" : "absent")\n"))
        }
        if mode == "ubuntu" {
            if present { return .change([.run(ShellCommand(words: ["locale-gen"] + names))], result) }
            let keep = ShellCommand(words: ["grep", "-v"] + names.flatMap { ["-e", "^" + NSRegularExpression.escapedPattern(for: $0) + " "] }
                                        + ["/var/lib/locales/supported.d/local"])
            let rewrite = keep.redirectingOutput(to: "/var/lib/locales/supported.d/local.deckhand").or(ShellCommand("true"))
                .and(ShellCommand("mv", "/var/lib/locales/supported.d/local.deckhand", "/var/lib/locales/supported.d/local"))
            return .change([.run(rewrite.and(ShellCommand("locale-gen", "--purge")))], result)
        }
        let edited = available.map { line -> String in
            for name in names {
                guard let regex = try? NSRegularExpression(pattern: "^#?\\s*" + NSRegularExpression.escapedPattern(for: name) + " (.+)"),
                      let found = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                      let charset = Range(found.range(at: 1), in: line) else { continue }
                return (present ? "" : "# ") + name + " " + line[charset]
            }
            return line
        }
        let text = edited.map { $0 + "\n" }.joined()
        return .change([.put(Data(text.utf8), to: "/etc/locale.gen"), .run(ShellCommand("locale-gen"))], result)
    }
}

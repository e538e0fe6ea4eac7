/// Ansible's `version` test (and its old name `version_compare`): `'2.1' is version('2.0', '>')`, with
/// `strict=true` or `version_type=` loose (default), strict, semver/semantic or pep440, as roles compare the
/// versions of what they install.
enum VersionTests {
    static let all: [String: Test] = ["version": version, "version_compare": version]

    private static let operators: [String: CompareOperator] = [
        "==": .eq, "=": .eq, "eq": .eq, "<": .lt, "lt": .lt, "<=": .le, "le": .le, ">": .gt, "gt": .gt,
        ">=": .ge, "ge": .ge, "!=": .ne, "<>": .ne, "ne": .ne,
    ]
    private static let types = ["loose", "strict", "semver", "semantic", "pep440"]

    @Sendable static func version(_ value: Value, _ args: [Value], _ kwargs: [String: Value]) throws -> Bool {
        func argument(_ index: Int, _ name: String) -> Value? {
            index < args.count ? args[index] : kwargs[name]
        }
        for (_, v) in kwargs { if case .undefined(let u) = v { throw TemplateError.undefinedError(u) } }
        if case .undefined(let u) = value { throw TemplateError.undefinedError(u) }
        let strict = argument(2, "strict").flatMap { $0.isNoneValue ? nil : $0 }
        let versionType = argument(3, "version_type").flatMap { $0.isNoneValue ? nil : $0.pythonStr }
        if strict != nil && versionType != nil {
            throw TemplateError.filterError("Cannot specify both 'strict' and 'version_type'")
        }
        guard value.isTruthy else { throw TemplateError.filterError("Input version value cannot be empty") }
        guard let other = argument(0, "version"), other.isTruthy else {
            throw TemplateError.filterError("Version parameter to compare against cannot be empty")
        }
        var kind = strict?.isTruthy == true ? "strict" : "loose"
        if let versionType {
            guard types.contains(versionType) else {
                throw TemplateError.filterError(
                    "Invalid version type (\(versionType)). Must be one of \(types.map { "'\($0)'" }.joined(separator: ", "))")
            }
            kind = versionType == "semantic" ? "semver" : versionType
        }
        let operatorName = argument(1, "operator")?.pythonStr ?? "eq"
        guard let op = operators[operatorName] else {
            throw TemplateError.filterError(
                "Invalid operator type (\(operatorName)). Must be one of \(operators.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        }
        do {
            let order = try compare(try key(value.pythonStr, kind), try key(other.pythonStr, kind))
            switch op {
            case .eq: return order == 0
            case .ne: return order != 0
            case .lt: return order < 0
            case .le: return order <= 0
            case .gt: return order > 0
            default: return order >= 0
            }
        } catch let error as VersionError {
            throw TemplateError.filterError("Version comparison failed: \(error.message)")
        }
    }

    struct VersionError: Error { let message: String }

    /// A version as comparable parts: an Int or a String each, compared in order (Python's tuple order).
    private enum Part { case number(Int), text(String) }

    private static func key(_ text: String, _ kind: String) throws -> [Part] {
        switch kind {
        case "strict":
            guard let m = text.wholeMatch(of: #/(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?/#) else {
                throw VersionError(message: "invalid version number '\(text)'")
            }
            let release: [Part] = [.number(Int(m.1)!), .number(Int(m.2)!), .number(m.3.map { Int($0)! } ?? 0)]
            // A prerelease sorts before its release: "~" is after the letters a and b.
            let pre: [Part] = m.4.map { [.text(String($0)), .number(Int(m.5!)!)] } ?? [.text("~"), .number(0)]
            return release + pre
        case "semver":
            guard let m = text.wholeMatch(of: #/v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?/#) else {
                throw VersionError(message: "invalid semantic version '\(text)'")
            }
            var parts: [Part] = [.number(Int(m.1)!), .number(Int(m.2)!), .number(Int(m.3)!)]
            guard let pre = m.4 else { return parts + [.number(1)] }
            parts.append(.number(0))
            for identifier in pre.split(separator: ".") {
                // Numeric identifiers sort before alphanumeric ones.
                parts += Int(identifier).map { [.number(0), .number($0)] } ?? [.number(1), .text(String(identifier))]
            }
            return parts
        case "pep440":
            guard let m = text.lowercased().wholeMatch(
                of: #/v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|rc|c|pre|preview)[-_.]?(\d*))?(?:[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+[a-z0-9.]+)?/#)
            else { throw VersionError(message: "Invalid version: '\(text)'") }
            var release = m.1.split(separator: ".").map { Int($0)! }
            while release.count > 1, release.last == 0 { release.removeLast() }
            var parts: [Part] = release.map { .number($0) } + [.text("|")]
            let phase = m.2.map { ["alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"][String($0)] ?? String($0) }
            if let phase {
                parts += [.number(1), .text(phase), .number(Int(m.3 ?? "") ?? 0)]
            } else {
                // A dev release without a pre-release sorts before every pre-release of its version.
                parts += [.number(m.4 == nil && m.6 != nil ? 0 : 2), .text(""), .number(0)]
            }
            parts += [.number(m.4 == nil ? -1 : Int(m.5 ?? "") ?? 0)]
            parts += [.number(m.6 == nil ? Int.max : Int(m.6 ?? "") ?? 0)]
            return parts
        default:
            // LooseVersion: runs of digits as numbers, runs of letters as text, dots dropped.
            return text.matches(of: #/\d+|[a-z]+/#).map { Int($0.output).map { .number($0) } ?? .text(String($0.output)) }
        }
    }

    private static func compare(_ a: [Part], _ b: [Part]) throws -> Int {
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.number(let i), .number(let j)) where i != j: return i < j ? -1 : 1
            case (.text(let s), .text(let t)) where s != t: return s < t ? -1 : 1
            case (.number, .text), (.text, .number):
                throw VersionError(message: "'<' not supported between instances of 'int' and 'str'")
            default: continue
            }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

import Foundation
import Jinja
import OrderedCollections

/// setup's `fact_path` (ansible_local): every `*.fact` file of the folder becomes one local fact, named after the
/// file. An executable file is run and its output read; another file is read. The text is JSON or, failing that,
/// INI (sections of options, as Python's configparser reads them). A file that cannot be read this way gives a
/// message in place of its fact, worded as Ansible's.
enum LocalFacts {
    /// Ansible's default fact_path.
    static let defaultFolder = "/etc/ansible/facts.d"

    /// Prints one line per fact file, sorted by name: `path<TAB>kind<TAB>exit<TAB>base64 output<TAB>base64 stderr`,
    /// kind being `stat` (the file cannot be stat'ed: a dangling link), `run` (owner-executable) or `read`.
    static func script(folder: String) -> String {
        """
        (export LC_ALL=C; dir=\(ShellCommand.quote(folder)); [ -d "$dir" ] && for f in "$dir"/*.fact; do
          [ -e "$f" ] || [ -L "$f" ] || continue
          if ! mode=$(stat -L -c %a -- "$f" 2>/dev/null); then printf '%s\\tstat\\t0\\t\\t\\n' "$f"; continue; fi
          if [ $(( 0$mode & 0100 )) -ne 0 ]; then
            err=$(mktemp); out=$("$f" 2>"$err"); rc=$?
            printf '%s\\trun\\t%s\\t%s\\t%s\\n' "$f" "$rc" "$(printf '%s' "$out" | base64 -w 0)" "$(base64 -w 0 < "$err")"
            rm -f "$err"
          else
            printf '%s\\tread\\t0\\t%s\\t\\n' "$f" "$(base64 -w 0 < "$f" 2>/dev/null)"
          fi
        done; true)
        """
    }

    /// The `local` fact from the script's lines.
    static func facts(from lines: [String]) -> Value {
        var local: OrderedDictionary<String, Value> = [:]
        for line in lines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5 else { continue }
            let path = fields[0]
            var name = (path as NSString).lastPathComponent
            name = name.replacingOccurrences(of: ".fact", with: "")
            let output = decoded(fields[3]), errors = decoded(fields[4])
            switch fields[1] {
            case "stat":
                local[name] = .string("Could not stat fact (\(path)): [Errno 2] No such file or directory: '\(path)'")
            case "run" where fields[2] != "0":
                local[name] = .string("Failure executing fact script (\(path)), rc: \(fields[2]), err: \(errors)")
            default:
                local[name] = fact(output, path: path)
            }
        }
        return .dict(local)
    }

    private static func decoded(_ base64: String) -> String {
        Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// JSON first, then INI.
    static func fact(_ text: String, path: String) -> Value {
        if let json = try? JSONFormat.decode(text) { return json }
        do {
            return try IniText.sections(text)
        } catch IniText.Failure.syntax {
            return .string("error loading facts as JSON or ini - please check content: \(path)")
        } catch {
            return .string("error loading facts as ini - please check content: \(path) (\(error))")
        }
    }
}

/// INI text read as Python's configparser reads it with its defaults: `[section]` headers, `key = value` or
/// `key: value` options (keys lowercased), `#`/`;` comment lines, indented continuation lines, DEFAULT's options
/// in every section, and `%` interpolation (`%%`, `%(option)s`).
enum IniText {
    enum Failure: Error, CustomStringConvertible {
        case syntax
        case interpolation(String)
        var description: String {
            switch self {
            case .syntax: return "syntax"
            case .interpolation(let message): return message
            }
        }
    }

    static func sections(_ text: String) throws -> Value {
        var raw: OrderedDictionary<String, OrderedDictionary<String, String>> = [:]
        var section: String?
        var lastKey: String?
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if line.first == " " || line.first == "\t", let current = section, let key = lastKey {
                raw[current]?[key]? += "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
                let name = String(trimmed.dropFirst().dropLast())
                section = name
                lastKey = nil
                if raw[name] == nil { raw[name] = [:] }
                continue
            }
            guard let current = section else { throw Failure.syntax }
            let separator = trimmed.firstIndex { $0 == "=" || $0 == ":" }
            let key = String(separator.map { trimmed[..<$0] } ?? trimmed[...]).trimmingCharacters(in: .whitespaces).lowercased()
            let value = separator.map { String(trimmed[trimmed.index(after: $0)...]).trimmingCharacters(in: .whitespaces) } ?? ""
            raw[current]?[key] = value
            lastKey = key
        }
        let defaults = raw.removeValue(forKey: "DEFAULT") ?? [:]
        var result: OrderedDictionary<String, Value> = [:]
        for (name, options) in raw {
            var merged = options
            for (key, value) in defaults where merged[key] == nil { merged[key] = value }
            var values: OrderedDictionary<String, Value> = [:]
            for (key, value) in merged {
                values[key] = .string(try interpolated(value, key: key, section: name, options: merged, depth: 0))
            }
            result[name] = .dict(values)
        }
        return .dict(result)
    }

    /// configparser's BasicInterpolation.
    private static func interpolated(_ value: String, key: String, section: String,
                                     options: OrderedDictionary<String, String>, depth: Int) throws -> String {
        var out = ""
        var rest = Substring(value)
        while let percent = rest.firstIndex(of: "%") {
            out += rest[..<percent]
            let after = rest[rest.index(after: percent)...]
            if after.hasPrefix("%") {
                out += "%"
                rest = after.dropFirst()
            } else if after.hasPrefix("("), let close = after.firstIndex(of: ")"),
                      after[after.index(after: close)...].hasPrefix("s") {
                let name = after[after.index(after: after.startIndex)..<close].lowercased()
                guard let referenced = options[name], depth < 10 else {
                    throw Failure.interpolation("Bad value substitution: option '\(key)' in section '\(section)' contains an "
                                                + "interpolation key '\(name)' which is not a valid option name. Raw value: '\(value)'")
                }
                out += try interpolated(referenced, key: name, section: section, options: options, depth: depth + 1)
                rest = after[after.index(after: close)...].dropFirst()
            } else {
                throw Failure.interpolation("'%' must be followed by '%' or '(', found: '\(rest[percent...])'")
            }
        }
        return out + rest
    }
}

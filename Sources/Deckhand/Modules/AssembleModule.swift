import Crypto
import Foundation
import Jinja

/// assemble: concatenates the files of a folder (on the host, or on the controller with `remote_src: no`) into
/// one file, written atomically only when it differs.
///
///     - assemble: { src: /etc/app/conf.d, dest: /etc/app/app.conf, delimiter: "### fragment ###" }
public struct AssembleModule: Module {
    public static let spec = ModuleSpec(
        name: "assemble",
        arguments: [
            ArgumentSpec("src", type: .path, required: true,
                         doc: "The folder of fragments: on the host, or with remote_src: no in the role's files/ (or beside the playbook)."),
            ArgumentSpec("dest", type: .path, required: true, doc: "The file to write: the fragments in sorted name order."),
            ArgumentSpec("remote_src", type: .bool, default: .bool(true), doc: "no: src is a folder on the controller."),
            ArgumentSpec("delimiter", doc: "Written between fragments (escapes such as \\n are read), always ending a line."),
            ArgumentSpec("regexp", doc: "Only fragments whose name this (Python-style) regular expression finds something in."),
            ArgumentSpec("ignore_hidden", type: .bool, default: .bool(false), doc: "Leave out fragments whose name starts with a dot."),
            ArgumentSpec("decrypt", type: .bool, default: .bool(true),
                         doc: "Vaulted controller fragments are decrypted (remote_src: no); always on in deckhand."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep the old file beside it, with a timestamp."),
            ArgumentSpec("validate", doc: "A command run on the new file (%s) before it replaces the old one, e.g. `sshd -t -f %s`."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions: octal (\"0644\") or symbolic (u=rw,g=r,o=r)."),
            ArgumentSpec("owner", doc: "User that should own it (name or uid)."),
            ArgumentSpec("group", doc: "Group that should own it (name or gid)."),
        ],
        doc: "Builds a file from a folder of fragments, as Ansible's assemble: every regular file of src (links "
            + "followed, sub-folders left out) in sorted name order, a line break added after a fragment that lacks "
            + "one, the delimiter between fragments. Reports checksum and md5sum of the result; check mode and diff.",
        example: "- assemble:\n    src: /etc/someapp/fragments\n    dest: /etc/someapp/someapp.conf\n    delimiter: '### START FRAGMENT ###'")

    var source: String
    var destination: String
    var remoteSource: Bool
    var delimiter: Data?
    var pattern: NSRegularExpression?
    var ignoreHidden: Bool
    var backup: Bool
    var mode: FileMode?
    var owner: String?
    var group: String?
    /// validate's words, or why they could not be read (reported only when the file is about to be written,
    /// as Ansible's run_command does).
    var validate: Result<[String], ModuleArgumentError>?

    public init(_ arguments: ModuleArguments) throws {
        source = try arguments.requiredString("src")
        destination = try arguments.requiredString("dest")
        remoteSource = try arguments.bool("remote_src")
        delimiter = try arguments.string("delimiter").flatMap { $0.isEmpty ? nil : AssembleModule.unescaped($0) }
        if let regexp = try arguments.string("regexp") {
            do { pattern = try NSRegularExpression(pattern: regexp) } catch {
                throw ModuleArgumentError("Invalid Regexp (\(error.localizedDescription)) in \"\(regexp)\"")
            }
        }
        ignoreHidden = try arguments.bool("ignore_hidden")
        backup = try arguments.bool("backup")
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        if let text = try arguments.string("validate"), !text.isEmpty {
            guard text.contains("%s") else { throw ModuleArgumentError("validate must contain %s: \(text)") }
            do { validate = .success(try ShellWords.split(text)) } catch let error as ModuleArgumentError {
                validate = .failure(error)
            }
        }
    }

    /// Separates the fragments' part of the probe's answer from the dest's.
    static let destinationMarker = "@@deckhand-assemble-dest@@"
    /// Opens each fragment's two lines: its name and its bytes, both base64 so no content can imitate a marker.
    static let fragmentMarker = "@@deckhand-fragment@@"

    /// The dest's state (checksum, and contents for --diff); before it, with a folder on the host, every regular
    /// file of the folder.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        let destination = FileState.probe(self.destination, checksum: true, content: context.diffMode)
        guard remoteSource else { return ShellCommand("echo", AssembleModule.destinationMarker).then(destination) }
        let fragments = ShellCommand(parts: [.assignment("s", source), .syntax("""
            ; if test -d "$s"; then echo folder; for f in "$s"/* "$s"/.[!.]* "$s"/..?*; do test -f "$f" || continue; \
            echo \(AssembleModule.fragmentMarker); printf '%s' "${f##*/}" | base64 -w0; echo; \
            base64 -w0 < "$f" || printf '!'; echo; done; elif test -e "$s"; then echo other; else echo absent; fi
            """)], compound: true)
        return fragments.then(ShellCommand("echo", AssembleModule.destinationMarker)).then(destination)
    }

    /// What the probe found at src on the host: its fragments (name, bytes), or the failure Ansible reports.
    enum HostFolder { case fragments([(String, Data)]), failed(String) }

    func hostFragments(_ listing: String) throws -> HostFolder {
        let lines = listing.splitLines
        switch lines.first {
        case "folder": break
        case "other": return .failed("Source (\(source)) is not a directory")
        default: return .failed("Source (\(source)) does not exist")
        }
        var fragments: [(String, Data)] = []
        var index = 1
        while index + 2 < lines.count, lines[index] == AssembleModule.fragmentMarker {
            guard let nameData = Data(base64Encoded: lines[index + 1]) else { throw ModuleArgumentError("unexpected probe output for assemble's \(source)") }
            let name = String(decoding: nameData, as: UTF8.self)
            guard let content = Data(base64Encoded: lines[index + 2]) else {
                return .failed("could not read the fragment \(source)/\(name) on the host")
            }
            fragments.append((name, content))
            index += 3
        }
        return .fragments(fragments)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        let output = probe?.stdout ?? Data()
        let marker = Data((AssembleModule.destinationMarker + "\n").utf8)
        let split = output.range(of: marker)
        let current = try FileState(probeOutput: split.map { output.subdata(in: $0.upperBound..<output.endIndex) } ?? Data())
        let fragments: [(String, Data)]
        if remoteSource {
            let listing = String(decoding: split.map { output.subdata(in: output.startIndex..<$0.lowerBound) } ?? Data(), as: UTF8.self)
            switch try hostFragments(listing) {
            case .fragments(let found): fragments = found
            case .failed(let message): return ModulePlan(result: .failure(message))
            }
        } else {
            guard let files = try context.listSourceDirectory(source) else {
                return ModulePlan(result: .failure("Source (\(source)) is not a directory"))
            }
            let base = source.hasSuffix("/") ? source : source + "/"
            fragments = try files.filter { !$0.contains("/") }.map { ($0, try context.readSourceFile(base + $0)) }
        }
        let data = assembled(fragments)

        var validateWords: [String]?
        if let validate, ContentDigest.sha1(data) != current.checksum {
            switch validate {
            case .success(let words): validateWords = words
            case .failure(let error): return ModulePlan(result: .failure("Invalid command syntax in run_command: \(error)"))
            }
        }
        let content = FileContent(path: destination, data: data, mode: mode, owner: owner, group: group, backup: backup,
                                  validate: validateWords)
        var plan = try content.plan(current: current, diffMode: context.diffMode)
        guard !plan.result.failed else { return plan }
        plan.result["src"] = .string(source)
        plan.result["md5sum"] = .string(Insecure.MD5.hash(data: data).map { String(format: "%02x", $0) }.joined())
        let written = plan.result.changed && !context.checkMode
        plan.result["state"] = .string(written || current.kind == .file ? "file" : current.kind.rawValue)
        plan.result.msg = "OK"
        if context.diffMode, let diff = plan.result.diffs.first {
            // Ansible's registered diff is one mapping here, not a list.
            plan.result["diff"] = .dict(["before_header": .string(diff.beforeHeader), "after_header": .string(diff.afterHeader),
                                         "before": .string(diff.before), "after": .string(diff.after)])
        }
        return plan
    }

    /// The fragments joined as Ansible's assemble joins them: sorted by name (as bytes), filtered by regexp and
    /// ignore_hidden, a line break after a fragment without one, the delimiter (ending a line) between fragments.
    func assembled(_ fragments: [(String, Data)]) -> Data {
        let newline = UInt8(ascii: "\n")
        var data = Data()
        var first = true
        for (name, content) in fragments.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
            if let pattern, pattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) == nil { continue }
            if ignoreHidden && name.hasPrefix(".") { continue }
            if !first {
                if data.last != newline { data.append(newline) }
                if let delimiter {
                    data.append(delimiter)
                    if delimiter.last != newline { data.append(newline) }
                }
            }
            data.append(content)
            first = false
        }
        return data
    }

    /// Python's codecs.escape_decode, which Ansible applies to the delimiter: `\n`, `\t`, `\\`, `\xhh`, octal...
    static func unescaped(_ text: String) -> Data {
        let bytes = Array(text.utf8)
        var out = Data()
        var index = 0
        func digits(_ start: Int, _ count: Int, radix: Int) -> (UInt8, Int)? {
            var end = start
            while end < bytes.count, end - start < count, Character(Unicode.Scalar(bytes[end])).isHexDigit,
                  radix == 16 || (bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "7")) { end += 1 }
            guard end > start, radix == 8 || end - start == count,
                  let value = Int(String(decoding: bytes[start..<end], as: UTF8.self), radix: radix) else { return nil }
            return (UInt8(truncatingIfNeeded: value), end)
        }
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "n"): 0x0A, UInt8(ascii: "t"): 0x09, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "a"): 0x07,
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "v"): 0x0B, UInt8(ascii: "\\"): 0x5C,
            UInt8(ascii: "'"): 0x27, UInt8(ascii: "\""): 0x22,
        ]
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < bytes.count else { out.append(byte); index += 1; continue }
            let next = bytes[index + 1]
            if let value = simple[next] {
                out.append(value); index += 2
            } else if next == UInt8(ascii: "\n") {
                index += 2
            } else if next == UInt8(ascii: "x"), let (value, end) = digits(index + 2, 2, radix: 16) {
                out.append(value); index = end
            } else if let (value, end) = digits(index + 1, 3, radix: 8) {
                out.append(value); index = end
            } else {
                out.append(byte); index += 1
            }
        }
        return out
    }
}

import Foundation
import Jinja

/// get_url: downloads a URL to a file on the host (curl there), atomically, verified by checksum when given.
///
///     - get_url: { url: "https://example.com/app.tar.gz", dest: /tmp/app.tar.gz, checksum: "sha256:..." }
public struct GetUrlModule: Module {
    public static let spec = ModuleSpec(
        name: "get_url",
        arguments: [
            ArgumentSpec("url", required: true, doc: "What to download, as the host reaches it."),
            ArgumentSpec("dest", type: .path, required: true, doc: "The file to write (a directory: the URL's file name in it)."),
            ArgumentSpec("checksum", default: .string(""), doc: "algorithm:hex (sha256:..., sha1:..., md5:...); a matching dest is not downloaded again."),
            ArgumentSpec("force", type: .bool, default: .bool(false), doc: "Download even when dest exists (changed only if the bytes differ)."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the file."),
            ArgumentSpec("owner", doc: "Owner of the file."),
            ArgumentSpec("group", doc: "Group of the file."),
            ArgumentSpec("timeout", type: .int, default: .int(10), doc: "Seconds before giving up."),
            ArgumentSpec("validate_certs", type: .bool, default: .bool(true), doc: "Check the server's TLS certificate."),
            ArgumentSpec("headers", type: .dict, doc: "Request headers."),
            ArgumentSpec("url_username", aliases: ["username"], doc: "Basic auth user."),
            ArgumentSpec("url_password", aliases: ["password"], noLog: true, doc: "Basic auth password."),
        ],
        doc: "Downloads a file with curl on the host into a temporary file beside dest, checks the checksum, then "
            + "renames it into place. An existing dest is left alone unless force is set or its checksum differs.",
        example: "- get_url:\n    url: https://example.com/node_exporter.tar.gz\n    dest: /opt/node_exporter.tar.gz\n    checksum: sha256:0123...")

    var url: String
    var dest: String
    var algorithm: String?
    var digest: String?
    var force: Bool
    var mode: FileMode?
    var owner: String?
    var group: String?
    var curlWords: [String]

    public init(_ arguments: ModuleArguments) throws {
        url = try arguments.requiredString("url")
        dest = try arguments.requiredString("dest")
        let checksum = try arguments.requiredString("checksum")
        if !checksum.isEmpty {
            let pair = checksum.split(separator: ":", maxSplits: 1).map(String.init)
            guard pair.count == 2, ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"].contains(pair[0].lowercased()),
                  pair[1].allSatisfy({ $0.isHexDigit }) else {
                throw ModuleArgumentError("checksum must be algorithm:hex (sha256:...), got \(checksum)")
            }
            algorithm = pair[0].lowercased()
            digest = pair[1].lowercased()
        }
        force = try arguments.bool("force")
        mode = try arguments.mode()
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        var words = ["curl", "-sS", "-f", "-L", "--max-time", String(try arguments.requiredInt("timeout"))]
        if !(try arguments.bool("validate_certs")) { words.append("-k") }
        if let user = try arguments.string("url_username") {
            words += ["-u", user + ":" + (try arguments.string("url_password") ?? "")]
        }
        if case .dict(let headers)? = arguments.value("headers") {
            for (key, value) in headers {
                let header = key + ": " + value.displayText
                guard !header.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }), !key.contains(":") else {
                    throw ModuleArgumentError("header \(key.debugDescription) must be one line without ':' in its name")
                }
                words += ["-H", header]
            }
        }
        curlWords = words
    }

    /// dest itself, or the URL's last path component inside dest when dest is a directory.
    private var fileName: String {
        let name = URL(string: url)?.lastPathComponent ?? ""
        return name.isEmpty || name == "/" ? "index.html" : name
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        var parts: [ShellCommand.Part] = [.assignment("d", dest), .syntax("; if test -d \"$d\"; then d=\"$d\"/"), .word(fileName), .syntax("; echo directory; fi;"),
                                          .syntax("printf 'path %s\\n' \"$d\"; if test -f \"$d\"; then echo exists; stat -c 'stat %a %u %g %U %G %s' -- \"$d\";")]
        if let algorithm {
            parts.append(.syntax("printf 'sum %s\\n' \"$(\(algorithm)sum < \"$d\" | cut -d' ' -f1)\";"))
        }
        parts.append(.syntax("fi; true"))
        return ShellCommand(parts: parts, compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var fields: [String: String] = [:]
        var flags: Set<String> = []
        for line in (probe?.stdoutText ?? "").splitLines {
            let pair = line.split(separator: " ", maxSplits: 1).map(String.init)
            if pair.count == 2 { fields[pair[0]] = pair[1] } else if let word = pair.first { flags.insert(word) }
        }
        let path = fields["path"] ?? dest
        var result = ModuleResult()
        result["dest"] = .string(path)
        result["url"] = .string(url)
        if let digest { result["checksum_dest"] = fields["sum"].map(Value.string) ?? Value.none; result["checksum_src"] = .string(digest) }
        let exists = flags.contains("exists")
        let matches = digest.map { fields["sum"] == $0 } ?? true
        if exists && matches && !force {
            var state = FileState(kind: .file)
            if let stat = fields["stat"]?.split(separator: " ").map(String.init), stat.count == 6 {
                state.mode = Int(stat[0], radix: 8); state.uid = Int(stat[1]); state.gid = Int(stat[2])
                state.owner = stat[3]; state.group = stat[4]
            }
            result.msg = "file already exists"
            if let change = try state.attributeChanges(mode: mode, owner: owner, group: group) {
                return .change([.run(FileState.applying(change, to: path))], result)
            }
            return .unchanged(result)
        }
        let newMode = try mode?.resolve(current: nil, isDirectory: false)
        let directory = (path as NSString).deletingLastPathComponent
        var script: [ShellCommand.Part] = [.assignment("d", path), .syntax(";"),
            .syntax("t=$(mktemp"), .word((directory.isEmpty ? "." : directory) + "/.deckhand-get_url.XXXXXX"), .syntax(") || exit 1;")]
        script += ShellCommand(words: curlWords + ["-o"]).parts + [.syntax("\"$t\" --"), .word(url), .syntax("|| { rc=$?; rm -f \"$t\"; exit $rc; };")]
        if let algorithm, let digest {
            script += [.syntax("s=$(\(algorithm)sum < \"$t\" | cut -d' ' -f1); if test \"$s\" !="), .word(digest),
                       .syntax("; then rm -f \"$t\"; echo \"checksum mismatch: got $s\" >&2; exit 3; fi;")]
        }
        script += [.syntax("if test -f \"$d\" && cmp -s \"$t\" \"$d\"; then rm -f \"$t\"; echo unchanged; exit 0; fi;")]
        script += newMode.map { [.syntax("chmod \(String($0, radix: 8)) \"$t\" &&")] } ?? [.syntax("chmod 644 \"$t\" &&")]
        if owner != nil || group != nil {
            script += [.syntax("chown"), .word((owner ?? "") + (group.map { ":" + $0 } ?? "")), .syntax("\"$t\" &&")]
        }
        script += [.syntax("mv -f \"$t\" \"$d\" || { rc=$?; rm -f \"$t\"; exit $rc; }; echo downloaded")]
        let action = HostAction.run(ShellCommand(parts: script, compound: true)).interpreting { output, result in
            if output.stdoutText.contains("unchanged") { result.changed = false; result.msg = "file already exists" }
            else if output.exitStatus == 0 { result.msg = "OK" }
        }
        return .change([action], result)
    }
}

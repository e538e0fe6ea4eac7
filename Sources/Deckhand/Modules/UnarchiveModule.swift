import Foundation
import Jinja

/// unarchive: unpacks a tar (any compression tar recognises) or zip archive into an existing directory.
/// The archive comes from the controller (uploaded to a temporary file), from the host (remote_src), or from a
/// URL the host downloads. It is first unpacked into a scratch directory and compared with dest file by file:
/// only a difference unpacks it for real, so a second run reports ok, and check mode predicts without writing dest.
///
///     - unarchive: { src: app.tar.gz, dest: /opt/app }
///     - unarchive: { src: "https://example.com/tool.zip", dest: /usr/local/lib, remote_src: yes, creates: /usr/local/lib/tool }
public struct UnarchiveModule: Module {
    public static let spec = ModuleSpec(
        name: "unarchive",
        arguments: [
            ArgumentSpec("src", required: true, doc: "The archive: a controller file (files/), a host path with remote_src, or a URL."),
            ArgumentSpec("dest", type: .path, required: true, doc: "The existing directory to unpack into."),
            ArgumentSpec("remote_src", type: .bool, default: .bool(false), doc: "src is on the host (or a URL the host downloads)."),
            ArgumentSpec("copy", type: .bool, doc: "Deprecated opposite of remote_src."),
            ArgumentSpec("creates", type: .path, doc: "Do nothing when this path exists."),
            ArgumentSpec("list_files", type: .bool, default: .bool(false), doc: "Return the archive's entries as files."),
            ArgumentSpec("exclude", type: .list, doc: "Entries (patterns) not to unpack."),
            ArgumentSpec("include", type: .list, doc: "Only these entries."),
            ArgumentSpec("extra_opts", type: .list, doc: "More words for tar or unzip."),
            ArgumentSpec("keep_newer", type: .bool, default: .bool(false), doc: "Do not replace files newer than the archive's (tar)."),
            ArgumentSpec("mode", type: .mode, doc: "Permissions of the unpacked entries (octal)."),
            ArgumentSpec("owner", doc: "Owner of the unpacked entries."),
            ArgumentSpec("group", doc: "Group of the unpacked entries."),
            ArgumentSpec("validate_certs", type: .bool, default: .bool(true), doc: "Check a URL's certificate."),
            ArgumentSpec("decrypt", type: .bool, default: .bool(true), doc: "Accepted for compatibility: a vaulted controller archive is decrypted as copy's src is."),
        ],
        mutuallyExclusive: [["include", "exclude"]],
        doc: "Unpacks a tar or zip archive (from the controller, the host or a URL) into an existing directory; changed only "
            + "when an unpacked entry differs from dest (content, link, owner, group, mode). Needs tar or unzip on the host. "
            + "In check mode a zip is predicted and a tar skipped, as Ansible does (the msg says what would change).",
        example: "- unarchive:\n    src: app.tar.gz\n    dest: /opt/app")

    var source: String
    var dest: String
    var remote: Bool
    var creates: String?
    var listFiles: Bool
    var exclude: [String]
    var include: [String]
    var extraOptions: [String]
    var keepNewer: Bool
    var mode: Int?
    var owner: String?
    var group: String?
    var validateCerts: Bool

    public init(_ arguments: ModuleArguments) throws {
        source = try arguments.requiredString("src")
        dest = try arguments.requiredString("dest")
        remote = try arguments.bool("remote_src")
        if let copy = try arguments.optionalBool("copy") { remote = !copy }
        if source.contains("://") { remote = true }
        creates = try arguments.string("creates")
        listFiles = try arguments.bool("list_files")
        exclude = try arguments.list("exclude") ?? []
        include = try arguments.list("include") ?? []
        extraOptions = try arguments.list("extra_opts") ?? []
        keepNewer = try arguments.bool("keep_newer")
        mode = try arguments.mode()?.resolve(current: nil, isDirectory: false)
        owner = try arguments.string("owner")
        group = try arguments.string("group")
        validateCerts = try arguments.bool("validate_certs")
    }

    /// `creates` first: when it exists, nothing is read or uploaded.
    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        guard let creates else { return nil }
        return ShellCommand("test", "-e", creates).and(ShellCommand("echo", "exists")).or(ShellCommand("true"))
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult(values: ["dest": .string(dest), "src": .string(source)])
        if let creates, probe?.stdoutText.trimmed == "exists" {
            // Ansible's action plugin skips the task (AnsibleActionSkip), so the status is skipped, not ok.
            result.msg = "skipped, since \(creates) exists"
            result.skipped = true
            return .unchanged(result)
        }
        var actions: [HostAction] = []
        var archive = source
        var uploaded = false
        if !remote {
            let data = try context.readSourceFile(source)
            archive = "/tmp/.deckhand-unarchive-\(UUID().uuidString)"
            actions.append(.put(data, to: archive, mode: 0o600))
            uploaded = true
        }
        actions.append(HostAction.run(script(archive: archive, uploaded: uploaded, check: context.checkMode)).interpreting { output, result in
            try UnarchiveModule.read(output.stdoutText, into: &result, dest: self.dest, source: self.source, listFiles: self.listFiles,
                                     check: context.checkMode)
        })
        return ModulePlan(actions: actions, result: result, runsInCheckMode: true)
    }

    /// One shell script on the host: fetch (URL), unpack into scratch, compare, and unless checking, unpack into dest.
    func script(archive: String, uploaded: Bool, check: Bool) -> ShellCommand {
        let url = archive.contains("://")
        var tarWords = ["tar", "-x"] + (keepNewer ? ["--keep-newer-files"] : []) + exclude.map { "--exclude=" + $0 } + extraOptions + ["-f"]
        var unzipWords = ["unzip", "-qq", "-o"] + extraOptions
        let members = include
        func tar(_ into: String) -> ShellCommand {
            ShellCommand(parts: tarWords.map { .word($0) } + [.syntax("\"$a\" -C \"\(into)\"")] + members.map { .word($0) }, compound: false)
        }
        func unzip(_ into: String) -> ShellCommand {
            ShellCommand(parts: unzipWords.map { .word($0) } + [.syntax("\"$a\"")] + members.map { .word($0) }
                         + (exclude.isEmpty ? [] : [.word("-x")] + exclude.map { .word($0) }) + [.syntax("-d \"\(into)\"")], compound: false)
        }
        tarWords = tarWords.filter { !$0.isEmpty }
        unzipWords = unzipWords.filter { !$0.isEmpty }
        var parts: [ShellCommand.Part] = [
            .assignment("a", archive), .syntax(";"), .assignment("d", dest), .syntax(";"),
            .assignment("owner", owner ?? ""), .syntax(";"), .assignment("group", group ?? ""), .syntax(";"),
            .assignment("mode", mode.map { String($0, radix: 8) } ?? ""), .syntax(";"),
            .assignment("up", uploaded ? archive : ""), .syntax(";"),
            .syntax("t=$(mktemp -d) || exit 1; trap 'rm -rf \"$t\" \"$t.report\" \"$t.download\"; test -z \"$up\" || rm -f \"$up\"' EXIT;"),
            .syntax("test -d \"$d\" || { echo @@nodest; exit 0; };"),
        ]
        if url {
            parts += [.syntax("u=\"$a\"; a=\"$t.download\";")] + ShellCommand(words: ["curl", "-fsSL"] + (validateCerts ? [] : ["-k"]))
                .grouped + [.syntax("-o \"$a\" -- \"$u\" || { echo \"@@download $u\"; exit 1; };")]
        } else {
            parts.append(.syntax("test -f \"$a\" || { echo @@nosrc; exit 0; };"))
        }
        parts.append(.syntax("if unzip -tqq \"$a\" >/dev/null 2>&1; then kind=zip; elif tar -tf \"$a\" >/dev/null 2>&1; then kind=tar; else echo @@unknown; exit 0; fi; echo \"@@handler $kind\";"))
        parts.append(.syntax("if test $kind = zip; then"))
        parts += unzip("$t").parts
        parts.append(.syntax("|| exit 1; else"))
        parts += tar("$t").parts
        parts.append(.syntax("|| exit 1; fi;"))
        parts.append(.syntax("""
            (cd "$t" && find . -mindepth 1 -print) | while IFS= read -r f; do f=${f#./}; echo "@@file $f"; \
            if test -L "$t/$f"; then test "$(readlink "$t/$f")" = "$(readlink "$d/$f" 2>/dev/null)" || echo "@@differs $f"; \
            elif test -d "$t/$f"; then test -d "$d/$f" -a ! -L "$d/$f" || echo "@@differs $f"; \
            else cmp -s "$t/$f" "$d/$f" || echo "@@differs $f"; fi; \
            if test -e "$d/$f" -a ! -L "$d/$f"; then \
            test -z "$owner" || test "$(stat -c %U "$d/$f")" = "$owner" || echo "@@differs $f"; \
            test -z "$group" || test "$(stat -c %G "$d/$f")" = "$group" || echo "@@differs $f"; \
            test -z "$mode" || test "$(stat -c %a "$d/$f")" = "$mode" || echo "@@differs $f"; fi; \
            done > "$t.report" || exit 1; cat "$t.report";
            """))
        if !check {
            parts.append(.syntax("if grep -q '^@@differs ' \"$t.report\"; then if test $kind = zip; then"))
            parts += unzip("$d").parts
            parts.append(.syntax("|| exit 1; else"))
            parts += tar("$d").parts
            parts.append(.syntax("""
                || exit 1; fi; sed -n 's/^@@file //p' "$t.report" | while IFS= read -r f; do \
                if test -n "$owner$group"; then chown -h "$owner${group:+:$group}" "$d/$f" || exit 1; fi; \
                if test -n "$mode" -a ! -L "$d/$f"; then chmod "$mode" "$d/$f" || exit 1; fi; done || exit 1; echo @@extracted; fi;
                """))
        }
        parts.append(.syntax("rm -f \"$t.report\""))
        return ShellCommand(parts: parts, compound: true)
    }

    /// Reads the script's report. In check mode a tar archive is skipped, as Ansible's unarchive skips it ("does not
    /// support check mode when using gtar"), so both report the same status; the comparison's answer is kept in msg.
    static func read(_ output: String, into result: inout ModuleResult, dest: String, source: String, listFiles: Bool,
                     check: Bool = false) throws {
        var files: [String] = []
        var differs = false
        for line in output.splitLines {
            switch line {
            case "@@nodest": throw ModuleArgumentError("Destination '\(dest)' must be an existing dir")
            case "@@nosrc": throw ModuleArgumentError("Source '\(source)' does not exist")
            case "@@unknown": throw ModuleArgumentError("Failed to find handler for \"\(source)\". Make sure the required command to extract the file is installed (tar, unzip).")
            default:
                if line.hasPrefix("@@handler ") { result["handler"] = .string(line.hasSuffix("zip") ? "ZipArchive" : "TgzArchive") }
                if line.hasPrefix("@@file ") { files.append(String(line.dropFirst(7))) }
                if line.hasPrefix("@@differs ") { differs = true }
            }
        }
        result.changed = differs
        if listFiles { result["files"] = .list(files.map(Value.string)) }
        if check && result["handler"] == .string("TgzArchive") {
            result.changed = false
            result.skipped = true
            result.msg = "remote module (unarchive) does not support check mode when using gtar (deckhand compared it: "
                + (differs ? "it would unpack" : "nothing would change") + ")"
        }
    }
}

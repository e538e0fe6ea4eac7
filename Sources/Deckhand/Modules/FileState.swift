import Foundation

/// What a path is on the host, read by one probe command: kind, link target, mode, owner, group,
/// optionally its SHA-1 and its contents.
public struct FileState: Sendable, Hashable {
    public enum Kind: String, Sendable { case absent, file, directory, link, other }

    public var kind: Kind
    public var linkTarget: String?
    public var mode: Int?
    public var uid: Int?
    public var gid: Int?
    public var owner: String?
    public var group: String?
    public var checksum: String?
    /// The file's bytes when the probe asked for them (lineinfile, --diff).
    public var content: Data?

    public var exists: Bool { kind != .absent }

    static let contentMarker = "@@deckhand-content@@"

    /// The probe: a few lines of `key value`, then (when asked) a marker and the raw contents.
    /// With `inside`: when `path` is a folder, the file called that in it is probed instead (copy's dest), and
    /// named on an `into <path>` line (see `redirected`).
    /// With `following`: a link is followed to where it finally leads, named the same way (copy's follow).
    public static func probe(_ path: String, checksum: Bool = false, content: Bool = false, inside name: String? = nil,
                             following: Bool = false) -> ShellCommand {
        var parts: [ShellCommand.Part] = [.assignment("p", path), .syntax(";")]
        if following {
            parts.append(.syntax("if test -L \"$p\"; then p=$(readlink -f -- \"$p\"); printf 'into %s\\n' \"$p\"; fi;"))
        }
        if let name {
            parts += [.assignment("n", name), .syntax("; if test -d \"$p\"; then p=\"$p/$n\"; printf 'into %s\\n' \"$p\"; fi;")]
        }
        parts.append(describingP)
        if checksum {
            parts.append(.syntax("test -f \"$p\" && printf 'sha1 %s\\n' \"$(sha1sum < \"$p\" | cut -c1-40)\";"))
        }
        if content {
            parts.append(.syntax("echo \(contentMarker); test -f \"$p\" && cat -- \"$p\";"))
        }
        parts.append(.syntax("true"))
        return ShellCommand(parts: parts, compound: true)
    }

    static let followedMarker = "@@deckhand-followed@@"

    /// The probe of `path`, then the probe of where it finally leads, after `followedMarker` and a
    /// `resolved <path>` line (file's `follow`): of `path` itself when it is a link, or of `link` when given
    /// (a link about to be made; relative to `path`'s folder as the link would be).
    public static func probe(_ path: String, following link: String?) -> ShellCommand {
        var parts: [ShellCommand.Part] = [.assignment("p", path), .syntax(";"), describingP]
        if let link {
            let absolute = link.hasPrefix("/") ? link : (path as NSString).deletingLastPathComponent + "/" + link
            parts += [.assignment("l", absolute), .syntax("; if true; then")]
        } else {
            parts += [.syntax("l=$p; if test -L \"$l\"; then")]
        }
        parts += [.syntax("echo \(followedMarker); p=$(readlink -f -- \"$l\"); printf 'resolved %s\\n' \"$p\";"),
                  describingP, .syntax("fi; true")]
        return ShellCommand(parts: parts, compound: true)
    }

    /// Splits a `probe(_:following:)` answer: the path's state, and where it leads (path, state) when probed.
    static func followed(_ output: Data) throws -> (FileState, (path: String, state: FileState)?) {
        let marker = Data(("\n" + followedMarker + "\n").utf8)
        guard let range = output.range(of: marker) else { return (try FileState(probeOutput: output), nil) }
        let rest = output.subdata(in: range.upperBound..<output.endIndex)
        let text = String(decoding: rest, as: UTF8.self)
        let path = text.splitLines.first { $0.hasPrefix("resolved ") }.map { String($0.dropFirst(9)) } ?? ""
        let target = path.isEmpty ? FileState(kind: .absent) : try FileState(probeOutput: rest)
        return (try FileState(probeOutput: output.subdata(in: output.startIndex..<range.lowerBound)), (path, target))
    }

    /// Shell text describing the path in `$p`: its kind, link target and stat line.
    private static let describingP = ShellCommand.Part.syntax("""
            if test -L "$p"; then echo kind link; printf 'target %s\\n' "$(readlink -- "$p")"; \
            elif test -d "$p"; then echo kind directory; elif test -f "$p"; then echo kind file; \
            elif test -e "$p"; then echo kind other; else echo kind absent; fi; \
            stat -c 'stat %a %u %g %U %G' -- "$p" 2>/dev/null;
            """)

    /// The path an `inside:` probe moved to, when the path it was given is a folder.
    static func redirected(_ output: Data) -> String? {
        let header = output.range(of: Data(("\n" + contentMarker + "\n").utf8)).map { output[..<$0.lowerBound] } ?? output[...]
        return String(decoding: header, as: UTF8.self).splitLines.last { $0.hasPrefix("into ") }.map { String($0.dropFirst(5)) }
    }

    /// Reads the probe's output; empty output means absent.
    public init(probeOutput: Data) throws {
        var header = probeOutput
        var body: Data?
        if let range = probeOutput.range(of: Data(("\n" + FileState.contentMarker + "\n").utf8)) {
            header = probeOutput.subdata(in: probeOutput.startIndex..<range.lowerBound)
            body = probeOutput.subdata(in: range.upperBound..<probeOutput.endIndex)
        }
        kind = .absent
        for line in String(decoding: header, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard fields.count == 2 else { continue }
            switch fields[0] {
            case "kind": kind = Kind(rawValue: fields[1]) ?? .other
            case "target": linkTarget = fields[1]
            case "sha1": checksum = fields[1]
            case "stat":
                let parts = fields[1].split(separator: " ").map(String.init)
                guard parts.count == 5 else { continue }
                mode = Int(parts[0], radix: 8)
                uid = Int(parts[1])
                gid = Int(parts[2])
                owner = parts[3]
                group = parts[4]
            default: continue
            }
        }
        if kind == .file { content = body }
    }

    public init(kind: Kind) {
        self.kind = kind
    }

    /// The attributes that differ from what is wanted, as (mode, owner, group) to set; nil when none do.
    func attributeChanges(mode wanted: FileMode?, owner: String?, group: String?) throws
        -> (mode: Int?, owner: String?, group: String?)? {
        var change: (mode: Int?, owner: String?, group: String?) = (nil, nil, nil)
        if let wanted {
            let target = try wanted.resolve(current: mode, isDirectory: kind == .directory)
            if target != mode { change.mode = target }
        }
        if let owner, owner != self.owner, Int(owner) != uid || Int(owner) == nil { change.owner = owner }
        if let group, group != self.group, Int(group) != gid || Int(group) == nil { change.group = group }
        return change.mode == nil && change.owner == nil && change.group == nil ? nil : change
    }

    /// chmod/chown commands applying `change` to `path` (`-h` for links so the link itself changes).
    static func applying(_ change: (mode: Int?, owner: String?, group: String?), to path: String, link: Bool = false) -> ShellCommand {
        var command = ShellCommand(words: [])
        if let mode = change.mode, !link {
            command = command.and(ShellCommand("chmod", String(mode, radix: 8), "--", path))
        }
        if change.owner != nil || change.group != nil {
            let spec = (change.owner ?? "") + (change.group.map { ":" + $0 } ?? "")
            command = command.and(ShellCommand(words: ["chown"] + (link ? ["-h"] : []) + [spec, "--", path]))
        }
        return command
    }

    /// What the file held when probed (with its contents), for a write that must not overwrite a later edit.
    var expectation: FileExpectation? {
        switch kind {
        case .absent: return .absent
        case .file: return content.map { .sha1(ContentDigest.sha1($0)) }
        default: return nil
        }
    }

    /// A one-line summary for state diffs.
    var summary: String {
        var text = "state: \(kind.rawValue)"
        if let linkTarget { text += "\nsrc: \(linkTarget)" }
        if let mode { text += "\nmode: 0" + String(mode, radix: 8) }
        if let owner { text += "\nowner: \(owner)" }
        if let group { text += "\ngroup: \(group)" }
        return text + "\n"
    }
}

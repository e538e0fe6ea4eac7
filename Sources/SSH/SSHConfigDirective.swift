/// Where a line of ssh config came from, for error messages that say what to fix.
public struct SSHConfigLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public var description: String { "\(file):\(line)" }
}

/// A keyword of ssh config that deckhand understands, with its value already checked.
enum SSHConfigSetting: Sendable, Equatable {
    /// May contain `%h` and `%%`.
    case hostName(String)
    case user(String)
    case port(Int)
    /// May contain `~` and `%` tokens, expanded at resolution.
    case identityFile(String)
    case identitiesOnly(Bool)
    /// Hops first to last; empty for `none`.
    case proxyJump([SSHTarget])
    case strictHostKeyChecking(HostKeyPolicy)
    /// May contain `~` and `%` tokens, expanded at resolution.
    case userKnownHostsFiles([String])
    /// Read after the user's files, never written; may contain `~` and `%` tokens.
    case globalKnownHostsFiles([String])
    case connectTimeout(seconds: Int)
    case serverAliveInterval(seconds: Int)
    case serverAliveCountMax(Int)
}

/// One `Match` criterion deckhand can evaluate.
enum SSHMatchCriterion: Sendable, Equatable {
    case all
    /// The host name as resolved so far (HostName applied).
    case host(SSHHostPatternList)
    /// The name as typed on the command line.
    case originalHost(SSHHostPatternList)
    case user(SSHHostPatternList)
    case localUser(SSHHostPatternList)
    /// `exec`, `canonical`, `final` and the like: never true, so their blocks are skipped.
    case unsupported(String)
}

/// A criterion of a `Match` line, possibly negated with `!`.
struct SSHMatchTerm: Sendable, Equatable {
    let negated: Bool
    let criterion: SSHMatchCriterion
}

/// The condition that opens a block of settings.
enum SSHConfigCondition: Sendable, Equatable {
    case host(SSHHostPatternList)
    /// All terms must hold.
    case match([SSHMatchTerm])
    /// Blocks of an Include made from an inactive block never apply (OpenSSH's SSHCONF_NEVERMATCH).
    case never
}

/// One setting line, with the conditions (indexes into `SSHConfig.conditions`) that must all hold for it to apply.
struct SSHConfigDirective: Sendable {
    let setting: SSHConfigSetting
    let location: SSHConfigLocation
    let conditions: [Int]
}

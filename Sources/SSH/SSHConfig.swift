import Foundation

/// Settings given on deckhand's command line; they win over the ssh config, for the target and every jump host.
public struct SSHConfigOverrides: Sendable {
    public var hostKeyPolicy: HostKeyPolicy?
    public var connectTimeout: Duration?

    public init(hostKeyPolicy: HostKeyPolicy? = nil, connectTimeout: Duration? = nil) {
        self.hostKeyPolicy = hostKeyPolicy
        self.connectTimeout = connectTimeout
    }
}

/// An OpenSSH client configuration (~/.ssh/config or `-F FILE`) that turns `[user@]host[:port]` or a Host alias
/// into the options of one connection, the way `ssh` would read it.
///
/// Per keyword the first value that applies wins, except IdentityFile, which accumulates. Keywords deckhand does
/// not use are ignored; a bad value of one it uses is an error naming file:line, even in a block that would not apply.
public struct SSHConfig: Sendable {
    let directives: [SSHConfigDirective]
    let conditions: [SSHConfigCondition]
    public let environment: SSHConfigEnvironment

    /// OpenSSH's default keys, offered in this order when no IdentityFile applies and they exist.
    static let defaultIdentityFiles = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"]
    static let defaultKnownHostsFile = "~/.ssh/known_hosts"
    /// Enough for any sane jump chain; more means a ProxyJump refers back to itself.
    static let maximumJumpDepth = 8

    /// Reads `file` alone when given (it must exist), else ~/.ssh/config (when present) then the system file.
    public static func load(file: String? = nil, environment: SSHConfigEnvironment = .current) throws -> SSHConfig {
        var parser = SSHConfigParser(environment: environment)
        if let file {
            try parser.parseFile(environment.expandTilde(file), isSystem: false)
        } else {
            let userFile = environment.homeDirectory + "/.ssh/config"
            if FileManager.default.fileExists(atPath: userFile) {
                try parser.parseFile(userFile, isSystem: false)
            }
            if let systemFile = environment.systemConfigFile, FileManager.default.fileExists(atPath: systemFile) {
                try parser.parseFile(systemFile, isSystem: true)
            }
        }
        return SSHConfig(directives: parser.directives, conditions: parser.conditions, environment: environment)
    }

    /// Parses `text` as if read from `file` (a name for error messages; relative Includes resolve in ~/.ssh).
    public init(text: String, file: String = "ssh_config", environment: SSHConfigEnvironment = .current) throws {
        var parser = SSHConfigParser(environment: environment)
        try parser.parse(text: text, file: file, isSystem: false)
        self.init(directives: parser.directives, conditions: parser.conditions, environment: environment)
    }

    init(directives: [SSHConfigDirective], conditions: [SSHConfigCondition], environment: SSHConfigEnvironment) {
        self.directives = directives
        self.conditions = conditions
        self.environment = environment
    }

    /// The connection options for `target` (`[user@]host[:port]` or a Host alias), jump hosts included.
    public func resolve(_ target: String, overrides: SSHConfigOverrides = SSHConfigOverrides()) throws -> SSHConnectOptions {
        let parsed: SSHTarget
        do {
            parsed = try SSHTarget(parsing: target)
        } catch let error as SSHTargetError {
            throw SSHError(.config, host: target,
                           "expected [user@]host[:port] or a Host alias of the ssh config, got \(error.problem).")
        }
        return try resolve(parsed, overrides: overrides)
    }

    public func resolve(_ target: SSHTarget, overrides: SSHConfigOverrides = SSHConfigOverrides()) throws -> SSHConnectOptions {
        try resolve(target, overrides: overrides, chain: [], withJumps: true)
    }

    // MARK: Resolution

    /// `chain` holds the hosts whose ProxyJump led here, to catch a jump host that jumps through itself.
    private func resolve(_ target: SSHTarget, overrides: SSHConfigOverrides, chain: [String], withJumps: Bool) throws -> SSHConnectOptions {
        // ssh lowercases the host name it is given before matching and connecting; so do we.
        var target = target
        target.host = target.host.lowercased()
        let settings = applicableSettings(for: target)
        let hostName = settings.hostName.map { expandHostName($0, alias: target.host) } ?? target.host
        let user = target.user ?? settings.user ?? environment.localUser
        let port = target.port ?? settings.port ?? 22

        var options = SSHConnectOptions(host: hostName, port: port, user: user)
        let tokens = PathTokens(environment: environment, hostName: hostName, alias: target.host, port: port, user: user)
        options.identityFiles = settings.identityFiles.isEmpty
            ? Self.defaultIdentityFiles.map(environment.expandTilde).filter(environment.fileExists)
            : settings.identityFiles.map(tokens.expand)
        options.identitiesOnly = settings.identitiesOnly ?? false
        options.knownHostsFiles = (settings.knownHostsFiles ?? [Self.defaultKnownHostsFile]).map(tokens.expand)
        options.globalKnownHostsFiles = settings.globalKnownHostsFiles?.map(tokens.expand)
            ?? SSHConnectOptions.defaultGlobalKnownHostsFiles
        options.hostKeyPolicy = overrides.hostKeyPolicy ?? settings.hostKeyPolicy ?? .strict
        if let timeout = overrides.connectTimeout {
            options.connectTimeout = timeout
        } else if let seconds = settings.connectTimeout {
            options.connectTimeout = .seconds(seconds)
        }
        options.serverAliveInterval = settings.serverAliveInterval ?? SSHConnectOptions.defaultServerAliveInterval
        options.serverAliveCountMax = settings.serverAliveCountMax ?? SSHConnectOptions.defaultServerAliveCountMax

        guard withJumps, let (hops, location) = settings.proxyJump, !hops.isEmpty else { return options }
        let path = chain + [target.host]
        if let hop = hops.first(where: { hop in path.contains { $0.lowercased() == hop.host.lowercased() } }) {
            throw SSHError(.config, host: location.description,
                           "ProxyJump makes \(hop.host) jump through itself (\((path + [hop.host]).joined(separator: " -> "))). "
                           + "Exclude the jump host from the block that sets ProxyJump (e.g. 'Host * !\(hop.host)') or set 'ProxyJump none' for it.")
        }
        guard path.count < Self.maximumJumpDepth else {
            throw SSHError(.config, host: location.description,
                           "ProxyJump chains more than \(Self.maximumJumpDepth) hosts deep (\(path.joined(separator: " -> "))); check the ProxyJump lines of the ssh config.")
        }
        // As with `ssh -J a,b`: only the first hop's own ProxyJump applies; later hops are reached through earlier ones.
        var jumps: [SSHConnectOptions] = []
        for (index, hop) in hops.enumerated() {
            var hopOptions = try resolve(hop, overrides: overrides, chain: path, withJumps: index == 0)
            jumps += hopOptions.jumpHosts
            hopOptions.jumpHosts = []
            jumps.append(hopOptions)
        }
        options.jumpHosts = jumps
        return options
    }

    /// The first value of every keyword among the lines that apply to `target`.
    private func applicableSettings(for target: SSHTarget) -> AppliedSettings {
        var settings = AppliedSettings()
        var verdicts: [Int: Bool] = [:]
        for directive in directives {
            var applies = true
            for index in directive.conditions {
                if let verdict = verdicts[index] {
                    applies = verdict
                } else {
                    // Evaluated once, when first reached, like OpenSSH evaluates a Host or Match line as it reads it.
                    let verdict = holds(conditions[index], target: target, settings: settings)
                    verdicts[index] = verdict
                    applies = verdict
                }
                if !applies { break }
            }
            if applies { settings.apply(directive) }
        }
        return settings
    }

    private func holds(_ condition: SSHConfigCondition, target: SSHTarget, settings: AppliedSettings) -> Bool {
        switch condition {
        case .never:
            return false
        case .host(let patterns):
            return patterns.matches(target.host)
        case .match(let terms):
            return terms.allSatisfy { term in
                let result: Bool
                switch term.criterion {
                case .all: result = true
                case .host(let patterns):
                    result = patterns.matches(settings.hostName.map { expandHostName($0, alias: target.host) } ?? target.host)
                case .originalHost(let patterns): result = patterns.matches(target.host)
                case .user(let patterns): result = patterns.matches(target.user ?? settings.user ?? environment.localUser)
                case .localUser(let patterns): result = patterns.matches(environment.localUser)
                case .unsupported: return false
                }
                return result != term.negated
            }
        }
    }

    private func expandHostName(_ value: String, alias: String) -> String {
        PathTokens.substitute(value) { $0 == "h" ? alias : nil }
    }
}

/// The first value seen of each keyword, as resolution walks the config.
struct AppliedSettings {
    var hostName: String?
    var user: String?
    var port: Int?
    var identityFiles: [String] = []
    var identitiesOnly: Bool?
    var proxyJump: ([SSHTarget], SSHConfigLocation)?
    var hostKeyPolicy: HostKeyPolicy?
    var knownHostsFiles: [String]?
    var globalKnownHostsFiles: [String]?
    var connectTimeout: Int?
    var serverAliveInterval: Int?
    var serverAliveCountMax: Int?

    mutating func apply(_ directive: SSHConfigDirective) {
        switch directive.setting {
        case .hostName(let value): hostName = hostName ?? value
        case .user(let value): user = user ?? value
        case .port(let value): port = port ?? value
        case .identityFile(let value): if !identityFiles.contains(value) { identityFiles.append(value) }
        case .identitiesOnly(let value): identitiesOnly = identitiesOnly ?? value
        case .proxyJump(let hops): if proxyJump == nil { proxyJump = (hops, directive.location) }
        case .strictHostKeyChecking(let value): hostKeyPolicy = hostKeyPolicy ?? value
        case .userKnownHostsFiles(let value): knownHostsFiles = knownHostsFiles ?? value
        case .globalKnownHostsFiles(let value): globalKnownHostsFiles = globalKnownHostsFiles ?? value
        case .connectTimeout(let value): connectTimeout = connectTimeout ?? value
        case .serverAliveInterval(let value): serverAliveInterval = serverAliveInterval ?? value
        case .serverAliveCountMax(let value): serverAliveCountMax = serverAliveCountMax ?? value
        }
    }
}

/// Expands `~` and the `%` tokens of IdentityFile and UserKnownHostsFile for one resolved connection.
struct PathTokens {
    let environment: SSHConfigEnvironment
    let hostName: String
    let alias: String
    let port: Int
    let user: String

    func expand(_ path: String) -> String {
        let substituted = Self.substitute(path) { token in
            switch token {
            case "d": return environment.homeDirectory
            case "h": return hostName
            case "l": return environment.localHostName
            case "L": return String(environment.localHostName.prefix { $0 != "." })
            case "n": return alias
            case "p": return String(port)
            case "r": return user
            case "u": return environment.localUser
            case "i": return String(environment.userID)
            default: return nil
            }
        }
        return environment.expandTilde(substituted)
    }

    /// Replaces `%x` by `value(x)` and `%%` by `%`; tokens were checked when the config was parsed,
    /// so an unknown one (nil) is left as written.
    static func substitute(_ text: String, _ value: (Character) -> String?) -> String {
        guard text.contains("%") else { return text }
        var result = ""
        var characters = text.makeIterator()
        while let character = characters.next() {
            guard character == "%" else { result.append(character); continue }
            guard let token = characters.next() else { result.append("%"); break }
            if token == "%" {
                result.append("%")
            } else if let replacement = value(token) {
                result += replacement
            } else {
                result += "%\(token)"
            }
        }
        return result
    }
}

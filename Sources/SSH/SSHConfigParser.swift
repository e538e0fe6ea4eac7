import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads ssh config text into directives, following `Include`, checking every value deckhand uses.
struct SSHConfigParser {
    let environment: SSHConfigEnvironment
    private(set) var directives: [SSHConfigDirective] = []
    private(set) var conditions: [SSHConfigCondition] = []

    /// OpenSSH's limit; deeper nesting is almost certainly an Include loop.
    static let maximumIncludeDepth = 16

    init(environment: SSHConfigEnvironment) {
        self.environment = environment
    }

    /// Reads `path`; `isSystem` makes relative Includes resolve against /etc/ssh instead of ~/.ssh.
    mutating func parseFile(_ path: String, isSystem: Bool, outer: [Int] = [], depth: Int = 0, includedFrom: SSHConfigLocation? = nil) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "it is missing, unreadable or not UTF-8"
            if let includedFrom {
                throw SSHError(.config, host: includedFrom.description,
                               "Include: cannot read ssh config file \(path): \(reason) Fix or remove the Include line.")
            }
            throw SSHError(.config, host: path,
                           "cannot read this ssh config file: \(reason) Check the path given with -F.")
        }
        try parse(text: text, file: path, isSystem: isSystem, outer: outer, depth: depth)
    }

    mutating func parse(text: String, file: String, isSystem: Bool, outer: [Int] = [], depth: Int = 0) throws {
        var block = outer
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let location = SSHConfigLocation(file: file, line: lineNumber)
            var words = try Self.words(of: rawLine, at: location)
            guard !words.isEmpty else { continue }
            let keyword = words.removeFirst()
            let arguments = words

            switch keyword.lowercased() {
            case "host":
                guard !arguments.isEmpty else { throw Self.error(location, "Host needs at least one pattern.") }
                block = outer + [addCondition(.host(SSHHostPatternList(arguments)))]
            case "match":
                block = outer + [addCondition(try Self.matchCondition(arguments, at: location))]
            case "include":
                guard !arguments.isEmpty else { throw Self.error(location, "Include needs at least one file name.") }
                guard depth < Self.maximumIncludeDepth else {
                    throw Self.error(location, "Include is nested more than \(Self.maximumIncludeDepth) levels deep; an ssh config file probably includes itself.")
                }
                for pattern in arguments {
                    for path in try includedFiles(pattern, isSystem: isSystem, at: location) {
                        try parseFile(path, isSystem: isSystem, outer: block, depth: depth + 1, includedFrom: location)
                    }
                }
            default:
                if let setting = try Self.setting(keyword, arguments, at: location) {
                    directives.append(SSHConfigDirective(setting: setting, location: location, conditions: block))
                }
            }
        }
    }

    private mutating func addCondition(_ condition: SSHConfigCondition) -> Int {
        conditions.append(condition)
        return conditions.count - 1
    }

    // MARK: Values

    /// The typed setting of a keyword deckhand uses; nil for keywords it ignores (as ssh ignores what it does not use).
    static func setting(_ keyword: String, _ arguments: [String], at location: SSHConfigLocation) throws -> SSHConfigSetting? {
        let name = keyword.lowercased()
        let known = ["hostname", "user", "port", "identityfile", "identitiesonly", "proxyjump",
                     "stricthostkeychecking", "userknownhostsfile", "globalknownhostsfile", "connecttimeout",
                     "serveraliveinterval", "serveralivecountmax"]
        guard known.contains(name) else { return nil }
        guard let value = arguments.first else {
            throw error(location, "\(keyword) needs a value.")
        }
        if !["userknownhostsfile", "globalknownhostsfile"].contains(name) && arguments.count > 1 {
            throw error(location, "\(keyword) takes one value, got \(arguments.count): \(arguments.joined(separator: " ")). Quote a value that contains spaces.")
        }
        switch name {
        case "hostname":
            try checkTokens(value, allowed: "h", keyword: keyword, at: location)
            return .hostName(value)
        case "user":
            return .user(value)
        case "port":
            guard let port = Int(value), (1...65535).contains(port) else {
                throw error(location, "Port '\(value)' is not a port number from 1 to 65535.")
            }
            return .port(port)
        case "identityfile":
            try checkTokens(value, allowed: pathTokens, keyword: keyword, at: location)
            return .identityFile(value)
        case "identitiesonly":
            return .identitiesOnly(try flag(value, keyword: keyword, at: location))
        case "proxyjump":
            if value.lowercased() == "none" { return .proxyJump([]) }
            var hops: [SSHTarget] = []
            for hop in value.split(separator: ",", omittingEmptySubsequences: false) {
                do {
                    hops.append(try SSHTarget(parsing: String(hop)))
                } catch let problem as SSHTargetError {
                    throw error(location, "ProxyJump expects [user@]host[:port] hops separated by commas (or 'none'), got \(problem.problem).")
                }
            }
            return .proxyJump(hops)
        case "stricthostkeychecking":
            switch value.lowercased() {
            case "yes", "true", "ask": return .strictHostKeyChecking(.strict)
            case "accept-new": return .strictHostKeyChecking(.acceptNew)
            case "no", "false", "off": return .strictHostKeyChecking(.off)
            default:
                throw error(location, "StrictHostKeyChecking '\(value)' is not one of yes, ask, accept-new, no, off.")
            }
        case "userknownhostsfile":
            // `none` (OpenSSH 8.6+): no known hosts at all; /dev/null says the same to every reader.
            if arguments.count == 1 && value.lowercased() == "none" { return .userKnownHostsFiles(["/dev/null"]) }
            for file in arguments {
                try checkTokens(file, allowed: pathTokens, keyword: keyword, at: location)
            }
            return .userKnownHostsFiles(arguments)
        case "globalknownhostsfile":
            if arguments.count == 1 && value.lowercased() == "none" { return .globalKnownHostsFiles([]) }
            for file in arguments {
                try checkTokens(file, allowed: pathTokens, keyword: keyword, at: location)
            }
            return .globalKnownHostsFiles(arguments)
        case "connecttimeout":
            let seconds = try time(value, keyword: keyword, at: location)
            guard seconds > 0 else { throw error(location, "ConnectTimeout must be more than 0 seconds.") }
            return .connectTimeout(seconds: seconds)
        case "serveraliveinterval":
            return .serverAliveInterval(seconds: try time(value, keyword: keyword, at: location))
        case "serveralivecountmax":
            guard let count = Int(value), count > 0, count <= 1000 else {
                throw error(location, "ServerAliveCountMax '\(value)' is not a whole number from 1 to 1000.")
            }
            return .serverAliveCountMax(count)
        default:
            return nil
        }
    }

    /// Tokens OpenSSH expands in IdentityFile and UserKnownHostsFile that deckhand supports.
    static let pathTokens = "dhlLnpriu"

    private static func checkTokens(_ value: String, allowed: String, keyword: String, at location: SSHConfigLocation) throws {
        var characters = value.makeIterator()
        while let character = characters.next() {
            guard character == "%" else { continue }
            guard let token = characters.next() else {
                throw error(location, "\(keyword) '\(value)' ends with a lone '%'; write '%%' for a percent sign.")
            }
            if token != "%" && !allowed.contains(token) {
                let list = allowed.map { "%\($0)" }.joined(separator: " ")
                throw error(location, "\(keyword) '\(value)' uses the token %\(token), which deckhand does not expand here (it knows \(list) and %%).")
            }
        }
    }

    private static func flag(_ value: String, keyword: String, at location: SSHConfigLocation) throws -> Bool {
        switch value.lowercased() {
        case "yes", "true": return true
        case "no", "false": return false
        default: throw error(location, "\(keyword) '\(value)' is not yes or no.")
        }
    }

    /// OpenSSH time format: `30`, `30s`, `1m30s`, `2h`, `1d`, `1w`.
    static func time(_ value: String, keyword: String, at location: SSHConfigLocation) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        let bad = error(location, "\(keyword) '\(value)' is not a time such as 30, 30s, 1m30s or 2h.")
        var total = 0
        var digits = ""
        for character in value.lowercased() {
            if character.isASCII && character.isNumber {
                digits.append(character)
                continue
            }
            // Nine digits at most, so no product below can overflow.
            guard digits.count <= 9, let number = Int(digits), let unit = units[character] else { throw bad }
            total += number * unit
            digits = ""
        }
        if !digits.isEmpty {
            guard digits.count <= 9, let number = Int(digits) else { throw bad }
            total += number
        }
        guard !value.isEmpty, total < 100_000_000 else { throw bad }
        return total
    }

    private static func matchCondition(_ arguments: [String], at location: SSHConfigLocation) throws -> SSHConfigCondition {
        guard !arguments.isEmpty else { throw error(location, "Match needs criteria such as 'all' or 'host NAME'.") }
        var terms: [SSHMatchTerm] = []
        var index = 0
        while index < arguments.count {
            var word = arguments[index].lowercased()
            let negated = word.hasPrefix("!")
            if negated { word.removeFirst() }
            index += 1
            let criterion: SSHMatchCriterion
            switch word {
            case "all":
                criterion = .all
            case "canonical", "final":
                criterion = .unsupported(word)
            case "host", "originalhost", "user", "localuser", "exec", "localnetwork", "tagged", "command", "version", "sessiontype":
                guard index < arguments.count else {
                    throw error(location, "Match \(word) needs a value.")
                }
                let patterns = SSHHostPatternList(commaSeparated: arguments[index])
                index += 1
                switch word {
                case "host": criterion = .host(patterns)
                case "originalhost": criterion = .originalHost(patterns)
                case "user": criterion = .user(patterns)
                case "localuser": criterion = .localUser(patterns)
                default: criterion = .unsupported(word)
                }
            default:
                throw error(location, "Match criterion '\(arguments[index - 1])' is unknown (expected all, host, originalhost, user, localuser, exec, ...).")
            }
            terms.append(SSHMatchTerm(negated: negated, criterion: criterion))
        }
        return .match(terms)
    }

    // MARK: Include

    private func includedFiles(_ pattern: String, isSystem: Bool, at location: SSHConfigLocation) throws -> [String] {
        var path = environment.expandTilde(pattern)
        if !path.hasPrefix("/") {
            path = (isSystem ? "/etc/ssh" : environment.homeDirectory + "/.ssh") + "/" + path
        }
        var matches = glob_t()
        defer { globfree(&matches) }
        let status = glob(path, 0, nil, &matches)
        if status == GLOB_NOMATCH { return [] }
        guard status == 0 else {
            throw Self.error(location, "Include '\(pattern)': cannot list \(path) (glob error \(status)).")
        }
        var files: [String] = []
        for index in 0..<Int(matches.gl_pathc) {
            if let cString = matches.gl_pathv[index] { files.append(String(cString: cString)) }
        }
        return files
    }

    // MARK: Lexing

    /// Splits a line into words as OpenSSH does: whitespace-separated, `"` or `'` quoting, `\` escapes,
    /// `#` at the start of a word ends the line, and `Keyword=value` / `Keyword = value` forms.
    static func words(of line: Substring, at location: SSHConfigLocation) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        var equalsSeen = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" {
                    escaped = true
                } else {
                    current.append(character)
                }
                continue
            }
            if character.isWhitespace {
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            if !inWord && character == "#" { break }
            // One '=' may separate the keyword from its value (OpenSSH's strdelim).
            if character == "=" && !equalsSeen && (words.isEmpty || (words.count == 1 && !inWord)) {
                equalsSeen = true
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            inWord = true
            switch character {
            case "\"", "'": quote = character
            case "\\": escaped = true
            default: current.append(character)
            }
        }
        if quote != nil { throw error(location, "a quote is not closed on this line.") }
        if inWord { words.append(current) }
        return words
    }

    static func error(_ location: SSHConfigLocation, _ message: String) -> SSHError {
        SSHError(.config, host: location.description, message + " Fix this line of the ssh config.")
    }
}

/// A `mode:` argument: octal (`0644`, `"u+x"`-free) or symbolic (`u=rw,g=r,o=r`, `a+x`), resolved per file.
public enum FileMode: Sendable, Hashable {
    case octal(Int)
    case symbolic(String)

    /// Reads the argument as Ansible does: an int is the mode itself; a string is octal digits or symbolic.
    public init(argument value: String) throws {
        let text = value.trimmed
        if !text.isEmpty, text.allSatisfy({ ("0"..."7").contains($0) }) {
            guard let mode = Int(text, radix: 8), mode <= 0o7777 else {
                throw ModuleArgumentError("mode \(text) is out of range (at most 07777)")
            }
            self = .octal(mode)
            return
        }
        if text == "preserve" { throw ModuleArgumentError("mode: preserve is not supported; give the mode") }
        // Validate now so a typo fails at the start of the task, not after the probe.
        _ = try FileMode.applySymbolic(text, to: 0, isDirectory: false)
        self = .symbolic(text)
    }

    public init(integer: Int) throws {
        guard (0...0o7777).contains(integer) else {
            throw ModuleArgumentError("mode \(integer) is out of range; quote octal modes, e.g. mode: \"0644\"")
        }
        self = .octal(integer)
    }

    /// The mode as chmod's argument, for commands that apply it to many files (symbolic modes per file). A
    /// clause without who means all (Ansible's), never chmod's "all but the umask".
    var chmodArgument: String {
        switch self {
        case .octal(let mode): return String(mode, radix: 8)
        case .symbolic(let text):
            return text.split(separator: ",", omittingEmptySubsequences: false)
                .map { clause in clause.first.map { "+-=".contains($0) } == true ? "a" + clause : String(clause) }
                .joined(separator: ",")
        }
    }

    /// The permission bits wanted, given the current ones (symbolic modes are relative).
    public func resolve(current: Int?, isDirectory: Bool) throws -> Int {
        switch self {
        case .octal(let mode): return mode
        case .symbolic(let text): return try FileMode.applySymbolic(text, to: current ?? 0, isDirectory: isDirectory)
        }
    }

    static func applySymbolic(_ text: String, to start: Int, isDirectory: Bool) throws -> Int {
        var mode = start
        for clause in text.split(separator: ",", omittingEmptySubsequences: false) {
            var chars = Substring(clause)
            var who = 0
            while let c = chars.first, "ugoa".contains(c) {
                switch c {
                case "u": who |= 0o4700
                case "g": who |= 0o2070
                case "o": who |= 0o1007
                default: who |= 0o7777
                }
                chars.removeFirst()
            }
            if who == 0 { who = 0o7777 }
            guard !chars.isEmpty else { throw ModuleArgumentError("bad symbolic mode \(text): clause \"\(clause)\" has no operator") }
            while let op = chars.first {
                guard "+-=".contains(op) else { throw ModuleArgumentError("bad symbolic mode \(text): expected +, - or = in \"\(clause)\"") }
                chars.removeFirst()
                var bits = 0
                while let p = chars.first, "rwxXst".contains(p) {
                    switch p {
                    case "r": bits |= 0o444
                    case "w": bits |= 0o222
                    case "x": bits |= 0o111
                    case "X": if isDirectory || start & 0o111 != 0 { bits |= 0o111 }
                    case "s": bits |= 0o6000
                    default: bits |= 0o1000
                    }
                    chars.removeFirst()
                }
                let masked = bits & who
                switch op {
                case "+": mode |= masked
                case "-": mode &= ~masked
                default: mode = (mode & ~(who & 0o7777)) | masked
                }
            }
        }
        return mode & 0o7777
    }
}

extension ModuleArguments {
    /// The `mode` argument, if given.
    func mode(_ name: String = "mode") throws -> FileMode? {
        guard let value = value(name) else { return nil }
        if case .int(let number) = value { return try FileMode(integer: number) }
        guard let text = try string(name) else { return nil }
        return try FileMode(argument: text)
    }
}

/// Signal numbers of a Linux host, for the shell convention of exiting 128+N when signal N killed a command.
enum RemoteSignal {
    private static let numbers: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
        "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17,
        "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
        "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "PWR": 30, "SYS": 31,
    ]

    /// The number of `name` ("TERM" or "SIGTERM"); an unknown name counts as 127 so the status stays above 128.
    static func number(named name: String) -> Int32 {
        var key = name.uppercased()
        if key.hasPrefix("SIG") { key.removeFirst(3) }
        return numbers[key] ?? 127
    }
}

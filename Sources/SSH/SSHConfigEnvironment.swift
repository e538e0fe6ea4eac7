import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The facts about the local machine that reading and resolving ssh config depend on; tests supply their own.
public struct SSHConfigEnvironment: Sendable {
    public var homeDirectory: String
    public var localUser: String
    public var userID: Int
    public var localHostName: String
    /// Read after the user's file when no `-F` file is given (as ssh does); nil skips it.
    public var systemConfigFile: String?
    /// Decides which of the default identity files (~/.ssh/id_ed25519, ...) are offered.
    public var fileExists: @Sendable (String) -> Bool
    /// For `~name/...` paths.
    public var homeDirectoryOfUser: @Sendable (String) -> String?

    public init(
        homeDirectory: String,
        localUser: String,
        userID: Int = 0,
        localHostName: String = "localhost",
        systemConfigFile: String? = nil,
        fileExists: @escaping @Sendable (String) -> Bool = { FileManager.default.fileExists(atPath: $0) },
        homeDirectoryOfUser: @escaping @Sendable (String) -> String? = SSHConfigEnvironment.passwordDatabaseHome
    ) {
        self.homeDirectory = homeDirectory
        self.localUser = localUser
        self.userID = userID
        self.localHostName = localHostName
        self.systemConfigFile = systemConfigFile
        self.fileExists = fileExists
        self.homeDirectoryOfUser = homeDirectoryOfUser
    }

    /// This process's user, home ($HOME first, as ssh does for ~), host name and /etc/ssh/ssh_config.
    public static var current: SSHConfigEnvironment {
        let uid = getuid()
        var user = ProcessInfo.processInfo.environment["USER"] ?? ""
        var home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        if let entry = getpwuid(uid) {
            user = String(cString: entry.pointee.pw_name)
            if home.isEmpty { home = String(cString: entry.pointee.pw_dir) }
        }
        if home.isEmpty { home = "/" }
        return SSHConfigEnvironment(
            homeDirectory: home,
            localUser: user.isEmpty ? "root" : user,
            userID: Int(uid),
            localHostName: ProcessInfo.processInfo.hostName,
            systemConfigFile: "/etc/ssh/ssh_config"
        )
    }

    @Sendable public static func passwordDatabaseHome(_ user: String) -> String? {
        guard let entry = getpwnam(user) else { return nil }
        return String(cString: entry.pointee.pw_dir)
    }

    /// `~` and `~/x` become the home directory, `~name/x` that user's; other paths are returned unchanged.
    func expandTilde(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let afterTilde = path.dropFirst()
        let name = afterTilde.prefix { $0 != "/" }
        let rest = afterTilde.dropFirst(name.count)
        if name.isEmpty { return homeDirectory + rest }
        guard let home = homeDirectoryOfUser(String(name)) else { return path }
        return home + rest
    }
}

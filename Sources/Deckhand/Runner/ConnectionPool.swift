import Foundation
import SSH

/// One connection per host for the whole run, created on first use; SSH sessions open lazily and in parallel.
public final class ConnectionPool: @unchecked Sendable {
    /// Builds the connection for a host from its connection variables (ssh_config applied by the caller).
    public typealias Factory = @Sendable (ConnectionVariables) throws -> Connection

    private let factory: Factory
    private let lock = NSLock()
    private var connections: [String: Connection] = [:]

    public init(factory: @escaping Factory) {
        self.factory = factory
    }

    /// SSH for inventory hosts (options from their variables), local for `ansible_connection=local`.
    public static func standard(sshOptions: @escaping @Sendable (ConnectionVariables) throws -> SSHConnectOptions)
        -> ConnectionPool {
        ConnectionPool { variables in
            switch variables.kind {
            case .local: return LocalConnection(hostName: variables.hostName)
            case .ssh: return SSHHostConnection(hostName: variables.hostName, options: try sshOptions(variables))
            }
        }
    }

    /// Plain options from the inventory variables alone (no ssh_config).
    public static func defaultSSHOptions(_ variables: ConnectionVariables) -> SSHConnectOptions {
        var options = SSHConnectOptions(host: variables.address, port: variables.port ?? 22,
                                        user: variables.user ?? ProcessInfo.processInfo.environment["USER"] ?? "root")
        if let key = variables.privateKeyFile { options.identityFiles = [key]; options.identitiesOnly = true }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        options.knownHostsFiles = [home + "/.ssh/known_hosts"]
        return options
    }

    public func connection(for variables: ConnectionVariables) throws -> Connection {
        // A task with another remote_user needs its own login; everything else shares the host's.
        let key = variables.hostName + "\u{0}" + (variables.user ?? "")
        return try lock.withLock {
            if let existing = connections[key] { return existing }
            let connection = try factory(variables)
            connections[key] = connection
            return connection
        }
    }

    public func closeAll() async {
        let all = lock.withLock { () -> [Connection] in
            defer { connections = [:] }
            return Array(connections.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for connection in all { group.addTask { await connection.close() } }
        }
    }
}

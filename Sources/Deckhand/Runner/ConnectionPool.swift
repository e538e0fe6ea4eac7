import Foundation

/// One connection per host for the whole run, created on first use; SSH sessions open lazily and in parallel.
public final class ConnectionPool: @unchecked Sendable {
    /// Builds the connection for a host from its connection variables.
    public typealias Factory = @Sendable (ConnectionVariables) throws -> Connection

    private let factory: Factory
    private let lock = NSLock()
    private var connections: [String: Connection] = [:]

    public init(factory: @escaping Factory) {
        self.factory = factory
    }

    /// SSH for inventory hosts as `connector` reaches them, local for `ansible_connection=local`.
    public convenience init(connector: HostConnector) {
        self.init { variables in try connector.connection(for: variables) }
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

import Foundation
import Jinja
import OrderedCollections

/// Where a task's commands go: the host or its delegate, with become and environment.
extension TaskExecution {
    /// Where the task's commands go: the host, or the delegate, with become and environment.
    struct Target {
        var connection: Connection
        var hostName: String
        var delegated: Bool
        var become: Become?
        var environment: [String: String]
    }

    func connectionTarget(for host: HostState, scope: TemplatedScope) async throws -> Target {
        var targetName = host.name
        var delegated = false
        if let delegate = keywords.delegateTo {
            targetName = try templating.renderText(delegate, scope)
            delegated = targetName != host.name
        }
        let remoteUser = try keywords.remoteUser.map { try templating.renderText($0, scope) }
        let variables = try runner.connectionVariables(of: targetName, scope: delegated ? nil : scope, remoteUser: remoteUser)
        let connection = try runner.pool.connection(for: variables)
        var become: Become?
        if try variables.become ?? flag(keywords.become, scope: scope) ?? false {
            let methodName = variables.becomeMethod ?? keywords.becomeMethod ?? "sudo"
            guard let method = Become.Method(rawValue: methodName) else {
                throw ModuleArgumentError("become_method \(methodName) is not supported: deckhand becomes another user "
                                          + "with sudo or su; set become_method to one of them")
            }
            let user = try variables.becomeUser ?? keywords.becomeUser.map { try templating.renderText($0, scope) } ?? "root"
            become = Become(method: method, user: user, password: variables.becomePassword ?? options.becomePassword)
        }
        var environment: [String: String] = [:]
        if let env = keywords.environment, case .dict(let dict) = try templating.renderDeep(env, scope) {
            for (key, value) in dict { environment[key] = value.displayText }
        }
        return Target(connection: connection, hostName: targetName, delegated: delegated, become: become, environment: environment)
    }
}

import Foundation
import Jinja
import OrderedCollections

/// Where a task's commands go: the host or its delegate, with become and environment; nowhere for a module
/// that runs on the controller.
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
        if try variables.become ?? flag(keywords.become, scope: scope) ?? options.defaultBecome ?? false {
            let methodName = variables.becomeMethod ?? keywords.becomeMethod ?? options.defaultBecomeMethod ?? "sudo"
            guard let method = Become.Method(rawValue: methodName) else {
                throw ModuleArgumentError("become_method \(methodName) is not supported: deckhand becomes another user "
                                          + "with sudo or su; set become_method to one of them")
            }
            let user = try variables.becomeUser ?? keywords.becomeUser.map { try templating.renderText($0, scope) }
                ?? options.defaultBecomeUser ?? "root"
            become = Become(method: method, user: user, password: variables.becomePassword ?? options.becomePassword)
        }
        var environment: [String: String] = [:]
        if let env = keywords.environment, case .dict(let dict) = try templating.renderDeep(env, scope) {
            for (key, value) in dict { environment[key] = value.displayText }
        }
        return Target(connection: connection, hostName: targetName, delegated: delegated, become: become, environment: environment)
    }

    /// For a module that runs on the controller: no connection is opened (the host may be unreachable); the
    /// delegate is only named in the report.
    func controllerTarget(for host: HostState, module: String, scope: TemplatedScope) throws -> Target {
        let targetName = try keywords.delegateTo.map { try templating.renderText($0, scope) } ?? host.name
        return Target(connection: ControllerOnly(hostName: targetName, module: module), hostName: targetName,
                      delegated: targetName != host.name, become: nil, environment: [:])
    }
}

/// The connection of a module declared to run on the controller: asking it for a command breaks that
/// declaration, and says so rather than reaching the host.
struct ControllerOnly: Connection {
    let hostName: String
    let module: String

    func run(_ command: ShellCommand, stdin: Data?, output: CommandOutputHandler?) async throws -> CommandResult {
        throw ModuleArgumentError("internal: \(module) is declared to run on the controller (ModuleSpec.runsOnController) "
                                  + "but asked \(hostName) to run \(command.rendered)")
    }

    func connect() async throws {}

    func close() async {}
}

import Foundation
import Jinja
import OrderedCollections

/// What a task sees on a host: its variables, its title, its yes/no keywords and its `when`.
extension TaskExecution {
    /// The variables the task sees on `host`, in Ansible's precedence, with the magic variables.
    func scope(for host: HostState) -> TemplatedScope {
        let facts = host.facts
        var factVars = OrderedDictionary<String, Value>()
        if !facts.isEmpty {
            for (key, value) in facts { factVars["ansible_" + key] = value }
            factVars["ansible_facts"] = .dict(facts)
        }
        let role = task.role
        var layers = HostVariables.layers(of: host.name, inventory: runner.inventory, extraVars: options.extraVars,
                                          literalExtraVars: options.literalExtraVars)
        // A template's header text, which a variable of the user's replaces (as Ansible's template module and lookup).
        layers.merge(.playContext, ["ansible_managed": .string(options.ansibleManaged)], data: ["ansible_managed"])
        layers.set(.roleDefaults, overlaid(context.roleDefaults, role?.defaults))
        layers.set(.facts, factVars)
        layers.set(.playVars, context.playVars)
        layers.set(.varsPrompt, options.promptedVars)
        layers.set(.roleVars, overlaid(context.roleVars, role?.vars))
        layers.set(.taskVars, keywords.vars, data: keywords.dataVars)
        layers.set(.setFacts, host.hostVars, data: host.hostVarsData)
        layers.set(.roleParams, role?.params ?? [:])
        let checkMode = (try? flag(keywords.checkMode, scope: nil)) ?? options.checkMode
        let active = context.batch.filter { !$0.failed && !$0.unreachable }.map(\.name)
        let play = MagicVariables.PlayState(allHosts: context.allPlayHosts, activeHosts: active,
                                            batch: context.batch.map(\.name),
                                            playbookDirectory: context.play.playbookDirectory,
                                            checkMode: checkMode, diffMode: options.diffMode)
        var magic = MagicVariables.values(host: host.name, inventory: runner.inventory, play: play, role: role,
                                          groups: runner.groupsVariable, hostvars: shared.hostvars(runner))
        magic["ansible_verbosity"] = .int(options.verbosity)
        magic["ansible_play_name"] = .string(context.play.displayName)
        for (name, value) in context.roleNameVariables { magic[name] = value }
        for (name, value) in keywords.parentRoleVariables { magic[name] = value }
        // Ansible's task search path: the role's folder, then the folder of the file the task is written in.
        var searchPath = role.map { [$0.path] } ?? []
        let taskFolder = (task.location.file as NSString).deletingLastPathComponent
        if !searchPath.contains(taskFolder) { searchPath.append(taskFolder) }
        magic["ansible_search_path"] = .list(searchPath.map(Value.string))
        return TemplatedScope(layers: layers, magic: magic, renderer: templating.renderer)
    }

    /// `own` over `playWide`, without copying when one of them is empty.
    private func overlaid(_ playWide: OrderedDictionary<String, Value>,
                          _ own: OrderedDictionary<String, Value>?) -> OrderedDictionary<String, Value> {
        guard let own, !own.isEmpty else { return playWide }
        guard !playWide.isEmpty else { return own }
        var merged = playWide
        for (key, value) in own { merged[key] = value }
        return merged
    }

    /// The task's name as the output shows it: templated with the first host's variables, as Ansible does, or
    /// left as written when that fails (a name naming a loop item or a registered result not yet there).
    func title(on host: HostState?) -> String {
        guard let name = task.name, TemplateRenderer.isTemplate(name), let host else { return task.displayName }
        guard let rendered = try? templating.renderText(name, scope(for: host)) else { return task.displayName }
        if let role = task.role { return "\(role.name) : \(rendered)" }
        return rendered
    }

    /// A yes/no keyword, templated when written as a template.
    func flag(_ setting: BoolSetting?, scope: TemplatedScope?) throws -> Bool? {
        switch setting {
        case nil: return nil
        case .literal(let value): return value
        case .template(let text):
            guard let scope else { return nil }
            return try templating.render(text, scope).isTruthy
        }
    }

    /// The task's `when:` on `host` (without loop items), false when it cannot be evaluated.
    func conditionHolds(on host: HostState) -> Bool {
        let scope = scope(for: host)
        return (try? keywords.when.allSatisfy { try templating.condition($0, scope) }) ?? false
    }
}

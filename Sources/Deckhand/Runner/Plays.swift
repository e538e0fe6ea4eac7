import Foundation
import Jinja
import OrderedCollections

/// Plays and batches: which hosts, play vars and vars_files, serial, gather_facts, strategies.
extension PlaybookRunner {
    func run(_ play: Play) async {
        let names: [String]
        do {
            names = try inventory.hostNames(matching: HostPattern(play.hosts), limit: options.limit)
        } catch {
            reporter.record(.warning("\(play.location): \(error)"))
            return
        }
        let hosts = names.map(state(of:)).filter { !$0.failed && !$0.unreachable }
        for host in hosts { host.markEnded(false) }
        reporter.record(.playStart(name: play.displayName, hosts: hosts.map(\.name), checkMode: options.checkMode))
        guard !hosts.isEmpty else {
            reporter.record(.notice("skipping: no hosts matched"))
            return
        }
        let playVars = loadPlayVars(play)
        for batch in batches(of: hosts, serial: play.serial) {
            let context = PlayContext(play: play, playVars: playVars, batch: batch, allPlayHosts: hosts.map(\.name))
            await run(play, context: context)
            // end_play and any_errors_fatal end the whole play, not only this batch.
            if context.ended { break }
        }
    }

    /// Play vars then vars_files (first existing candidate of each entry), read once per play.
    func loadPlayVars(_ play: Play) -> OrderedDictionary<String, Value> {
        var vars = play.vars
        for file in play.varsFiles {
            // Names may be templates of play and extra vars (`vars/{{ stage }}.yml`), as in Ansible.
            var layers = VariableLayers()
            layers.set(.playVars, vars)
            layers.set(.extraVars, options.extraVars)
            let scope = TemplatedScope(layers: layers, magic: ["playbook_dir": .string(play.playbookDirectory)],
                                       renderer: templating.renderer)
            var found = false
            for template in file.candidates where !found {
                let candidate: String
                do {
                    candidate = try templating.renderText(template, scope)
                } catch {
                    reporter.record(.warning("\(file.location): vars_files entry \(template): \(error)"))
                    continue
                }
                let path = candidate.hasPrefix("/") ? candidate : (play.playbookDirectory as NSString).appendingPathComponent(candidate)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                do {
                    for (key, value) in try VariablesFile.read(path: path) { vars[key] = value }
                } catch {
                    reporter.record(.warning("\(file.location): could not read \(path): \(error)"))
                }
                found = true
            }
            if !found {
                reporter.record(.warning("\(file.location): none of the vars_files \(file.candidates.joined(separator: ", ")) exist "
                                         + "beside the playbook; their variables are undefined"))
            }
        }
        return vars
    }

    func batches(of hosts: [HostState], serial: [SerialStep]) -> [[HostState]] {
        guard !serial.isEmpty else { return [hosts] }
        var batches: [[HostState]] = []
        var index = 0, step = 0
        while index < hosts.count {
            let size = serial[min(step, serial.count - 1)].size(of: hosts.count)
            batches.append(Array(hosts[index..<min(hosts.count, index + size)]))
            index += size
            step += 1
        }
        return batches
    }

    func run(_ play: Play, context: PlayContext) async {
        let keywords = play.keywords
        if play.gatherFacts {
            let setup = PlaybookTask(name: "Gathering Facts", action: .module(ModuleCall(
                name: "setup", originalName: "setup", arguments: .dict([:]), location: play.location)),
                location: play.location)
            var gatherKeywords = keywords
            gatherKeywords.tags = ["always"]
            gatherKeywords.when = []
            await runTask(setup, keywords: gatherKeywords, hosts: context.batch, context: context, countsForStart: false)
        }
        let sections: [[TaskItem]] = [play.preTasks, play.roleTasks + play.tasks, play.postTasks]
        for section in sections {
            if play.strategy == .free {
                await withTaskGroup(of: Void.self) { group in
                    for host in context.batch where host.isActive {
                        group.addTask { await self.runItems(section, keywords: keywords, hosts: [host], context: context) }
                    }
                }
            } else {
                await runItems(section, keywords: keywords, hosts: context.batch, context: context)
            }
            await flushHandlers(context: context)
            if context.batch.allSatisfy({ !$0.isActive }) { break }
        }
    }
}

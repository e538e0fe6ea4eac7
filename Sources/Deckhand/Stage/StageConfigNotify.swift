import Foundation
import Jinja
import Yams

extension StageConfig {
    /// `notify:` of a stage or of `defaults:`, checked where it is written: `webhooks` a URL or a list of
    /// http(s) URLs, `command` one command line. Kept as a value until the stage is built (a stage's own
    /// `notify:` replaces the one of `defaults:` as a whole).
    static func notifyValue(of node: Node, what: String, reader: NodeReader) -> Value? {
        guard case .mapping = node else {
            reader.fail("'notify' of \(what) must be a mapping with webhooks: and/or command:", at: node, text: "notify")
            return nil
        }
        var webhooks: [Value] = []
        var command: Value = .none
        for (key, keyNode, valueNode) in reader.entries(node) {
            switch key {
            case "webhooks":
                let items: [Node]
                switch valueNode {
                case .sequence(let sequence): items = Array(sequence)
                case .scalar: items = [valueNode]
                default:
                    reader.fail("'webhooks' of \(what) must be a URL or a list of URLs", at: valueNode, text: "webhooks")
                    continue
                }
                for item in items {
                    guard case .string(let text) = reader.value(item), NotifySettings.webhookURL(text) != nil else {
                        reader.fail("a webhook of \(what) must be an http:// or https:// URL with a host, not '\(reader.value(item).displayText)'",
                                    at: item)
                        continue
                    }
                    webhooks.append(.string(text))
                }
            case "command":
                guard case .string(let text) = reader.value(valueNode),
                      !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                    reader.fail("'command' of \(what)'s notify must be one command line (run by /bin/sh in the folder of deckhand.yml)",
                                at: valueNode, text: "command")
                    continue
                }
                command = .string(text)
            default:
                reader.fail("unknown key '\(key)' in 'notify' of \(what) (notify has: \(NotifySettings.keys.joined(separator: ", ")))",
                            at: keyNode, text: key, suggestion: Suggestion.nearest(key, in: NotifySettings.keys))
            }
        }
        return .dict(["webhooks": .list(webhooks), "command": command])
    }

    /// The checked `notify:` value as settings, the command running in `directory`.
    static func notifySettings(_ value: Value?, directory: String) -> NotifySettings? {
        guard case .dict(let fields)? = value else { return nil }
        var settings = NotifySettings(directory: directory)
        if case .list(let items)? = fields["webhooks"] {
            settings.webhooks = items.compactMap { item in
                if case .string(let text) = item { return NotifySettings.webhookURL(text) }
                return nil
            }
        }
        if case .string(let command)? = fields["command"] { settings.command = command }
        return settings.isEmpty ? nil : settings
    }
}

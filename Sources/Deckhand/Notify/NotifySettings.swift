import Foundation

/// `notify:` of a stage in deckhand.yml: who hears about deploys, rollbacks and maintenance changes. Sent from
/// the operator's machine once the verb is done (as Kamal's hooks are), never from the host.
///
///     notify:
///       webhooks:                      # each gets one POST of the notice as JSON
///         - https://hooks.example.com/deploys
///       command: ./announce.sh         # run by /bin/sh in the folder of deckhand.yml, DECKHAND_* set
public struct NotifySettings: Sendable, Hashable {
    /// http(s) URLs, each POSTed the notice as JSON.
    public var webhooks: [URL]
    /// A command line run by /bin/sh -c with the notice in DECKHAND_* variables (nil: none).
    public var command: String?
    /// Where the command runs: the folder of deckhand.yml.
    public var directory: String

    public init(webhooks: [URL] = [], command: String? = nil, directory: String) {
        self.webhooks = webhooks
        self.command = command
        self.directory = directory
    }

    public var isEmpty: Bool { webhooks.isEmpty && command == nil }

    /// The keys `notify:` may hold.
    static let keys = ["webhooks", "command"]

    /// A webhook URL deckhand can POST to: http or https with a host, nothing else (no file:, no gopher:).
    static func webhookURL(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else { return nil }
        return url
    }
}

extension URL {
    /// scheme://host[:port] only: a webhook's path and query often hold its secret token, so messages name
    /// the endpoint without them.
    public var endpointWithoutSecrets: String {
        var text = (scheme ?? "http") + "://" + (host ?? "?")
        if let port { text += ":\(port)" }
        return text
    }
}

import Foundation

/// What a notification says about one deploy, rollback or maintenance change: POSTed as a JSON object with
/// these keys to each webhook, and given to the notify command as DECKHAND_<KEY> variables (upper case).
public struct DeckhandNotice: Sendable, Hashable {
    public var stage: String
    /// deploy, rollback, maintenance on, maintenance off.
    public var action: String
    /// The ref deployed (deploy) or the release asked for (rollback); "" for maintenance.
    public var ref: String
    public var commit: String
    public var release: String
    /// Who ran it: user@machine, as the lock and history record it.
    public var performer: String
    /// Seconds the verb took.
    public var duration: Double
    /// ok, unchanged, failed, refused or interrupted.
    public var outcome: String
    /// The user's --message, or for a failure what failed.
    public var message: String

    public init(stage: String, action: String, ref: String = "", commit: String = "", release: String = "",
                performer: String, duration: Double, outcome: String, message: String = "") {
        self.stage = stage
        self.action = action
        self.ref = ref
        self.commit = commit
        self.release = release
        self.performer = performer
        self.duration = duration
        self.outcome = outcome
        self.message = message
    }

    /// The fields in their documented order, duration with one decimal.
    public var fields: [(key: String, value: String)] {
        [("stage", stage), ("action", action), ("ref", ref), ("commit", commit), ("release", release),
         ("performer", performer), ("duration", String(format: "%.1f", duration)), ("outcome", outcome),
         ("message", message)]
    }

    /// The webhook body: one JSON object, duration a number, everything else a string.
    public var json: Data {
        var object: [String: Any] = [:]
        for (key, value) in fields { object[key] = value }
        object["duration"] = (duration * 10).rounded() / 10
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    /// The notify command's environment additions: DECKHAND_STAGE, DECKHAND_ACTION, ...
    public var environment: [String: String] {
        var variables: [String: String] = [:]
        for (key, value) in fields { variables["DECKHAND_" + key.uppercased()] = value }
        return variables
    }
}

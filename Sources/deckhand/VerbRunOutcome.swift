import Deckhand
import Jinja

/// What a verb reads from its run: the outcomes its playbook named with set_stats (BuiltInVerb lists them).
extension VerbRun {
    /// Every host's value of `outcome`, in host order.
    func values(_ outcome: VerbOutcome) -> [Value] {
        summary.outcome(named: outcome.name)
    }

    /// The first host's `outcome` as one line of text.
    func text(_ outcome: VerbOutcome) -> String? {
        values(outcome).first.map(\.plainText)
    }

    /// The lines of `outcome` (a list, or a text) of every host, in host order.
    func lines(_ outcome: VerbOutcome) -> [String] {
        values(outcome).flatMap { value -> [String] in
            if case .list(let items) = value { return items.map(\.plainText) }
            return [value.plainText]
        }
    }

    /// The first host's `outcome` when it is a dict (a verb's structured outcome), its values as text.
    func fields(_ outcome: VerbOutcome) -> [String: String] {
        guard case .dict(let fields)? = values(outcome).first else { return [:] }
        var plain: [String: String] = [:]
        for (key, value) in fields { plain[key] = value.plainText }
        return plain
    }
}

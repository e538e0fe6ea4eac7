/// The include_tasks and include_role tasks that led to a task, outermost first. An include that includes
/// itself is legitimate while a condition ends it; one that never ends is stopped at `limit` with the chain,
/// instead of eating the controller's memory.
public struct IncludeChain: Sendable, Hashable {
    /// How deep includes may nest.
    public static let limit = 100

    public private(set) var locations: [SourceLocation] = []

    public init() {}

    /// This chain with the include at `location` innermost.
    public func adding(_ location: SourceLocation) -> IncludeChain {
        var chain = self
        chain.locations.append(location)
        return chain
    }

    /// Why the chain must stop, or nil while it may go on.
    public var runawayMessage: String? {
        guard locations.count > IncludeChain.limit else { return nil }
        // The chain up to the first include seen twice shows the cycle; the rest repeats it.
        var shown: [String] = []
        var seen = Set<SourceLocation>()
        for location in locations {
            shown.append(location.description)
            if !seen.insert(location).inserted { break }
        }
        return "includes nest more than \(IncludeChain.limit) deep: \(shown.joined(separator: " -> ")) -> ... "
            + "Give the include that includes itself a `when:` that ends the recursion."
    }
}

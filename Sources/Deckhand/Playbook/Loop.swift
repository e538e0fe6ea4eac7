import Jinja

/// How a task repeats: `loop:` or one of the `with_*` lookups, normalised to one shape.
public struct Loop: Sendable, Hashable {
    public var kind: LoopKind
    /// A list, a dict (with_dict) or a template string that renders to one; not yet templated.
    public var source: Value
    public var control: LoopControl
    public var location: SourceLocation

    public init(kind: LoopKind, source: Value, control: LoopControl = LoopControl(), location: SourceLocation) {
        self.kind = kind
        self.source = source
        self.control = control
        self.location = location
    }
}

/// Which keyword produced the loop; decides how the rendered source becomes items.
public enum LoopKind: String, Sendable, Hashable, CaseIterable {
    /// `loop:` — the list as is.
    case loop
    /// `with_items:` — the list flattened one level.
    case items = "with_items"
    /// `with_list:` — the list as is.
    case list = "with_list"
    /// `with_dict:` — one `{key, value}` item per entry.
    case dict = "with_dict"
    /// `with_fileglob:` — controller files matching the patterns.
    case fileglob = "with_fileglob"
    /// `with_file:` — the contents of controller files.
    case file = "with_file"
    /// `with_first_found:` — the first controller file that exists.
    case firstFound = "with_first_found"
    /// `with_lines:` — each line a controller command prints.
    case lines = "with_lines"
    /// `with_env:` — controller environment variables.
    case env = "with_env"
    /// `with_template:` — controller templates, rendered.
    case template = "with_template"
    /// `with_indexed_items:` — `[index, item]` pairs.
    case indexedItems = "with_indexed_items"
    /// `with_together:` — lists zipped.
    case together = "with_together"
    /// `with_nested:` — cartesian product of lists.
    case nested = "with_nested"
    /// `with_sequence:` — `start=1 end=5 format=...`.
    case sequence = "with_sequence"
    /// `with_subelements:` — `[list, 'key']` -> `[parent, child]` pairs.
    case subelements = "with_subelements"
    /// `with_random_choice:` — one item picked at random from the list.
    case randomChoice = "with_random_choice"

    /// The task keyword that selects this kind.
    public var keyword: String { rawValue }

    /// The lookup plugin behind a `with_<lookup>:` loop that reads the controller.
    var lookupName: String? {
        switch self {
        case .fileglob, .file, .firstFound, .lines, .env, .template: return String(rawValue.dropFirst("with_".count))
        default: return nil
        }
    }
}

/// `loop_control:`.
public struct LoopControl: Sendable, Hashable {
    /// The item's variable name; may be a template (`"{{ name }}"`), rendered when the loop starts.
    public var loopVar: String = "item"
    public var indexVar: String?
    /// Conditions checked after each item: when all hold, the loop stops after that item (Ansible 2.18).
    public var breakWhen: [String]?
    /// A template for the per-item line in the output, instead of the whole item.
    public var label: String?
    /// Seconds to wait between items.
    public var pause: Double?
    /// Sets `ansible_loop` (index, first, last, length…).
    public var extended: Bool = false
    /// A setting Ansible cannot convert (`pause: soon`): it fails the task when it runs, with Ansible's message.
    public var invalid: String?
    /// break_when written as something else than conditions: each item fails with Ansible's message.
    public var invalidBreakWhen: String?

    public init() {}
}

import Jinja

/// A yes/no keyword (become, ignore_errors, no_log…) that is either written literally or as a template
/// decided per host at run time.
public enum BoolSetting: Sendable, Hashable {
    case literal(Bool)
    /// Template text such as `"{{ ansible_check_mode }}"`; true when it renders to a truthy value.
    case template(String)
}

import Jinja

/// A module's declaration: its names, arguments and documentation. The validator checks tasks against it
/// and `deckhand doc` prints it, so the two cannot drift.
public struct ModuleSpec: Sendable {
    /// The canonical bare name (`copy`).
    public var name: String
    /// Other names that reach it, e.g. `ansible.builtin.copy` (collection-qualified names of the bare name
    /// under ansible.builtin / ansible.legacy are accepted without listing them).
    public var aliases: [String]
    public var arguments: [ArgumentSpec]
    /// The argument that receives free-form text (`shell: echo hi` -> `cmd`), when the module takes one.
    public var freeFormArgument: String?
    /// Accepts any argument name (set_fact, add_host).
    public var acceptsAnyArguments: Bool
    /// Groups of arguments of which at least one must be given.
    public var requiredOneOf: [[String]]
    /// Groups of arguments of which at most one may be given.
    public var mutuallyExclusive: [[String]]
    /// One paragraph: what the module does.
    public var doc: String
    /// A task using it, in YAML.
    public var example: String

    // What the runner does for the module besides probe, plan and actions. The runner reads these, never a
    // module's name.

    /// Needs no connection: its plan comes from its arguments and the host's variables alone (debug, set_fact,
    /// assert), so the runner opens none, even for an unreachable host.
    public var runsOnController: Bool
    /// The facts it returns become host variables, above play vars (set_fact, include_vars), not gathered facts.
    public var setsHostVariables: Bool
    /// The host variables it sets are templates the user wrote (include_vars reads them from the controller's
    /// files), rendered when read; otherwise they are data (set_fact's were rendered once, possibly from host
    /// output, and are never rendered again).
    public var hostVariablesAreTemplates: Bool
    /// Its registered result keeps the facts it returns as `ansible_facts` (set_fact's does not).
    public var registersFacts: Bool
    /// What its registered `ansible_facts` put before each fact's name: setup returns `ansible_distribution`,
    /// which the host's facts hold as `distribution` (Ansible's namespace_facts).
    public var registeredFactPrefix = ""
    /// Runs once, for the first host of the batch, its result that host's alone (add_host).
    public var bypassesHostLoop: Bool
    /// The argument naming the -v level below which the task is skipped (debug's `verbosity`).
    public var verbosityArgument: String?
    /// Its result is printed at every verbosity, not only with -v (debug; Ansible's `_ansible_verbose_always`).
    public var showsResult: Bool
    /// The folder of a role (and of the playbook) its controller files are found in first: `files` (copy,
    /// script), `templates` (template), `vars` (include_vars); `with_first_found` on the task searches it too.
    public var sourceFolder: String
    /// How Ansible words a problem with the arguments when the module is an action plugin with its own checks
    /// (include_vars: "x is not a valid option in include_vars"); nil (or nil for a kind) for AnsibleModule's.
    public var argumentProblemWording: (@Sendable (ArgumentProblemKind) -> String?)?
    /// Its plan is one command that can run detached on the host (`async:`): command, shell. Every other
    /// module runs as a probe and actions driven from the controller, which cannot outlive the connection.
    public var runsInBackground: Bool

    public init(name: String, aliases: [String] = [],
                runsOnController: Bool = false, runsInBackground: Bool = false, setsHostVariables: Bool = false, hostVariablesAreTemplates: Bool = false,
                registersFacts: Bool = true,
                bypassesHostLoop: Bool = false, verbosityArgument: String? = nil, showsResult: Bool = false,
                sourceFolder: String = "files", arguments: [ArgumentSpec] = [], freeFormArgument: String? = nil,
                acceptsAnyArguments: Bool = false, requiredOneOf: [[String]] = [], mutuallyExclusive: [[String]] = [],
                argumentProblemWording: (@Sendable (ArgumentProblemKind) -> String?)? = nil,
                doc: String, example: String) {
        self.argumentProblemWording = argumentProblemWording
        self.name = name
        self.aliases = aliases
        self.runsOnController = runsOnController
        self.runsInBackground = runsInBackground
        self.setsHostVariables = setsHostVariables
        self.hostVariablesAreTemplates = hostVariablesAreTemplates
        self.registersFacts = registersFacts
        self.bypassesHostLoop = bypassesHostLoop
        self.verbosityArgument = verbosityArgument
        self.showsResult = showsResult
        self.sourceFolder = sourceFolder
        self.arguments = arguments
        self.freeFormArgument = freeFormArgument
        self.acceptsAnyArguments = acceptsAnyArguments
        self.requiredOneOf = requiredOneOf
        self.mutuallyExclusive = mutuallyExclusive
        self.doc = doc
        self.example = example
    }

    /// The wording of Ansible's action plugins that check their own options (wait_for_connection, fail, group_by,
    /// set_stats): "Invalid options for NAME: a,b".
    static func invalidOptions(_ name: String) -> @Sendable (ArgumentProblemKind) -> String? {
        { problem in
            guard case .unsupported(let names) = problem else { return nil }
            return "Invalid options for \(name): " + names.sorted().joined(separator: ",")
        }
    }

    /// What Ansible says of `problem` when it fails the task (AnsibleModule's argument validation's words).
    func ansibleMessage(_ problem: ArgumentProblemKind) -> String {
        if let wording = argumentProblemWording?(problem) { return wording }
        switch problem {
        case .unsupported(let names):
            let supported = arguments.map(\.name).sorted().joined(separator: ", ")
            let aliases = arguments.flatMap(\.aliases).sorted()
            return "Unsupported parameters for (\(name)) module: \(names.sorted().joined(separator: ", ")). "
                + "Supported parameters include: \(supported)" + (aliases.isEmpty ? "" : " (\(aliases.joined(separator: ", ")))") + "."
        case .missing(let names):
            return "missing required arguments: " + names.joined(separator: ", ")
        case .requiredOneOf(let group):
            return "one of the following is required: " + group.flatMap(ansibleNames).joined(separator: ", ")
        case .mutuallyExclusive(let group):
            return "parameters are mutually exclusive: " + group.flatMap(ansibleNames).joined(separator: "|")
        }
    }

    /// An argument's name(s) as Ansible's messages give them: free-form text is `_raw_params` there.
    func ansibleNames(_ argument: String) -> [String] {
        guard argument == freeFormArgument else { return [argument] }
        return self.argument(named: argument) == nil ? ["_raw_params"] : ["_raw_params", argument]
    }

    /// The argument called `name` or having it as an alias.
    public func argument(named name: String) -> ArgumentSpec? {
        arguments.first { $0.name == name || $0.aliases.contains(name) }
    }
}

/// What can be wrong with a task's arguments as a whole, for the module's own wording of it.
public enum ArgumentProblemKind: Sendable {
    case unsupported([String])
    case missing([String])
    case requiredOneOf([String])
    case mutuallyExclusive([String])
}

/// One argument of a module.
public struct ArgumentSpec: Sendable {
    public var name: String
    public var type: ArgumentType
    public var required: Bool
    public var defaultValue: Value?
    public var aliases: [String]
    /// Allowed values (compared as strings after templating), empty for any.
    public var choices: [String]
    /// Never shown in output (passwords).
    public var noLog: Bool
    /// Refused when it holds a line break (a field written as one line of a file, such as a cron job's name).
    public var singleLine: Bool
    /// Passed to the module as written, not rendered with the other arguments: the module evaluates it itself
    /// (assert's `that`, conditionals that ansible-core resolves one by one).
    public var unrendered: Bool
    public var doc: String

    public init(_ name: String, type: ArgumentType = .string, required: Bool = false, default defaultValue: Value? = nil,
                aliases: [String] = [], choices: [String] = [], noLog: Bool = false, singleLine: Bool = false,
                unrendered: Bool = false, doc: String) {
        self.unrendered = unrendered
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.aliases = aliases
        self.choices = choices
        self.noLog = noLog
        self.singleLine = singleLine
        self.doc = doc
    }
}

/// The type an argument's value must have (after templating; Ansible converts where it can).
public enum ArgumentType: String, Sendable, Hashable {
    /// `path`: a path on the host, where a leading `~` is the home of the user the task runs as (`pathList`:
    /// a list of them); `controllerPath`: a file on the operator's machine (copy's and template's src, fetch's dest).
    case string, bool, int, float, path, pathList, controllerPath, list, dict, raw
    /// File mode: octal (`0644`, `'0644'`, `420`) or symbolic (`u=rw,g=r,o=r`).
    case mode
}

/// Every module deckhand knows, by name: one line per module in `modules`.
public enum ModuleRegistry {
    /// The module types, each declaring its own spec.
    public static let modules: [any Module.Type] = [
        AddHostModule.self,
        AptKeyModule.self,
        AptModule.self,
        AptRepositoryModule.self,
        AssembleModule.self,
        AssertModule.self,
        AsyncStatusModule.self,
        AuthorizedKeyModule.self,
        BlockInFileModule.self,
        CommandModule.self,
        CopyModule.self,
        CronModule.self,
        DebconfModule.self,
        DebugModule.self,
        DjangoManageModule.self,
        DockerContainerModule.self,
        DockerImageModule.self,
        DockerLoginModule.self,
        DockerNetworkModule.self,
        FailModule.self,
        FetchModule.self,
        FileModule.self,
        FilesystemModule.self,
        FindModule.self,
        GatherFactsModule.self,
        GetentModule.self,
        GetUrlModule.self,
        GitModule.self,
        GroupByModule.self,
        GroupModule.self,
        HostnameModule.self,
        IncludeVarsModule.self,
        IniFileModule.self,
        KnownHostsModule.self,
        LineInFileModule.self,
        LocaleGenModule.self,
        MountModule.self,
        PackageModule.self,
        PauseModule.self,
        PingModule.self,
        PipModule.self,
        PostgresqlDbModule.self,
        PostgresqlPrivsModule.self,
        PostgresqlQueryModule.self,
        PostgresqlUserModule.self,
        RawModule.self,
        ReplaceModule.self,
        ScriptModule.self,
        ServiceModule.self,
        SetFactModule.self,
        SetStatsModule.self,
        SetupModule.self,
        ShellModule.self,
        SlurpModule.self,
        StatModule.self,
        SupervisorctlModule.self,
        SysctlModule.self,
        SystemdModule.self,
        TempfileModule.self,
        TemplateModule.self,
        TimezoneModule.self,
        UfwModule.self,
        UnarchiveModule.self,
        UriModule.self,
        UserModule.self,
        ValidateArgumentSpecModule.self,
        WaitForConnectionModule.self,
        WaitForModule.self,
    ]

    /// The declarations of all modules, as the validator and `deckhand doc` read them.
    public static let specs: [ModuleSpec] = modules.map { $0.spec }

    /// Collection prefixes stripped from module names (`ansible.builtin.copy` -> `copy`).
    public static let collectionPrefixes = [
        "ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general.", "community.postgresql.",
    ]

    /// The module called `name` (bare, fully qualified, or an alias), or nil.
    public static func spec(named name: String) -> ModuleSpec? {
        spec(named: name, in: specs)
    }

    /// The implementation of the module called `name`, or nil.
    public static func module(named name: String) -> (any Module.Type)? {
        guard let spec = spec(named: name) else { return nil }
        return modules.first { $0.spec.name == spec.name }
    }

    /// Looks `name` up in `specs`: exact name, then aliases, then the name without its collection prefix.
    public static func spec(named name: String, in specs: [ModuleSpec]) -> ModuleSpec? {
        if let spec = specs.first(where: { $0.name == name || $0.aliases.contains(name) }) { return spec }
        let bare = canonicalName(name)
        if bare != name { return specs.first { $0.name == bare || $0.aliases.contains(bare) } }
        return nil
    }

    /// `name` without a known collection prefix.
    public static func canonicalName(_ name: String) -> String {
        for prefix in collectionPrefixes where name.hasPrefix(prefix) {
            return String(name.dropFirst(prefix.count))
        }
        return name
    }
}

import Foundation
import Jinja

/// The settings Ansible documents that deckhand knows: the core settings of Ansible's base config that deckhand
/// reads or that playbooks commonly ask the config lookup for, and the options of the plugins deckhand stands in
/// for (the ssh and local connections, the sh shell, its lookups). Names, sources, types and defaults are
/// Ansible's, so `lookup('config', ...)` answers as it does.
enum AnsibleSettings {
    typealias Definition = ConfigDefinition

    static let core: [String: Definition] = Dictionary(uniqueKeysWithValues: [
        Definition(name: "ANSIBLE_HOME", kind: .path, defaultValue: .string("~/.ansible"), env: ["ANSIBLE_HOME"],
                   ini: [("defaults", "home")]),
        Definition(name: "ANSIBLE_COW_ACCEPTLIST", kind: .list, defaultValue: .list([
            "bud-frogs", "bunny", "cheese", "daemon", "default", "dragon", "elephant-in-snake", "elephant", "eyes",
            "hellokitty", "kitty", "luke-koala", "meow", "milk", "moofasa", "moose", "ren", "sheep", "small",
            "stegosaurus", "stimpy", "supermilker", "three-eyes", "turkey", "turtle", "tux", "udder", "vader-koala",
            "vader", "www",
        ].map(Value.string)), env: ["ANSIBLE_COW_ACCEPTLIST"], ini: [("defaults", "cowsay_enabled_stencils")]),
        Definition(name: "ANSIBLE_NOCOWS", kind: .bool, defaultValue: .bool(false), env: ["ANSIBLE_NOCOWS"],
                   ini: [("defaults", "nocows")]),
        Definition(name: "ANSIBLE_FORCE_COLOR", kind: .bool, defaultValue: .bool(false), env: ["ANSIBLE_FORCE_COLOR"],
                   ini: [("defaults", "force_color")]),
        Definition(name: "ANSIBLE_NOCOLOR", kind: .bool, defaultValue: .bool(false), env: ["ANSIBLE_NOCOLOR", "NO_COLOR"],
                   ini: [("defaults", "nocolor")]),
        Definition(name: "DEFAULT_BECOME", kind: .bool, defaultValue: .bool(false), env: ["ANSIBLE_BECOME"],
                   ini: [("privilege_escalation", "become")]),
        Definition(name: "DEFAULT_BECOME_ASK_PASS", kind: .bool, defaultValue: .bool(false), env: ["ANSIBLE_BECOME_ASK_PASS"],
                   ini: [("privilege_escalation", "become_ask_pass")]),
        Definition(name: "DEFAULT_BECOME_METHOD", defaultValue: .string("sudo"), env: ["ANSIBLE_BECOME_METHOD"],
                   ini: [("privilege_escalation", "become_method")]),
        Definition(name: "DEFAULT_BECOME_USER", defaultValue: .string("root"), env: ["ANSIBLE_BECOME_USER"],
                   ini: [("privilege_escalation", "become_user")]),
        Definition(name: "DEFAULT_FORKS", kind: .int, defaultValue: .int(5), env: ["ANSIBLE_FORKS"], ini: [("defaults", "forks")]),
        Definition(name: "DEFAULT_GATHERING", defaultValue: .string("implicit"), env: ["ANSIBLE_GATHERING"],
                   ini: [("defaults", "gathering")], choices: ["implicit", "explicit", "smart"]),
        Definition(name: "DEFAULT_HOST_LIST", kind: .pathlist, defaultValue: .list([.string("/etc/ansible/hosts")]),
                   env: ["ANSIBLE_INVENTORY"], ini: [("defaults", "inventory")]),
        Definition(name: "DEFAULT_LOOKUP_PLUGIN_PATH", kind: .pathspec,
                   defaultValue: .string(#"{{ ANSIBLE_HOME ~ "/plugins/lookup:/usr/share/ansible/plugins/lookup" }}"#),
                   env: ["ANSIBLE_LOOKUP_PLUGINS"], ini: [("defaults", "lookup_plugins")]),
        Definition(name: "DEFAULT_MANAGED_STR", defaultValue: .string("Ansible managed"), ini: [("defaults", "ansible_managed")]),
        Definition(name: "DEFAULT_PRIVATE_KEY_FILE", kind: .path, env: ["ANSIBLE_PRIVATE_KEY_FILE"],
                   ini: [("defaults", "private_key_file")]),
        Definition(name: "DEFAULT_REMOTE_PORT", kind: .int, env: ["ANSIBLE_REMOTE_PORT"], ini: [("defaults", "remote_port")]),
        Definition(name: "DEFAULT_REMOTE_USER", env: ["ANSIBLE_REMOTE_USER"], ini: [("defaults", "remote_user")]),
        Definition(name: "DEFAULT_ROLES_PATH", kind: .pathspec,
                   defaultValue: .string(#"{{ ANSIBLE_HOME ~ "/roles:/usr/share/ansible/roles:/etc/ansible/roles" }}"#),
                   env: ["ANSIBLE_ROLES_PATH"], ini: [("defaults", "roles_path")]),
        Definition(name: "DEFAULT_TIMEOUT", kind: .int, defaultValue: .int(10), env: ["ANSIBLE_TIMEOUT"], ini: [("defaults", "timeout")]),
        Definition(name: "DEFAULT_TRANSPORT", defaultValue: .string("ssh"), env: ["ANSIBLE_TRANSPORT"], ini: [("defaults", "transport")]),
        Definition(name: "HOST_KEY_CHECKING", kind: .bool, defaultValue: .bool(true), env: ["ANSIBLE_HOST_KEY_CHECKING"],
                   ini: [("defaults", "host_key_checking")]),
        Definition(name: "INTERPRETER_PYTHON", defaultValue: .string("auto"), env: ["ANSIBLE_PYTHON_INTERPRETER"],
                   ini: [("defaults", "interpreter_python")], vars: ["ansible_python_interpreter"]),
        Definition(name: "RETRY_FILES_ENABLED", kind: .bool, defaultValue: .bool(false), env: ["ANSIBLE_RETRY_FILES_ENABLED"],
                   ini: [("defaults", "retry_files_enabled")]),
        // Entries Ansible's base config defines for testing how values and origins resolve.
        Definition(name: "_Z_TEST_ENTRY", env: ["ANSIBLE_TEST_ENTRY", "ANSIBLE_TEST_ENTRY_D"],
                   ini: [("testing", "valid"), ("testing", "deprecated")], vars: ["_z_test_entry"]),
        Definition(name: "_Z_TEST_ENTRY_2", env: ["ANSIBLE_TEST_ENTRY2"], ini: [("testing", "valid2")]),
        Definition(name: "_Z_TEST_ENTRY_3", kind: .path, defaultValue: .string("{{ANSIBLE_HOME}}"), env: ["ANSIBLE_TEST_ENTRY3"],
                   ini: [("testing", "valid3")]),
    ].map { ($0.name, $0) })

    /// The options of the built-in plugins deckhand has, by plugin type and name.
    static let plugins: [String: [String: [Definition]]] = [
        "connection": ["ssh": sshOptions, "local": []],
        "shell": ["sh": shellOptions],
        "lookup": lookupOptions,
    ]

    private static let sshOptions: [Definition] = [
        Definition(name: "host", defaultValue: .string("inventory_hostname"),
                   vars: ["inventory_hostname", "ansible_host", "ansible_ssh_host"]),
        Definition(name: "remote_user", env: ["ANSIBLE_REMOTE_USER"], ini: [("defaults", "remote_user")],
                   vars: ["ansible_user", "ansible_ssh_user"]),
        Definition(name: "port", kind: .int, env: ["ANSIBLE_REMOTE_PORT"], ini: [("defaults", "remote_port")],
                   vars: ["ansible_port", "ansible_ssh_port"]),
        Definition(name: "private_key_file", env: ["ANSIBLE_PRIVATE_KEY_FILE"], ini: [("defaults", "private_key_file")],
                   vars: ["ansible_private_key_file", "ansible_ssh_private_key_file"]),
        Definition(name: "password", vars: ["ansible_password", "ansible_ssh_pass", "ansible_ssh_password"]),
        Definition(name: "timeout", kind: .int, defaultValue: .int(10), env: ["ANSIBLE_TIMEOUT", "ANSIBLE_SSH_TIMEOUT"],
                   ini: [("defaults", "timeout"), ("ssh_connection", "timeout")], vars: ["ansible_ssh_timeout"]),
        Definition(name: "host_key_checking", kind: .bool, defaultValue: .bool(true),
                   env: ["ANSIBLE_HOST_KEY_CHECKING", "ANSIBLE_SSH_HOST_KEY_CHECKING"],
                   ini: [("defaults", "host_key_checking"), ("ssh_connection", "host_key_checking")],
                   vars: ["ansible_host_key_checking", "ansible_ssh_host_key_checking"]),
    ]

    private static let shellOptions: [Definition] = [
        Definition(name: "remote_tmp", defaultValue: .string("~/.ansible/tmp"), env: ["ANSIBLE_REMOTE_TEMP", "ANSIBLE_REMOTE_TMP"],
                   ini: [("defaults", "remote_tmp")], vars: ["ansible_remote_tmp"]),
        Definition(name: "system_tmpdirs", kind: .list, defaultValue: .list([.string("/var/tmp"), .string("/tmp")]),
                   env: ["ANSIBLE_SYSTEM_TMPDIRS"], ini: [("defaults", "system_tmpdirs")], vars: ["ansible_system_tmpdirs"]),
        Definition(name: "async_dir", defaultValue: .string("~/.ansible_async"), env: ["ANSIBLE_ASYNC_DIR"],
                   ini: [("defaults", "async_dir")], vars: ["ansible_async_dir"]),
        Definition(name: "admin_users", kind: .list, defaultValue: .list([.string("root"), .string("toor")]),
                   env: ["ANSIBLE_ADMIN_USERS"], ini: [("defaults", "admin_users")], vars: ["ansible_admin_users"]),
    ]

    /// The documented options of deckhand's lookups (the ones that take options).
    private static let lookupOptions: [String: [Definition]] = {
        var options: [String: [Definition]] = [:]
        for name in Lookups.names { options[name] = [] }
        options["config"] = [
            Definition(name: "on_missing", defaultValue: .string("error"), choices: ["error", "warn", "skip"]),
            Definition(name: "plugin_type", choices: ["become", "cache", "callback", "cliconf", "connection", "httpapi",
                                                      "inventory", "lookup", "netconf", "shell", "vars"]),
            Definition(name: "plugin_name"),
            Definition(name: "show_origin", kind: .bool),
        ]
        options["csvfile"] = CSVFileLookup.options
        options["vars"] = [Definition(name: "default", kind: .raw)]
        options["env"] = [Definition(name: "default", kind: .raw, defaultValue: .string(""))]
        options["file"] = [Definition(name: "rstrip", kind: .bool, defaultValue: .bool(true)),
                           Definition(name: "lstrip", kind: .bool, defaultValue: .bool(false))]
        options["template"] = [
            Definition(name: "convert_data", kind: .bool, defaultValue: .bool(true)),
            Definition(name: "variable_start_string", defaultValue: .string("{{")),
            Definition(name: "variable_end_string", defaultValue: .string("}}")),
            Definition(name: "jinja2_native", kind: .bool, defaultValue: .bool(true)),
            Definition(name: "template_vars", kind: .dict, defaultValue: .dict([:])),
            Definition(name: "comment_start_string", defaultValue: .string("{#")),
            Definition(name: "comment_end_string", defaultValue: .string("#}")),
            Definition(name: "trim_blocks", kind: .bool, defaultValue: .bool(true)),
        ]
        return options
    }()
}

import Jinja
import OrderedCollections

/// How to reach a host, read from its (already templated) variables: ansible_host, ansible_port,
/// ansible_user, ansible_ssh_private_key_file, ansible_password, ansible_become*, ansible_connection.
public struct ConnectionVariables: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case ssh
        case local
    }

    /// `inventory_hostname`.
    public var hostName: String
    /// Where to connect: `ansible_host`, else the inventory name.
    public var address: String
    public var port: Int?
    public var user: String?
    public var privateKeyFile: String?
    public var password: String?
    public var becomePassword: String?
    /// `ansible_become`, `ansible_become_user`, `ansible_become_method`: as in Ansible, these variables win over
    /// the play's and task's become keywords.
    public var become: Bool?
    public var becomeUser: String?
    public var becomeMethod: String?
    public var kind: Kind

    /// The variables read here, as Ansible names them (with the older spellings it still reads).
    public static let names = [
        "ansible_host", "ansible_ssh_host", "ansible_port", "ansible_ssh_port", "ansible_user", "ansible_ssh_user",
        "ansible_ssh_private_key_file", "ansible_private_key_file", "ansible_password", "ansible_ssh_pass",
        "ansible_become_password", "ansible_become_pass", "ansible_sudo_pass", "ansible_connection",
        "ansible_become", "ansible_become_user", "ansible_become_method",
    ]

    public init(hostName: String, variables: OrderedDictionary<String, Value>) {
        func text(_ names: String...) -> String? {
            for name in names {
                switch variables[name] {
                case .string(let value) where !value.isEmpty: return value
                case .int(let value): return String(value)
                default: continue
                }
            }
            return nil
        }
        self.hostName = hostName
        address = text("ansible_host", "ansible_ssh_host") ?? hostName
        port = text("ansible_port", "ansible_ssh_port").flatMap { Int($0) }
        user = text("ansible_user", "ansible_ssh_user")
        privateKeyFile = text("ansible_ssh_private_key_file", "ansible_private_key_file")
        password = text("ansible_password", "ansible_ssh_pass")
        becomePassword = text("ansible_become_password", "ansible_become_pass", "ansible_sudo_pass")
        switch variables["ansible_become"] {
        case .bool(let flag)?: become = flag
        case .string(let word)?: become = ["yes", "true", "on", "1"].contains(word.lowercased())
        case .int(let number)?: become = number != 0
        default: become = nil
        }
        becomeUser = text("ansible_become_user")
        becomeMethod = text("ansible_become_method")
        switch text("ansible_connection") {
        case "local": kind = .local
        default: kind = .ssh
        }
    }
}

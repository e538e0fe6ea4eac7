import Jinja

/// One log file of the app: the service that writes it, the short name its lines are prefixed with, its path.
public struct AppLog: Sendable, Hashable {
    /// The key of `app_logs` (defaults.yml): nginx, gunicorn, rqworker, rqscheduler, app, cron, or the user's own.
    public var service: String
    /// The service when it has one file; the file's name without `.log` when it has several (nginx-access).
    public var label: String
    public var path: String

    public init(service: String, label: String, path: String) {
        self.service = service
        self.label = label
        self.path = path
    }

    /// The logs of `app_logs` (already templated: service -> path or list of paths), in its order.
    ///
    /// It is the same variable templates/logrotate.j2 rotates, so what `logs tail` follows and what logrotate
    /// rotates cannot drift apart.
    public static func list(from value: Value) throws -> [AppLog] {
        guard case .dict(let services) = value, !services.isEmpty else {
            throw AppLogError("app_logs must map each service to its log files, e.g. {nginx: [/webapps/example.com/logs/nginx-access.log]}; it is \(value.kindDescription)")
        }
        var logs: [AppLog] = []
        for (service, files) in services {
            let paths: [String]
            switch files {
            case .string(let path): paths = [path]
            case .list(let items):
                paths = try items.map { item in
                    guard case .string(let path) = item else {
                        throw AppLogError("app_logs.\(service) lists \(item.kindDescription); give the paths of its log files")
                    }
                    return path
                }
            default:
                throw AppLogError("app_logs.\(service) is \(files.kindDescription); give a path or a list of paths")
            }
            for path in paths where !path.hasPrefix("/") {
                throw AppLogError("app_logs.\(service) names '\(path)'; log files need absolute paths")
            }
            for path in paths {
                let label = paths.count == 1 ? service : fileLabel(path)
                logs.append(AppLog(service: service, label: label, path: path))
            }
        }
        return logs
    }

    /// The logs of `services` only (all of them when empty); an unknown service names the known ones.
    public static func selecting(_ services: [String], from logs: [AppLog]) throws -> [AppLog] {
        guard !services.isEmpty else { return logs }
        var known: [String] = []
        for log in logs where !known.contains(log.service) { known.append(log.service) }
        for service in services where !known.contains(service) {
            throw AppLogError("no service '\(service)' in app_logs; the stage's logs are: \(known.joined(separator: ", "))")
        }
        return logs.filter { services.contains($0.service) }
    }

    private static func fileLabel(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasSuffix(".log") ? String(name.dropLast(4)) : name
    }
}

/// `app_logs` does not say which files to read; the message names the setting and what it should look like.
public struct AppLogError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}

extension Value {
    /// "a string", "a list", … for messages about a variable of the wrong shape.
    fileprivate var kindDescription: String {
        switch self {
        case .none: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .list, .tuple: return "a list"
        case .dict: return "a mapping"
        case .undefined: return "undefined"
        case .object: return "an object"
        }
    }
}

import Foundation
import Jinja
import OrderedCollections

/// docker_container's healthcheck: community.docker's normalisation (a string test is CMD-SHELL, durations in
/// nanoseconds, no test is NONE) compared with inspect's Config.Healthcheck, set with docker run's --health-* flags.
enum ContainerHealthcheck {
    static let option = ContainerOption(
        ArgumentSpec("healthcheck", type: .dict,
                     doc: "The health check: test (a shell command, [CMD-SHELL, command] or [NONE]; the [CMD, ...] form is "
                        + "refused, docker run's --health-cmd cannot set it), interval, "
                        + "timeout, start_period, start_interval (1m30s, 10s, 500ms) and retries; without a test, none "
                        + "(the image's is disabled)."),
        .dict,
        wanted: { arguments, container in
            guard case .dict(let given)? = arguments.value("healthcheck") else { return nil }
            return try wanted(given, container: container)
        },
        inspected: { container in
            let value = ContainerOption.value(container, "Config", "Healthcheck")
            guard let value, value.entries["Test"] != .texts(["NONE"]) else { return .dict(["Test": .texts(["NONE"])]) }
            return value
        },
        runWords: { runWords($0) })

    private static let durations = [("interval", "Interval"), ("timeout", "Timeout"), ("start_period", "StartPeriod"),
                                    ("start_interval", "StartInterval")]

    static func wanted(_ given: OrderedDictionary<String, Value>, container: String) throws -> ContainerValue {
        var result: [String: ContainerValue] = [:]
        for (key, field) in durations {
            guard let text = given[key].flatMap(\.nonEmptyText) else { continue }
            let nanoseconds = try ContainerValueParsing.nanoseconds(text, option: "healthcheck \(key) of \(container)")
            if nanoseconds != 0 { result[field] = .number(nanoseconds) }
        }
        if let retries = given["retries"].flatMap(\.nonEmptyText) {
            guard let number = Int(retries) else {
                throw ModuleArgumentError("healthcheck retries of docker_container \(container) must be a whole number, not '\(retries)'")
            }
            if number != 0 { result["Retries"] = .number(number) }
        }
        let test: [String]
        switch given["test"] {
        case .list(let words)?: test = words.map(\.displayText)
        case let value?: test = value.displayText.isEmpty ? [] : ["CMD-SHELL", value.displayText]
        case nil: test = []
        }
        guard !test.isEmpty, test != ["NONE"] else { return .dict(["Test": .texts(["NONE"])]) }
        guard test.first == "CMD-SHELL", test.count == 2 else {
            throw ModuleArgumentError("healthcheck test of docker_container \(container) is \(test.first ?? "") form, which "
                + "docker run cannot set (its --health-cmd is CMD-SHELL): give the test as one shell command string")
        }
        result["Test"] = .texts(test)
        return .dict(result)
    }

    static func runWords(_ value: ContainerValue) -> [String] {
        let fields = value.entries
        guard let test = fields["Test"]?.items.compactMap(\.text), test != ["NONE"] else { return ["--no-healthcheck"] }
        var words = ["--health-cmd", test.last ?? ""]
        let flags = [("Interval", "--health-interval"), ("Timeout", "--health-timeout"), ("StartPeriod", "--health-start-period"),
                     ("StartInterval", "--health-start-interval")]
        for (field, flag) in flags { if let nanoseconds = fields[field]?.text { words += [flag, nanoseconds + "ns"] } }
        if let retries = fields["Retries"]?.text { words += ["--health-retries", retries] }
        return words
    }
}

private extension Value {
    /// The value as text, nil when it is null or empty (community.docker skips such healthcheck fields).
    var nonEmptyText: String? {
        let text = displayText
        return self == .none || text.isEmpty ? nil : text
    }
}

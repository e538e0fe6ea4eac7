import Foundation
import Jinja
import OrderedCollections

/// uri: makes an HTTP request from the host (curl), so it can ask a service listening on 127.0.0.1 there.
///
///     - uri: { url: "http://127.0.0.1/health/", status_code: [200, 204], return_content: yes }
public struct UriModule: Module {
    public static let spec = ModuleSpec(
        name: "uri",
        arguments: [
            ArgumentSpec("url", required: true, doc: "The URL, as the host reaches it."),
            ArgumentSpec("method", default: .string("GET"), doc: "HTTP method."),
            ArgumentSpec("body", type: .raw, doc: "The request body (a dict or list with body_format json)."),
            ArgumentSpec("body_format", default: .string("raw"), choices: ["raw", "json", "form-urlencoded"], doc: "How body is encoded."),
            ArgumentSpec("headers", type: .dict, default: .dict([:]), doc: "Request headers."),
            ArgumentSpec("status_code", type: .list, default: .list([.int(200)]), doc: "Status codes that mean success."),
            ArgumentSpec("return_content", type: .bool, default: .bool(false), doc: "Return the body in `content`."),
            ArgumentSpec("validate_certs", type: .bool, default: .bool(true), doc: "Check the server's TLS certificate."),
            ArgumentSpec("timeout", type: .int, default: .int(30), doc: "Seconds before giving up."),
            ArgumentSpec("follow_redirects", default: .string("safe"), choices: ["all", "none", "safe", "urllib2", "yes", "no"], doc: "Follow redirects (safe: for GET and HEAD)."),
            ArgumentSpec("url_username", aliases: ["user"], doc: "Basic auth user."),
            ArgumentSpec("url_password", aliases: ["password"], noLog: true, doc: "Basic auth password."),
            ArgumentSpec("force_basic_auth", type: .bool, default: .bool(false), doc: "Accepted; curl sends basic auth up front."),
            ArgumentSpec("unix_socket", type: .path, doc: "Talk HTTP over this Unix socket."),
            ArgumentSpec("ca_path", type: .path, doc: "A PEM file on the host with the CA certificate the server's is checked against."),
            ArgumentSpec("use_proxy", type: .bool, default: .bool(true),
                         doc: "no: connect directly, even where the host's environment names a proxy (http_proxy, https_proxy)."),
        ],
        doc: "Makes an HTTP request with curl on the host and fails unless the status is in status_code. Returns "
            + "status, url, content (return_content, or always for JSON), json (for JSON answers), the response "
            + "headers as lower-case keys, and msg. Skipped in check mode, as Ansible does.",
        example: "- uri:\n    url: http://127.0.0.1/health/\n    status_code: [200, 204]\n    return_content: yes\n  register: health")

    var url: String
    var method: String
    var body: String?
    var contentType: String?
    var headers: [(String, String)]
    var statusCodes: [Int]
    var returnContent: Bool
    var validateCerts: Bool
    var timeout: Int
    var followRedirects: Bool
    var credentials: String?
    var unixSocket: String?
    var caPath: String?
    var useProxy: Bool

    public init(_ arguments: ModuleArguments) throws {
        url = try arguments.requiredString("url")
        method = try arguments.requiredString("method").uppercased()
        guard method.allSatisfy({ $0.isLetter }) else { throw ModuleArgumentError("method \(method) is not an HTTP method") }
        let format = try arguments.requiredString("body_format")
        if let value = arguments.value("body") {
            switch (format, value) {
            case ("json", .string(let text)): body = text
            case ("json", _): body = value.jsonText
            case ("form-urlencoded", .dict(let fields)):
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                body = fields.map { ($0.key.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
                    + ($0.value.displayText.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") }.joined(separator: "&")
            default: body = value.displayText
            }
            if format == "json" { contentType = "application/json" }
            if format == "form-urlencoded" { contentType = "application/x-www-form-urlencoded" }
        }
        headers = []
        if case .dict(let given)? = arguments.value("headers") {
            for (key, value) in given {
                // Scalars, not Characters: "\r\n" is one Character and would slip past a Character test.
                let breaks: (String) -> Bool = { $0.unicodeScalars.contains { $0 == "\n" || $0 == "\r" } }
                guard !key.unicodeScalars.contains(":"), !breaks(key), !breaks(value.displayText) else {
                    throw ModuleArgumentError("header \(key.debugDescription) must be one line without ':' in its name")
                }
                headers.append((key, value.displayText))
            }
        }
        if headers.contains(where: { $0.0.lowercased() == "content-type" }) { contentType = nil }
        statusCodes = try arguments.requiredList("status_code").map { text in
            guard let code = Int(text) else { throw ModuleArgumentError("status_code must be numbers, got \(text)") }
            return code
        }
        returnContent = try arguments.bool("return_content")
        validateCerts = try arguments.bool("validate_certs")
        timeout = try arguments.requiredInt("timeout")
        let follow = try arguments.requiredString("follow_redirects")
        followRedirects = ["all", "yes"].contains(follow) || (["safe", "urllib2"].contains(follow) && ["GET", "HEAD"].contains(method))
        if let user = try arguments.string("url_username") {
            credentials = user + ":" + (try arguments.string("url_password") ?? "")
        }
        unixSocket = try arguments.string("unix_socket")
        caPath = try arguments.string("ca_path")
        useProxy = try arguments.bool("use_proxy")
    }

    static let statusMarker = "@@deckhand-status"
    static let bodyMarker = "@@deckhand-body"

    /// The curl words (without output options) for this request.
    var curlWords: [String] {
        var words = ["curl", "-sS", "-X", method, "--max-time", String(timeout)]
        if method == "HEAD" { words.append("-I") }
        if followRedirects { words.append("-L") }
        if !validateCerts { words.append("-k") }
        if let credentials { words += ["-u", credentials] }
        if let unixSocket { words += ["--unix-socket", unixSocket] }
        if let caPath { words += ["--cacert", caPath] }
        // curl, as Ansible's urllib, takes the proxy from the environment; "*" turns that off for every host.
        if !useProxy { words += ["--noproxy", "*"] }
        if let contentType { words += ["-H", "Content-Type: " + contentType] }
        for (key, value) in headers { words += ["-H", key + ": " + value] }
        // --data-raw never reads a file, whatever the body starts with.
        if let body { words += ["--data-raw", body] }
        return words
    }

    public func probe(_ context: ModuleContext) throws -> ShellCommand? {
        guard !context.checkMode else { return nil }
        // Headers to stdout, the body to a temporary file shown after a marker, so the two never mix.
        let curl = ShellCommand(words: curlWords + ["-D", "-", "-o"])
        return ShellCommand(parts: [.syntax("b=$(mktemp) || exit 1;")] + curl.parts + [
            .syntax("\"$b\" -w '\\n\(UriModule.statusMarker) %{http_code} %{url_effective}\\n'"), .syntax("--"), .word(url),
            .syntax("; rc=$?; echo \"@@deckhand-rc $rc\"; echo \(UriModule.bodyMarker); cat \"$b\"; rm -f \"$b\""),
        ], compound: true)
    }

    public func plan(_ probe: CommandResult?, _ context: ModuleContext) throws -> ModulePlan {
        var result = ModuleResult()
        guard let probe else {
            result.skipped = true
            result.msg = "skipped: uri makes a request, which check mode does not do"
            return ModulePlan(result: result)
        }
        let output = probe.stdout
        let marker = Data(("\n" + UriModule.bodyMarker + "\n").utf8)
        var head = String(decoding: output, as: UTF8.self)
        var body = Data()
        if let range = output.range(of: marker) {
            head = String(decoding: output.subdata(in: output.startIndex..<range.lowerBound), as: UTF8.self)
            body = output.subdata(in: range.upperBound..<output.endIndex)
        }
        var status = -1
        var effectiveURL = url
        var curlExit = 0
        var headerLines: [String] = []
        // HTTP's CRLF: Swift treats "\r\n" as one Character, so the carriage returns go before splitting lines.
        head = String(String.UnicodeScalarView(head.unicodeScalars.filter { $0 != "\r" }))
        for line in head.splitLines {
            if line.hasPrefix(UriModule.statusMarker + " ") {
                let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
                status = fields.count > 1 ? Int(fields[1]) ?? -1 : -1
                if fields.count > 2 { effectiveURL = fields[2] }
            } else if line.hasPrefix("@@deckhand-rc ") {
                curlExit = Int(line.dropFirst(14)) ?? 0
            } else if line.hasPrefix("HTTP/") {
                headerLines = []   // A later response (after a redirect) replaces the earlier one's headers.
            } else if !line.isEmpty {
                headerLines.append(line)
            }
        }
        result["url"] = .string(effectiveURL)
        result["status"] = .int(status == 0 ? -1 : status)
        result["redirected"] = .bool(effectiveURL != url)
        var contentType = ""
        for line in headerLines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].lowercased().replacingOccurrences(of: "-", with: "_")
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            result[key] = .string(value)
            if key == "content_type" { contentType = value }
        }
        let text = String(decoding: body, as: UTF8.self)
        let isJSON = contentType.contains("json")
        if returnContent || isJSON { result["content"] = .string(text) }
        if isJSON, let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) {
            result["json"] = UriModule.value(object)
        }
        if curlExit != 0 && (status <= 0) {
            let error = probe.stderrText.trimmed
            result.failed = true
            result.msg = "Status code was -1 and not \(statusCodes): Request failed: \(error.isEmpty ? "curl exit \(curlExit)" : error)"
            return ModulePlan(result: result)
        }
        if !statusCodes.contains(status) {
            result.failed = true
            result.msg = "Status code was \(status) and not \(statusCodes): HTTP Error \(status)"
            return ModulePlan(result: result)
        }
        result.msg = "OK (\(body.count) bytes)"
        return .unchanged(result)
    }

    /// A JSONSerialization object as a template value.
    static func value(_ object: Any) -> Value {
        switch object {
        case let text as String: return .string(text)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" || type(of: number) != NSNumber.self && "\(type(of: number))".contains("Bool") {
                return .bool(number.boolValue)
            }
            if number.doubleValue == number.doubleValue.rounded(), abs(number.doubleValue) < 9e15, !"\(number)".contains(".") {
                return .int(number.intValue)
            }
            return .double(number.doubleValue)
        case let list as [Any]: return .list(list.map(value))
        case let dict as [String: Any]:
            var out = OrderedDictionary<String, Value>()
            for key in dict.keys.sorted() { out[key] = value(dict[key] as Any) }
            return .dict(out)
        default: return .none
        }
    }
}

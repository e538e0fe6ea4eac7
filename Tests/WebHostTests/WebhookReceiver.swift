import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A webhook endpoint on 127.0.0.1 for the notification tests: a real HTTP listener on a free port that keeps
/// every POST body it receives and answers each with `status`.
final class WebhookReceiver: @unchecked Sendable {
    let port: UInt16
    private let socket: Int32
    private let status: Int
    private let lock = NSLock()
    private var received: [Data] = []
    private var running = true

    /// Listens at once; `status` is what every request is answered (500: a webhook that fails).
    init(status: Int = 200) throws {
        self.status = status
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ReceiverError("socket() failed") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw ReceiverError("bind/listen on 127.0.0.1 failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        socket = listener
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in serve() }
    }

    var url: String { "http://127.0.0.1:\(port)/hooks/deploys?token=s3cret" }

    /// The JSON objects received so far, in order.
    var notices: [[String: Any]] {
        lock.withLock { received }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    func stop() {
        lock.withLock { running = false }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func serve() {
        while lock.withLock({ running }) {
            let client = accept(socket, nil, nil)
            guard client >= 0 else { return }
            var request = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            var body: Data?
            while body == nil {
                let count = read(client, &buffer, buffer.count)
                if count <= 0 { break }
                request.append(contentsOf: buffer[0..<count])
                body = Self.body(of: request)
            }
            if let body { lock.withLock { received.append(body) } }
            let reply = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = reply.withCString { write(client, $0, strlen($0)) }
            close(client)
        }
    }

    /// The body once all of it (Content-Length) has arrived.
    private static func body(of request: Data) -> Data? {
        guard let end = request.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: request[..<end.lowerBound], as: UTF8.self).lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let body = request[end.upperBound...]
        return body.count >= length ? Data(body.prefix(length)) : nil
    }

    struct ReceiverError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

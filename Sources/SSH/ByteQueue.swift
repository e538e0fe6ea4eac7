import Foundation

/// Bytes one side has produced that the other has not taken yet (a socket's backlog, a forwarding buffer).
struct ByteQueue {
    private var bytes: [UInt8] = []
    private var head = 0

    var isEmpty: Bool { head == bytes.count }
    var count: Int { bytes.count - head }

    mutating func append(_ pointer: UnsafeRawPointer, _ length: Int) {
        if head > 0 && head == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
            head = 0
        }
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: length))
    }

    func withPending<T>(_ body: (UnsafeRawPointer, Int) -> T) -> T {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, head < raw.count else { return body(UnsafeRawPointer(bitPattern: 1)!, 0) }
            return body(base + head, raw.count - head)
        }
    }

    mutating func consume(_ length: Int) {
        head += length
        if head == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
            head = 0
        } else if head > 1 << 20 && head * 2 > bytes.count {
            bytes.removeFirst(head)
            head = 0
        }
    }
}

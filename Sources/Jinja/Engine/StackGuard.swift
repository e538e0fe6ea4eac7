#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deep macro recursion or includes could exhaust a thread's stack (512 KiB on worker threads) and crash
/// the process; renders check the room left once they nest, and stop with an error instead.
enum StackGuard {
    /// Bytes that must stay free below the current frame before going one level deeper.
    static let reserve: UInt = 128 * 1024

    /// The lowest usable stack address of the current thread, or nil when the platform cannot say.
    static func lowerBound() -> UInt? {
        #if os(Linux)
        // pthread_getattr_np is a GNU extension the Glibc module does not export; glibc always has it.
        typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np") else { return nil }
        let getattr = unsafeBitCast(symbol, to: GetAttr.self)
        var attr = pthread_attr_t()
        guard getattr(pthread_self(), &attr) == 0 else { return nil }
        defer { pthread_attr_destroy(&attr) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attr, &address, &size) == 0, let base = address else { return nil }
        return UInt(bitPattern: base)
        #elseif canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        return top - UInt(pthread_get_stacksize_np(pthread_self()))
        #else
        return nil
        #endif
    }

    @inline(never)
    static func currentAddress() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }
}

extension RenderContext {
    /// Throws when going one level deeper could overflow the stack. Cheap after the first call in a render.
    func checkStackRoom() throws {
        if stackLowerBound == nil { stackLowerBound = StackGuard.lowerBound() ?? 0 }
        guard let low = stackLowerBound, low > 0 else { return }
        if StackGuard.currentAddress() < low + StackGuard.reserve {
            throw TemplateError(.runtime, "macros, includes or recursive loops nest too deeply for this thread's stack; is a recursion missing its end condition?", templateName: "", line: 0)
        }
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the terminal on the other end of a stream can show, as the reports decide it.
public enum TerminalCapabilities {
    /// Colours unless NO_COLOR is set to anything but the empty text (no-color.org).
    public static func coloursWanted(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        (environment["NO_COLOR"] ?? "").isEmpty
    }

    /// Whether `descriptor` is a terminal that can redraw a line (not TERM=dumb).
    public static func canRedraw(_ descriptor: Int32,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        isatty(descriptor) == 1 && environment["TERM"] != "dumb"
    }

    /// The terminal's width in columns: the kernel's, else COLUMNS, else 80.
    public static func columns(_ descriptor: Int32) -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
    }
}

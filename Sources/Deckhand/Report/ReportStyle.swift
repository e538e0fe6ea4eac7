import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a run is shown on stdout: live progress (a verb on a terminal), the PLAY/TASK stream (`run`, -v, or
/// not a terminal: plain lines without control codes), or JSON lines (`--output json`).
public enum ReportStyle: Sendable, Equatable {
    case live, stream, json

    /// A verb's: JSON when asked, the stream with -v or when stdout cannot redraw a line, else live progress.
    public static func forVerb(json: Bool, verbosity: Int,
                               stdoutRedraws: Bool = TerminalCapabilities.canRedraw(STDOUT_FILENO)) -> ReportStyle {
        if json { return .json }
        return verbosity == 0 && stdoutRedraws ? .live : .stream
    }

    /// The reporter writing this style to stdout; `profile` adds the slowest tasks after the run (--profile).
    public func reporter(verbosity: Int, profile: Bool) -> RunReporter {
        let base: RunReporter
        switch self {
        case .live: base = LiveProgress.standardOutput()
        case .stream: base = HumanReport.standardOutput(verbosity: verbosity)
        case .json: base = JSONReport.standardOutput()
        }
        guard profile else { return base }
        if self == .json {
            return TaskProfile(wrapping: base, placement: .beforeRecap) { StandardOutput.write(JSONReport.profileLine($0)) }
        }
        return TaskProfile(wrapping: base, placement: .afterRecap) { StandardOutput.write(TaskProfile.text($0)) }
    }
}

import Deckhand
import Foundation

/// After a deploy, rollback or maintenance change: the stage's `notify:` (deckhand.yml) is told from this
/// machine. A notification that fails is a warning on stderr; the verb's own outcome and exit status stand.
enum StageNotification {
    /// Who runs the verb, as the lock and the history name them: user@machine.
    static var performer: String {
        let user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? NSUserName()
        return user + "@" + DeployRunner.machineName
    }

    /// Sends `notice` to the stage's webhooks and command; nothing when the stage has none (or with -i) or under
    /// --check (nothing happened to tell about).
    static func send(_ notice: DeckhandNotice, target: StageTarget, checkMode: Bool) async {
        guard !checkMode, let settings = target.stage?.notify else { return }
        let failures = await Notifier(settings: settings).send(notice)
        for failure in failures {
            Terminal.error("warning: notification of the \(notice.action) on \(notice.stage) failed: \(failure) (the \(notice.action) itself is unaffected)")
        }
    }
}

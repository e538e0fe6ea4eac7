import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand lock status|release STAGE`: playbooks/lock.yml, the deploy lock of /webapps/<domain>/.deckhand/lock.
struct LockCommand: AsyncParsableCommand {
    @ParentCommand var deckhand: DeckhandCommand

    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Show who holds the deploy lock and since when, or release it.",
        discussion: """
            deploy and rollback hold the lock while they run and release it when they end (also on failure and \
            Ctrl-C). A lock left by a run that died (killed, connection lost) stays until `lock release`; \
            release refuses nothing: it is your explicit request, so first make sure that run is gone.
            """)

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case status, release
    }

    @Argument(help: ArgumentHelp("status or release.", valueName: "action"))
    var action: Action

    @Argument(help: ArgumentHelp("The stage (deckhand.yml) or inventory host/group (-i).", valueName: "stage"))
    var stage: String

    @OptionGroup var options: StageOptions

    func run() async throws {
        let run = try await VerbRun.run(.lock, stage: stage, variables: [("lock_action", .string(action.rawValue))],
                                        options: options, connection: deckhand.connection)
        let text = run.text(.lockInfo) ?? ""
        let info = DeployLockInfo(parsing: text)
        let held = text.split(separator: "\n").contains("held=yes")
        try run.finish({
            guard held else { return "\(stage): not locked" }
            let holder = info.holder(now: Date())
            let gone = info.holderIsGone(onMachine: DeployRunner.machineName) { kill(pid_t($0), 0) == 0 || errno == EPERM }
            switch action {
            case .status:
                let note = gone == true ? " — that process is gone from this machine: release the lock with `deckhand lock release \(stage)`" : ""
                return "\(stage): locked by \(holder)\(note)"
            case .release:
                return "\(stage): released the lock held by \(holder)"
            }
        }(), action: "lock \(action.rawValue)", changesHost: action == .release)
    }
}

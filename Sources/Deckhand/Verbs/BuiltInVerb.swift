/// A verb that runs one of the built-in playbooks (playbooks/), and the outcomes it reads from that run.
/// The playbook names each outcome with a set_stats task (`per_host: true`); the verb reads the name, so a
/// task's title can change freely. BuiltInVerbTests checks every playbook still sets what its verb reads.
public enum BuiltInVerb: String, CaseIterable, Sendable {
    case backup, certs, deploy, doctor, history, lock, maintenance, provision, rollback, status
    case logsRotate = "logs_rotate"

    /// The playbook's file name in playbooks/.
    public var playbook: String { rawValue + ".yml" }

    /// What the verb reads from its playbook's run.
    public var outcomes: [VerbOutcome] {
        switch self {
        case .backup: return [.backupCreated, .backups, .backupsVerified, .backupRestored, .backupsPruned]
        case .certs: return [.certificate]
        case .deploy: return [.deployPlan, .lockRefused, .deployFailed, .deployed]
        case .doctor: return [.doctorChecks]
        case .history: return [.history, .currentRelease]
        case .lock: return [.lockInfo]
        case .logsRotate: return []
        case .maintenance: return [.siteAnswer, .maintenanceStatus, .maintenanceWindow]
        case .provision: return []
        case .rollback: return [.rollbackPlan, .lockRefused, .rollbackFailed, .rolledBack]
        case .status: return [.statusLines]
        }
    }
}

/// A name a built-in playbook reports under (set_stats) and its verb reads.
public enum VerbOutcome: String, CaseIterable, Sendable {
    /// backup create: "<path>: <size> bytes, <n> entries".
    case backupCreated = "backup_created"
    /// backup list: one line per dump, newest first.
    case backups
    /// backup verify: "ok      <dump>" or "BROKEN  <dump>" per dump.
    case backupsVerified = "backups_verified"
    /// backup restore: "restored <dump> into database <name>".
    case backupRestored = "backup_restored"
    /// backup create and prune, when something went: "removed: <dump>, ...".
    case backupsPruned = "backups_pruned"
    /// certs: the served certificate's serial, expiry and days left (and the serial it replaced).
    case certificate
    /// deploy --check: what a deploy would build and switch.
    case deployPlan = "deploy_plan"
    /// deploy and rollback: why another run's lock refused this one.
    case lockRefused = "lock_refused"
    /// deploy: what failed and what was done about it (the failing task's explanation).
    case deployFailed = "deploy_failed"
    /// deploy: ref, commit, release, unchanged, backup.
    case deployed
    /// rollback --check: the switch it would make.
    case rollbackPlan = "rollback_plan"
    /// rollback: what failed and what was done about it.
    case rollbackFailed = "rollback_failed"
    /// rollback: release, commit, previous.
    case rolledBack = "rolled_back"
    /// doctor: one line per check, "<ok|WARN|FAIL><TAB><check><TAB><finding><TAB><fix>".
    case doctorChecks = "doctor_checks"
    /// history: the newest lines of .deckhand/history.
    case history
    /// history: the release repo points to ("" when none).
    case currentRelease = "current_release"
    /// lock: "held=yes" and the lock's info lines, or "" when nobody holds it.
    case lockInfo = "lock_info"
    /// maintenance on/off: the HTTP status the site answered through nginx afterwards.
    case siteAnswer = "site_answer"
    /// maintenance status: "maintenance is ON since ..." or "maintenance is off".
    case maintenanceStatus = "maintenance_status"
    /// maintenance status: the window's record as key=value lines (by, performer, since, message, until,
    /// allow); empty when maintenance is off or the page was put on without deckhand.
    case maintenanceWindow = "maintenance_window"
    /// status: the screen, one fact per line.
    case statusLines = "status_lines"

    /// The stat's name in the playbook.
    public var name: String { rawValue }
}

extension BuiltInVerb {
    /// The outcomes the verb reads that `playbook` names with no set_stats task (a renamed or lost outcome:
    /// the verb would fall back to a line that says nothing).
    public func missingOutcomes(in playbook: Playbook) -> [VerbOutcome] {
        let named = playbook.statsNames
        return outcomes.filter { !named.contains($0.name) }
    }
}

extension Playbook {
    /// Every stat a set_stats task of the playbook names (imported task files and roles included).
    public var statsNames: Set<String> {
        Set(plays.flatMap(\.everyTask).flatMap(\.statsNames))
    }
}

extension PlaybookTask {
    /// The stats a set_stats task names in its `data` (none for any other task).
    var statsNames: [String] {
        guard let call = moduleCall, call.name == SetStatsModule.spec.name,
              case .dict(let data)? = call.argumentDictionary["data"] else { return [] }
        return Array(data.keys)
    }
}

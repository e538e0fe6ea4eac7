import ArgumentParser
import Deckhand
import Foundation

/// The options every verb takes: where the stages and playbooks are, check/diff, extra variables, the output.
struct StageOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp(
        "The stages file (default: deckhand.yml in this folder or the nearest folder above).", valueName: "file"))
    var config: String?

    @Option(name: [.short, .customLong("inventory")], help: ArgumentHelp(
        "An Ansible inventory instead of deckhand.yml; STAGE is then a host or group of it (repeatable).",
        valueName: "inventory"))
    var inventory: [String] = []

    @Option(name: .customLong("playbooks"), help: ArgumentHelp(
        "The folder of the built-in playbooks (default: playbooks/ beside deckhand.yml, else the installed ones).",
        valueName: "dir"))
    var playbooks: String?

    @Option(name: [.short, .customLong("extra-vars")], help: ArgumentHelp(
        "Variables for the playbook: key=value, @file.yml or JSON (repeatable).", valueName: "vars"))
    var extraVars: [String] = []

    @Flag(name: [.short, .customLong("check")], help: "Change nothing; report what would change.")
    var check = false

    @Flag(name: [.short, .customLong("diff")], help: "Show the changes made (or, with --check, that would be) to files.")
    var diff = false

    @Flag(name: .short, help: ArgumentHelp(
        "More output: -v the full PLAY/TASK stream with each task's result and duration (instead of the compact "
            + "progress a terminal shows), -vv commands, -vvv commands and their output."))
    var verbose: Int

    @Option(name: .customLong("output"), help: ArgumentHelp(
        "human, or json: one JSON object per line per event and a final outcome object (README: Output for people and CI).",
        valueName: "format"))
    var output: OutputFormat = .human

    @Flag(name: .customLong("profile"), help: "After the run, list the slowest tasks with their durations.")
    var profile = false

    @OptionGroup(title: "Ansible Vault") var vault: VaultOptions
}

import ArgumentParser

@main
struct DeckhandCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deckhand",
        abstract: "Operate a Django web host over SSH with Ansible-compatible playbooks.",
        subcommands: [RunCommand.self, TemplateCommand.self]
    )
}

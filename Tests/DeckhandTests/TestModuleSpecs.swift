import Deckhand
import Foundation

/// A small, fixed set of module declarations so loader tests do not depend on the module library.
enum TestModuleSpecs {
    static let all: [ModuleSpec] = [
        ModuleSpec(name: "ping", doc: "Checks the host answers.", example: "- ping:"),
        ModuleSpec(name: "command", arguments: [
            ArgumentSpec("cmd", doc: "The command."),
            ArgumentSpec("creates", type: .path, doc: "Skip when this exists."),
            ArgumentSpec("removes", type: .path, doc: "Run only when this exists."),
            ArgumentSpec("chdir", type: .path, doc: "Run in this folder."),
        ], freeFormArgument: "cmd", doc: "Runs a command.", example: "- command: ls"),
        ModuleSpec(name: "shell", arguments: [
            ArgumentSpec("cmd", doc: "The command."),
            ArgumentSpec("chdir", type: .path, doc: "Run in this folder."),
            ArgumentSpec("creates", type: .path, doc: "Skip when this exists."),
        ], freeFormArgument: "cmd", doc: "Runs through sh.", example: "- shell: echo hi"),
        ModuleSpec(name: "copy", arguments: [
            ArgumentSpec("src", type: .path, doc: "Source."),
            ArgumentSpec("content", doc: "Content."),
            ArgumentSpec("dest", type: .path, required: true, doc: "Target."),
            ArgumentSpec("mode", type: .mode, doc: "Mode."),
            ArgumentSpec("backup", type: .bool, default: .bool(false), doc: "Keep a backup."),
        ], mutuallyExclusive: [["src", "content"]], doc: "Copies a file.", example: "- copy: src=a dest=/b"),
        ModuleSpec(name: "file", arguments: [
            ArgumentSpec("path", type: .path, required: true, aliases: ["dest", "name"], doc: "Path."),
            ArgumentSpec("state", choices: ["file", "directory", "link", "hard", "touch", "absent"], doc: "State."),
            ArgumentSpec("mode", type: .mode, doc: "Mode."),
        ], doc: "Manages files.", example: "- file: path=/a state=directory"),
        ModuleSpec(name: "template", arguments: [
            ArgumentSpec("src", type: .path, required: true, doc: "Template."),
            ArgumentSpec("dest", type: .path, required: true, doc: "Target."),
        ], doc: "Renders a template.", example: "- template: src=a.j2 dest=/a"),
        ModuleSpec(name: "apt", arguments: [
            ArgumentSpec("name", type: .list, aliases: ["pkg"], doc: "Packages."),
            ArgumentSpec("state", choices: ["present", "absent", "latest"], doc: "State."),
            ArgumentSpec("update_cache", type: .bool, doc: "apt-get update first."),
            ArgumentSpec("cache_valid_time", type: .int, doc: "Seconds."),
        ], doc: "Installs packages.", example: "- apt: name=nginx"),
        ModuleSpec(name: "service", arguments: [
            ArgumentSpec("name", required: true, doc: "Service."),
            ArgumentSpec("state", choices: ["started", "stopped", "restarted", "reloaded"], doc: "State."),
            ArgumentSpec("enabled", type: .bool, doc: "Start at boot."),
        ], doc: "Manages services.", example: "- service: name=nginx state=started"),
        ModuleSpec(name: "supervisorctl", aliases: ["community.general.supervisorctl"], arguments: [
            ArgumentSpec("name", required: true, doc: "Program."),
            ArgumentSpec("state", choices: ["present", "started", "stopped", "restarted", "absent"], doc: "State."),
        ], doc: "Controls supervisord programs.", example: "- supervisorctl: name=app state=started"),
        ModuleSpec(name: "debug", arguments: [
            ArgumentSpec("msg", type: .raw, doc: "Message."),
            ArgumentSpec("var", doc: "Variable."),
        ], doc: "Prints.", example: "- debug: msg=hi"),
        ModuleSpec(name: "set_fact", acceptsAnyArguments: true, doc: "Sets facts.", example: "- set_fact: a=1"),
    ]

    static let loader = PlaybookLoader(modules: all)
}

/// Paths of the test fixtures.
enum Fixtures {
    static var root: String {
        Bundle.module.resourcePath.map { ($0 as NSString).appendingPathComponent("Fixtures") }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }

    static func path(_ relative: String) -> String {
        (root as NSString).appendingPathComponent(relative)
    }
}

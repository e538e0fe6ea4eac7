import ArgumentParser
import Deckhand
import Foundation
import Jinja

/// `deckhand template FILE -e ...`: renders a template locally, exactly as a task would write it.
struct TemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Render a Jinja2 template locally and print exactly the text a task would write.",
        discussion: """
            Includes and imports resolve next to FILE. Variables come from -e, as with ansible-playbook:
              deckhand template nginx.conf.j2 -e domain=example.com -e @vars.yml -e '{"tls": {"enabled": true}}'
            """
    )

    @Argument(help: "The template to render, e.g. templates/nginx_vhost.conf.j2.")
    var file: String

    @Option(name: [.customShort("e"), .customLong("extra-vars")],
            help: "Variables: key=value, @vars.yml, @vars.json or an inline JSON/YAML object. Repeatable; later wins.")
    var extraVars: [String] = []

    func run() throws {
        let url = URL(fileURLWithPath: file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            fail("cannot read template \(file): no such file. Check the path (it is relative to \(FileManager.default.currentDirectoryPath)).")
        }
        guard let source = try? String(contentsOf: url, encoding: .utf8) else {
            fail("cannot read template \(file): it is not readable UTF-8 text. Check its permissions and encoding.")
        }
        let variables: [String: Value]
        do {
            variables = try ExtraVars.parse(extraVars).reduce(into: [:]) { $0[$1.key] = $1.value }
        } catch {
            fail("\(error)")
        }
        do {
            // As the template module renders it (trailing newline kept, lookups beside the template).
            let output = try TemplateFile.render(source, path: file, variables: variables)
            FileHandle.standardOutput.write(Data(output.utf8))
        } catch let error as TemplateError {
            fail("\(error.templateName):\(error.line): \(error.message)")
        } catch {
            fail("\(file): \(error)")
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("deckhand template: \(message)\n".utf8))
        TemplateCommand.exit(withError: ExitCode(1))
    }
}

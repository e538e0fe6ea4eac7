import Foundation
import PackagePlugin

/// Gives the deckhand executable its version and commit (`deckhand --version`): tools/build-info writes them
/// into a generated BuildInfo.swift before each build.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = context.package.directoryURL.appending(path: "tools/build-info")
        return [.prebuildCommand(
            displayName: "deckhand version and commit",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [script.path, context.package.directoryURL.path, output.path],
            outputFilesDirectory: output)]
    }
}

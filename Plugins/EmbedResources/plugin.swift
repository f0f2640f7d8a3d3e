import Foundation
import PackagePlugin

/// Compiles the server's documents into the target: the repository's `openapi.yaml` as `EmbeddedOpenAPIDocument`,
/// and the web inbox (every file in `ui/`) as `EmbeddedInboxFiles`. The server serves exactly the files in the
/// repository without looking for resources at run time.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        let tool = try context.tool(named: "ResourceEmbedder").url
        let openAPI = root.appending(path: "openapi.yaml")
        let inboxFolder = root.appending(path: "ui")
        let inbox = try FileManager.default.contentsOfDirectory(atPath: inboxFolder.path())
            .filter { !$0.hasPrefix(".") }.sorted()
            .map { inboxFolder.appending(path: $0) }
        return [
            embed([openAPI], as: "EmbeddedOpenAPIDocument", tool: tool, context: context),
            embed(inbox, as: "EmbeddedInboxFiles", tool: tool, context: context),
        ]
    }

    private func embed(_ inputs: [URL], as type: String, tool: URL, context: PluginContext) -> Command {
        let output = context.pluginWorkDirectoryURL.appending(path: "\(type).swift")
        return .buildCommand(
            displayName: "Embedding \(type)", executable: tool,
            arguments: [output.path()] + [type] + inputs.map { $0.path() },
            inputFiles: inputs, outputFiles: [output])
    }
}

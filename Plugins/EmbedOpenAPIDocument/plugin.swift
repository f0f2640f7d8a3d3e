import PackagePlugin

/// Compiles the repository's `openapi.yaml` into the target as a string constant, so the server serves the very
/// document in the repository root without looking for a resource file at run time (a copied binary still has it).
@main
struct EmbedOpenAPIDocument: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(path: "openapi.yaml")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedOpenAPIDocument.swift")
        return [
            .buildCommand(
                displayName: "Embedding openapi.yaml",
                executable: try context.tool(named: "OpenAPIEmbedder").url,
                arguments: [input.path(), output.path()],
                inputFiles: [input],
                outputFiles: [output])
        ]
    }
}

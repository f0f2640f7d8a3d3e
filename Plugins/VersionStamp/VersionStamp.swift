import Foundation
import PackagePlugin

/// Writes the commit the executable is built from into `BuildCommit.swift`, for `switchboard --version`. A prebuild
/// command, so it runs on every build; the file is rewritten only when the commit changes, so nothing recompiles
/// otherwise. Outside a git checkout (a source archive, a Docker context without .git) the commit is "unknown".
@main
struct VersionStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let outputs = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let file = outputs.appending(path: "BuildCommit.swift").path
        let root = context.package.directoryURL.path
        let script = """
            mkdir -p '\(outputs.path)'
            commit=$(git -C '\(root)' rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && [ -n "$(git -C '\(root)' status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                commit="$commit-modified"
            fi
            printf '/// Written by the VersionStamp plugin.\\nlet buildCommit = "%s"\\n' "$commit" > '\(file).new'
            if cmp -s '\(file).new' '\(file)'; then rm '\(file).new'; else mv '\(file).new' '\(file)'; fi
            """
        return [
            .prebuildCommand(
                displayName: "Stamping the build's commit", executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script], outputFilesDirectory: outputs)
        ]
    }
}

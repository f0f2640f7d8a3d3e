import Foundation

/// `OpenAPIEmbedder INPUT OUTPUT`: writes a Swift file whose `EmbeddedOpenAPIDocument.yaml` is INPUT's text, as a raw
/// string literal. Run by the EmbedOpenAPIDocument build plugin.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: OpenAPIEmbedder INPUT OUTPUT\n".utf8))
    exit(2)
}
let delimiter = "######"
do {
    let text = try String(contentsOfFile: arguments[1], encoding: .utf8)
    guard !text.contains("\"\"\"" + delimiter), !text.contains("\\" + delimiter) else {
        FileHandle.standardError.write(Data("\(arguments[1]) contains the raw-string delimiter\n".utf8))
        exit(1)
    }
    let source = """
        // Generated from openapi.yaml by the EmbedOpenAPIDocument plugin. Do not edit.
        enum EmbeddedOpenAPIDocument {
            static let yaml = \(delimiter)\"\"\"
        \(text)
        \"\"\"\(delimiter)
        }

        """
    try Data(source.utf8).write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
} catch {
    FileHandle.standardError.write(Data("OpenAPIEmbedder: \(error)\n".utf8))
    exit(1)
}

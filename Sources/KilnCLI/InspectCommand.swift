import ArgumentParser
import Foundation
import KilnABI
import KilnInspect
import KilnRuntime

/// `kiln inspect FILE.so`: what an artifact holds, in words (or `--json`).
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Describe a Kiln artifact: sections, exports, imports, memory image.")

    @Argument(help: "A Kiln artifact (.so).") var file: String
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        // Read and checked as the loader would, but not loaded: an artifact for either
        // ISA reads on any host.
        let contents: ArtifactContents
        do {
            contents = try ArtifactContents(contentsOf: file)
        } catch {
            throw Failure("error: \(file): \(error)")
        }
        let bytes = [UInt8](FileManager.default.contents(atPath: file) ?? Data())
        let report = ArtifactReport(contents: contents, fileBytes: bytes)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text(file: file))
        }
    }
}

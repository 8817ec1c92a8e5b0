import ArgumentParser
import KilnABI
import KilnCompiler
import KilnWAST

/// `kiln wast FILES...`: the spec-test runner.
struct WASTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wast", abstract: "Run .wast spec scripts; prints failures and 'N passed, N failed'.")

    @Argument(help: "Script files.") var files: [String]
    @Flag(help: "Also list assertions that passed with a different error message.") var messages = false
    @Option(help: "Code generator: optimizing (LLVM, the default) or baseline (single pass).") var tier: String?
    @Option(help: "Funcref table set-up: image (default), checked or eager.") var tableInit: String = "image"
    @Option(help: "Target ISA: x86_64 or aarch64. Another ISA than this machine's runs in the artifact host under qemu.")
    var target: String = TargetISA.host.name
    @Flag(help: "Run through the artifact host process even for this machine's ISA.") var artifactHost = false

    func run() throws {
        var total = WASTReport()
        let isa = try parseTarget(target)
        var runner = WASTRunner(
            options: CompileOptions(target: isa, tableInit: try parseTableInit(tableInit), tier: try parseTier(tier)), echo: true)
        if isa != .host || artifactHost { runner.artifactHost = try artifactHostCommand(for: isa) }
        for file in files {
            let report = runner.run(path: file)
            if messages { for m in report.messageMismatches { print("message: \(m)") } }
            total.merge(report)
        }
        print(total.summary)
        if total.failed > 0 { throw ExitCode.failure }
    }
}

import ArgumentParser

/// The `kiln` command: argument parsing only; every job is done by a library.
@main
struct Kiln: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln",
        abstract: "Ahead-of-time WebAssembly compiler: wasm -> ELF shared object, and a runtime to run it.",
        subcommands: [CompileCommand.self, RunCommand.self, InspectCommand.self, WASTCommand.self])
}

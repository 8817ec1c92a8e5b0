import Foundation
import Testing

/// `kiln run` on WASI programs, as a user runs it: the built `kiln` executable with its
/// own stdin, stdout and stderr.
@Suite struct WASICommandLineTests {
    static let kiln = WASIFixtures.root.appendingPathComponent(".build/debug/kiln")

    static func kiln(_ arguments: [String], stdin: String = "") throws -> ChildProcess {
        try ChildProcess.run(kiln, arguments, stdin: stdin)
    }

    /// A fixture's .wasm, copied into `dir` (so argv[0] is predictable).
    static func fixture(_ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("\(name).wasm")
        try Data(try WASIFixtures.wasm(name)).write(to: path)
        return path.path
    }

    @Test func runsACommandFromWasmAndFromASharedObject() throws {
        let dir = try Guest.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wasm = try Self.fixture("args_env", in: dir)
        let run = try Self.kiln(["run", "--env", "KILN_A=one", wasm, "KILN_A", "-n", "--flag"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("argc=4\nargv[0]=\(wasm)\nargv[1]=KILN_A\nargv[2]=-n\nargv[3]=--flag\nKILN_A=one\n"))
        let so = dir.appendingPathComponent("args_env.so").path
        #expect(try Self.kiln(["compile", wasm, "-o", so]).status == 0)
        let fromSO = try Self.kiln(["run", so, "--env", "KILN_A=two", "--", "KILN_A", "--env"])
        #expect(fromSO.stdout.contains("argv[2]=--env\nKILN_A=two\n"), "\(fromSO.stdout)")
    }

    @Test func exitStatusStdinAndStderrPassThrough() throws {
        let dir = try Guest.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exit = try Self.fixture("exit_code", in: dir)
        for (arguments, status) in [(["0"], 0), (["5"], 5), (["77", "exit"], 77)] as [([String], Int32)] {
            let run = try Self.kiln(["run", exit] + arguments)
            #expect(run.status == status)
            #expect(run.stderr == "leaving with \(status)\n")
            #expect(run.stdout == "")
        }
        let aborted = try Self.kiln(["run", exit, "1", "abort"])
        #expect(aborted.status == 134)
        #expect(aborted.stderr.hasPrefix("leaving with 1\nerror: wasm trap: unreachable"), "\(aborted.stderr)")
        let stdin = try Self.fixture("stdin", in: dir)
        let echoed = try Self.kiln(["run", stdin], stdin: "piped\n")
        #expect(echoed.status == 0)
        #expect(echoed.stdout == "6 bytes, 1 lines\nPIPED\n")
    }

    @Test func preopenedDirectoryUnderAGuestPath() throws {
        let (box, sandbox, secret) = try Guest.makeSandbox()
        defer { try? FileManager.default.removeItem(at: box) }
        let escape = try Self.fixture("escape", in: box)
        let run = try Self.kiln(["run", "--dir", "\(sandbox.path)::/sandbox", escape, secret.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("/sandbox/inside.txt: OPENED"))
        #expect(!run.stdout.contains("top secret"))
        let missing = try Self.kiln(["run", "--dir", box.appendingPathComponent("none").path, escape])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot open the preopened directories"), "\(missing.stderr)")
        let bad = try Self.kiln(["run", "--env", "NOEQUALS", escape])
        #expect(bad.status != 0 && bad.stderr.contains("NAME=VALUE"))
    }

    /// A trap in a WASI command: status 134 (as `wasmtime run`), the message on stderr.
    @Test func aTrapExits134WithTheMessage() throws {
        let dir = try Guest.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wat = dir.appendingPathComponent("trap.wat")
        try """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") unreachable))
            """.write(to: wat, atomically: true, encoding: .utf8)
        let run = try Self.kiln(["run", wat.path])
        #expect(run.status == 134)
        #expect(run.stderr.contains("wasm trap: unreachable"), "\(run.stderr)")
    }
}

extension WASICommandLineTests {
    /// The example host (Sources/KilnExampleHost) runs a WASI command after its plugin.
    @Test func theExampleHostRunsAWASICommand() throws {
        let dir = try Guest.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plugin = dir.appendingPathComponent("plugin.so").path
        let command = dir.appendingPathComponent("args_env.so").path
        let wat = WASIFixtures.root.appendingPathComponent("Fixtures/examples/plugin.wat").path
        #expect(try Self.kiln(["compile", wat, "-o", plugin]).status == 0)
        #expect(try Self.kiln(["compile", try Self.fixture("args_env", in: dir), "-o", command]).status == 0)
        let host = try ChildProcess.run(
            WASIFixtures.root.appendingPathComponent(".build/debug/kiln-example-host"), [plugin, command])
        let output = host.stdout
        #expect(host.status == 0, "\(host.stderr)")
        #expect(output.hasPrefix("plugin says: hello, kiln\n"))
        #expect(output.hasSuffix("""
            after the trap: add(1, 2) = 3
            argc=4
            argv[0]=hello
            argv[1]=from
            argv[2]=the
            argv[3]=host
            from=(unset)
            the=(unset)
            host=(unset)
            environ has 1 entries
            the WASI command exited with 0

            """), "\(output)")
    }
}

import Foundation
import KilnRuntime
import KilnWASI
import Testing

/// The programs in `Fixtures/wasi/`, built by clang-16 against wasi-libc and by rustc,
/// run in this process under every variant Kiln can compile them as.
@Suite struct ProgramTests {
    @Test(arguments: Variant.all) func helloWorld(_ variant: Variant) throws {
        let result = try Guest.run("hello", variant)
        #expect(result.outcome == .exited(0))
        #expect(result.stdout == "hello from C on wasi-libc\n")
        #expect(result.stderr == "")
    }

    @Test(arguments: Variant.all) func argumentsAndEnvironment(_ variant: Variant) throws {
        let configuration = WASIConfiguration(environment: ["KILN_A": "one", "KILN_B": "x=y", "EMPTY": ""])
        let result = try Guest.run(
            "args_env", variant, arguments: ["KILN_A", "KILN_B", "EMPTY", "HOME", "white space"],
            configuration: configuration)
        #expect(result.outcome == .exited(0))
        #expect(
            result.stdout == """
                argc=6
                argv[0]=args_env.wasm
                argv[1]=KILN_A
                argv[2]=KILN_B
                argv[3]=EMPTY
                argv[4]=HOME
                argv[5]=white space
                KILN_A=one
                KILN_B=x=y
                EMPTY=
                HOME=(unset)
                white space=(unset)
                environ has 3 entries

                """)
    }

    /// Exit statuses by returning from main and by `exit` (proc_exit), 0 and not.
    @Test(arguments: Variant.all) func exitCodes(_ variant: Variant) throws {
        for (arguments, code) in [(["0"], 0), (["3"], 3), (["0", "exit"], 0), (["42", "exit"], 42), (["255", "exit"], 255)]
            as [([String], UInt32)]
        {
            let result = try Guest.run("exit_code", variant, arguments: arguments)
            #expect(result.outcome == .exited(code), "\(arguments)")
            #expect(result.stderr == "leaving with \(code)\n")
            #expect(result.stdout == "")
        }
        // abort() is a trap, not an exit status.
        #expect {
            try Guest.run("exit_code", variant, arguments: ["1", "abort"])
        } throws: { error in
            guard case RuntimeError.trap(let trap) = error else { return false }
            return trap.kind == .unreachable && WASISession.exitCode(of: error) == nil
        }
    }

    @Test(arguments: Variant.all) func filesInAPreopenedDirectory(_ variant: Variant) throws {
        let (box, sandbox, _) = try Guest.makeSandbox()
        defer { try? FileManager.default.removeItem(at: box) }
        let configuration = WASIConfiguration(preopens: [PreopenDirectory(hostPath: sandbox.path, guestPath: "/sandbox")])
        let result = try Guest.run("files", variant, configuration: configuration)
        #expect(result.outcome == .exited(0), "\(result.stdout)")
        #expect(
            result.stdout == """
                read at 4: 456789
                read at 13: def
                size 16
                renamed holds 01234567XYabcdef
                host wrote: from the host
                listing: from-host.txt inside.txt link-out sub
                done

                """)
        // What the guest left is on the host's disk, and only inside the sandbox.
        #expect(
            try String(contentsOf: sandbox.appendingPathComponent("written-by-guest.txt"), encoding: .utf8)
                == "the guest was here\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.path).sorted() == [
            "from-host.txt", "inside.txt", "link-out", "written-by-guest.txt",
        ])
    }

    /// `..`, an absolute host path, a symlink pointing out, a symlink the guest makes:
    /// nothing outside the preopened directory is read or created.
    @Test(arguments: Variant.all) func nothingOutsideThePreopenedDirectory(_ variant: Variant) throws {
        let (box, sandbox, secret) = try Guest.makeSandbox()
        defer { try? FileManager.default.removeItem(at: box) }
        let configuration = WASIConfiguration(preopens: [PreopenDirectory(hostPath: sandbox.path, guestPath: "/sandbox")])
        let result = try Guest.run("escape", variant, arguments: [secret.path], configuration: configuration)
        #expect(result.outcome == .exited(0))
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 7, "\(result.stdout)")
        for line in lines.prefix(6) {
            #expect(line.contains("refused"), "\(line)")
        }
        #expect(lines.last == "/sandbox/inside.txt: OPENED, read 7 bytes: inside")
        #expect(!result.stdout.contains("top secret"))
        #expect(!FileManager.default.fileExists(atPath: box.appendingPathComponent("created-outside.txt").path))
    }

    @Test(arguments: Variant.all) func clocksAndRandom(_ variant: Variant) throws {
        let now = Int(Date().timeIntervalSince1970)
        let result = try Guest.run("clock_random", variant, arguments: [String(now)])
        #expect(result.outcome == .exited(0))
        #expect(
            result.stdout == """
                wall clock within a minute of the host's: yes
                monotonic clock advanced at least 20 ms: yes
                random bytes differ: yes
                random bytes not all zero: yes

                """)
    }

    @Test(arguments: Variant.all) func standardInput(_ variant: Variant) throws {
        let result = try Guest.run("stdin", variant, stdin: "abc\nWasi, stdin\n")
        #expect(result.outcome == .exited(0))
        #expect(result.stdout == "16 bytes, 2 lines\nABC\nWASI, STDIN\n")
        let empty = try Guest.run("stdin", variant, stdin: "")
        #expect(empty.stdout == "0 bytes, 0 lines\n")
    }

    /// Out-of-bounds iovec arrays, buffers, counts, out-parameters and paths: EFAULT (21)
    /// each time, nothing written, and the program (and this host) carry on.
    @Test(arguments: Variant.all) func outOfBoundsPointersAreEFAULT(_ variant: Variant) throws {
        let result = try Guest.run("bad_pointers", variant, stdin: "input that must not be consumed")
        #expect(result.outcome == .exited(0))
        #expect(
            result.stdout == """
                errnos: 21 21 21 21 21 21 21 21 21
                after them: clock_time_get -> 0, time positive

                """)
        // The host is unhurt: the next guest runs normally.
        #expect(try Guest.run("hello", variant).stdout == "hello from C on wasi-libc\n")
    }

    @Test(arguments: Variant.all) func rustProgram(_ variant: Variant) throws {
        let (box, sandbox, _) = try Guest.makeSandbox()
        defer { try? FileManager.default.removeItem(at: box) }
        let configuration = WASIConfiguration(
            environment: ["KILN_GREETING": "hi"], preopens: [PreopenDirectory(hostPath: sandbox.path, guestPath: "/sandbox")])
        let result = try Guest.run("hello_rs", variant, arguments: ["7", "more"], configuration: configuration)
        #expect(result.outcome == .exited(7))
        #expect(
            result.stdout == """
                hello from Rust, args ["7", "more"]
                KILN_GREETING=hi
                read back: written by Rust
                listing: from-host.txt inside.txt link-out rust.txt
                outside the sandbox: refused

                """)
    }

    /// A reactor: `_initialize` runs before the invoked export; proc_exit inside an export
    /// ends the run with its code.
    @Test(arguments: Variant.all) func reactor(_ variant: Variant) throws {
        #expect(try Guest.run("reactor", variant, invoke: ("add_base", [.i32(2)])).outcome == .returned([.i32(42)]))
        let shout = try Guest.run("reactor", variant, invoke: ("shout", []))
        #expect(shout.outcome == .returned([]))
        #expect(shout.stdout == "reactor initialized, base 40\n")
        #expect(try Guest.run("reactor", variant, invoke: ("leave", [.i32(6)])).outcome == .exited(6))
    }
}

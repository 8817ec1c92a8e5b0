import Foundation
import KilnABI
import Testing

@testable import KilnRuntime

@Suite struct NestingTests {
    /// env.double calls back into the calling instance: `boom` traps inside the nested
    /// call; the host function catches it (mode 1) or lets it propagate (mode 2).
    func nestingInstance(mode: Int) throws -> Instance {
        var imports = Imports()
        imports.define(
            module: "env", name: "double",
            HostFunction(parameters: [.i32], results: [.i32]) { caller, args in
                #expect(kilnInvokeDepth() == 1)
                do {
                    _ = try caller.instance!.call("boom")
                } catch RuntimeError.trap(let t) where mode == 1 {
                    #expect(t.kind == .unreachable)
                    #expect(kilnInvokeDepth() == 1)
                    let inner = try caller.instance!.call("add", [args[0], .i32(100)])
                    return inner
                }
                return [.i32(0)]
            })
        let module = try Module(bytes: HandAssembled.standard, engine: engine)
        return try Instance(module: module, store: Store(engine: engine), imports: imports)
    }

    @Test func trapInNestedCallCaughtByTheHost() throws {
        let instance = try nestingInstance(mode: 1)
        for _ in 0..<50 {
            #expect(try instance.call("callHost", [.i32(1)]) == [.i32(102)])
            #expect(kilnInvokeDepth() == 0)
            #expect(instance.store.stackLimit == 0)
        }
    }

    @Test func trapInNestedCallPropagatesAsHostError() throws {
        let instance = try nestingInstance(mode: 2)
        let t = try #require(trap { _ = try instance.call("callHost", [.i32(1)]) })
        #expect(t.kind == .hostError)
        #expect(t.detail == "wasm trap: unreachable in boom")
        #expect(kilnInvokeDepth() == 0)
        #expect(instance.store.stackLimit == 0)
    }

    @Test func startFunctionTrapFailsInstantiation() throws {
        var m = HandAssembled.metadata()
        m.startFunction = 2  // boom
        let module = try Module(bytes: try HandAssembled.build(m), engine: engine)
        do {
            _ = try Instance(module: module, store: Store(engine: engine), imports: fixtureImports())
            Issue.record("instantiated")
        } catch {
            guard case .trap(let t) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(t.kind == .unreachable && t.function == "boom")
        }
    }

    @Test func nothingKeepsAModuleAlive() throws {
        weak var weakModule: Module?
        weak var weakInstance: Instance?
        do {
            let module = try Module(bytes: HandAssembled.standard, engine: engine)
            weakModule = module
            let instance = try Instance(module: module, store: Store(engine: engine), imports: fixtureImports())
            weakInstance = instance
            for _ in 0..<10 { _ = trap { _ = try instance.call("callHost", [.i32(13)]) } }
            for _ in 0..<10 { _ = trap { _ = try instance.call("boom") } }
            _ = instance.exports
        }
        #expect(weakInstance == nil)
        #expect(weakModule == nil)
    }

    @Test func trapStormKeepsMemoryFlat() throws {
        let instance = try fixtureInstance()
        func storm() {
            for i in 0..<2000 {
                _ = trap { _ = try instance.call(i % 2 == 0 ? "boom" : "load", i % 2 == 0 ? [] : [.i32(1 << 30)]) }
            }
        }
        storm()
        let before = residentPages()
        storm()
        storm()
        let after = residentPages()
        // 4000 traps may not grow the process by more than a few pages (other tests run
        // concurrently, so allow some slack).
        #expect(after - before < 2048, "resident pages grew from \(before) to \(after)")
        #expect(kilnInvokeDepth() == 0)
    }

    @Test func hostCrashStaysACrash() throws {
        _ = Engine()  // handlers installed
        let pid = fork()
        if pid == 0 {
            // Child: a host bug outside wasm code must still kill the process. Its crash
            // report (Swift's backtracer, the previous handler) is expected: silence it.
            let null = open("/dev/null", O_WRONLY)
            dup2(null, 1)
            dup2(null, 2)
            let p = UnsafeMutablePointer<Int>(bitPattern: 16)!
            p.pointee = 1
            _exit(0)
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let signalled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
        #expect(signalled, "child exited normally with status \(status)")
        #expect(status & 0x7F == SIGSEGV)
    }
}

func residentPages() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = s.split(separator: " ")
    return fields.count > 1 ? Int(fields[1]) ?? 0 : 0
}

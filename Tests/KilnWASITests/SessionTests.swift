import Foundation
import KilnCompiler
import WAT
import KilnRuntime
import Testing
import WASI

@testable import KilnWASI

/// The pieces under the programs: the pointer table, the memory view's last line of
/// defence, the Swift host API, and that sessions leave no descriptor open.
@Suite struct SessionTests {
    /// Every function WasmKit's bridge provides has an entry saying which guest memory it
    /// touches, so none of them runs on an unchecked pointer.
    @Test func everyPreview1FunctionHasItsRegions() throws {
        let session = try WASISession(configuration: WASIConfiguration())
        defer { try? session.close() }
        var imports = Imports()
        session.define(in: &imports)
        let names = ["args_get", "fd_write", "path_open", "poll_oneoff", "proc_exit", "sock_recv", "random_get"]
        for name in names { #expect(imports.lookup(module: "wasi_snapshot_preview1", name: name) != nil, "\(name)") }
        let bridge = try WASIBridgeToHost()
        defer { try? bridge.close() }
        let provided = Set(bridge.hostFunctions(capabilities: WASICapability<LinearMemoryView>.all).keys)
        #expect(provided.count == 46)
        #expect(provided == Set(preview1Regions.keys))
        // Every argument a region names exists and is an i32 (a guest pointer or length).
        for (name, function) in bridge.hostFunctions(capabilities: WASICapability<LinearMemoryView>.all) {
            for region in preview1Regions[name] ?? [] {
                let indices: [Int]
                switch region {
                case .fixed(let p, _): indices = [p]
                case .bytes(let p, let l): indices = [p, l]
                case .array(let p, let c, _), .buffers(let p, let c): indices = [p, c]
                case .arguments, .environment: indices = [0, 1]
                }
                for i in indices {
                    #expect(i < function.type.parameters.count && function.type.parameters[i] == .i32, "\(name) argument \(i)")
                }
            }
        }
    }

    /// A range the pointer table did not foresee: the implementation gets zeroed scratch
    /// bytes, the fault is recorded, the memory outside stays untouched.
    @Test func theViewNeverReachesOutOfBounds() throws {
        let memory = try Memory(minimumPages: 1)
        let view = LinearMemoryView(memory: memory)
        let inBounds = view.withUnsafeMutableBufferPointer(offset: 65532, count: 4) { buffer in
            buffer.storeBytes(of: 0x1234_5678, as: UInt32.self)
            return buffer.count
        }
        #expect(inBounds == 4)
        #expect(!view.faults.faulted)
        #expect(try memory.read(at: 65532, count: 4) == [0x78, 0x56, 0x34, 0x12])
        let outside = view.withUnsafeMutableBufferPointer(offset: 65534, count: 4) { buffer -> [UInt8] in
            let seen = Array(buffer)
            buffer.storeBytes(of: 0xFFFF_FFFF, as: UInt32.self)
            return seen
        }
        #expect(outside == [0, 0, 0, 0])
        #expect(view.faults.faulted)
        #expect(try memory.read(at: 65532, count: 4) == [0x78, 0x56, 0x34, 0x12])
        let none = LinearMemoryView(memory: nil)
        #expect(none.withUnsafeMutableBufferPointer(offset: 0, count: 1) { $0.count } == 1)
        #expect(none.faults.faulted)
    }

    @Test func regionsCheckEveryByte() throws {
        let memory = try Memory(minimumPages: 1)
        let config = WASIConfiguration(arguments: ["ab", "c"])  // 2 pointers, 5 bytes
        let end = UInt32(65536)
        #expect(GuestRegion.fixed(pointer: 0, size: 8).isInBounds([.i32(end - 8)], memory: memory, configuration: config))
        #expect(!GuestRegion.fixed(pointer: 0, size: 8).isInBounds([.i32(end - 7)], memory: memory, configuration: config))
        #expect(!GuestRegion.fixed(pointer: 0, size: 8).isInBounds([.i32(0)], memory: nil, configuration: config))
        #expect(GuestRegion.bytes(pointer: 0, length: 1).isInBounds([.i32(end - 4), .i32(4)], memory: memory, configuration: config))
        #expect(!GuestRegion.bytes(pointer: 0, length: 1).isInBounds([.i32(end - 4), .i32(5)], memory: memory, configuration: config))
        #expect(!GuestRegion.bytes(pointer: 0, length: 1).isInBounds([.i32(.max), .i32(.max)], memory: memory, configuration: config))
        #expect(!GuestRegion.array(pointer: 0, count: 1, stride: 48).isInBounds([.i32(0), .i32(1366)], memory: memory, configuration: config))
        #expect(GuestRegion.array(pointer: 0, count: 1, stride: 48).isInBounds([.i32(0), .i32(1365)], memory: memory, configuration: config))
        #expect(GuestRegion.arguments.isInBounds([.i32(end - 8), .i32(end - 5)], memory: memory, configuration: config))
        #expect(!GuestRegion.arguments.isInBounds([.i32(end - 7), .i32(0)], memory: memory, configuration: config))
        #expect(!GuestRegion.arguments.isInBounds([.i32(0), .i32(end - 4)], memory: memory, configuration: config))
        // iovecs: the array and every buffer it names.
        try memory.write([16, 0, 0, 0, 8, 0, 0, 0, 0xF8, 0xFF, 0, 0, 9, 0, 0, 0], at: 0)  // {16, 8}, {65528, 9}
        #expect(GuestRegion.buffers(pointer: 0, count: 1).isInBounds([.i32(0), .i32(1)], memory: memory, configuration: config))
        #expect(!GuestRegion.buffers(pointer: 0, count: 1).isInBounds([.i32(0), .i32(2)], memory: memory, configuration: config))
        #expect(!GuestRegion.buffers(pointer: 0, count: 1).isInBounds([.i32(end - 4), .i32(1)], memory: memory, configuration: config))
    }

    /// The Swift host API in a few lines: one call adds WASI to the imports, the command
    /// runs, proc_exit's code comes back, closing the session releases its descriptors.
    @Test func aSwiftHostRunsACommandAndLeaksNoDescriptor() throws {
        let (box, sandbox, _) = try Guest.makeSandbox()
        defer { try? FileManager.default.removeItem(at: box) }
        let module = try Guest.compile("hello_rs", Variant(tableInit: .image))
        let devNull = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/null"))
        defer { try? devNull.close() }
        #expect(try Guest.openDescriptors(under: sandbox) == 0)
        for round in 0..<5 {
            var imports = Imports()
            let wasi = try imports.defineWASI(
                WASIConfiguration(
                    arguments: ["hello_rs", String(round)], preopens: [.init(hostPath: sandbox.path, guestPath: "/sandbox")],
                    stdout: devNull.fileDescriptor))
            let instance = try Instance(module: module, store: Store(engine: engine), imports: imports)
            #expect(try WASISession.runCommand(instance) == UInt32(round))
            #expect(try Guest.openDescriptors(under: sandbox) >= 1)  // the preopen, at least
            try wasi.close()
            #expect(try Guest.openDescriptors(under: sandbox) == 0)
        }
        // A session dropped without close() closes itself.
        do {
            let session = try WASISession(configuration: WASIConfiguration(preopens: [.init(hostPath: sandbox.path, guestPath: "/s")]))
            let open = try withExtendedLifetime(session) { try Guest.openDescriptors(under: sandbox) }
            #expect(open == 1)
        }
        #expect(try Guest.openDescriptors(under: sandbox) == 0)
    }

    @Test func proc_exitReachesTheCallerTyped() throws {
        let module = try Guest.compile("reactor", Variant(tableInit: .image))
        var imports = Imports()
        let wasi = try imports.defineWASI(WASIConfiguration())
        defer { try? wasi.close() }
        let instance = try Instance(module: module, store: Store(engine: engine), imports: imports)
        try WASISession.initializeReactor(instance)
        do {
            try instance.call("leave", [.i32(3)])
            Issue.record("leave returned")
        } catch {
            guard case .trap(let trap) = error else { throw error }
            #expect(trap.kind == .hostError)
            #expect((trap.hostError as? WASIExitCode)?.code == 3)
            #expect(WASISession.exitCode(of: error) == 3)
        }
        // The instance stays usable.
        #expect(try instance.call("add_base", [.i32(1)]) == [.i32(41)])
    }

    @Test func preopenParsing() {
        #expect(PreopenDirectory(parsing: "/tmp/x") == PreopenDirectory(hostPath: "/tmp/x", guestPath: "/tmp/x"))
        #expect(PreopenDirectory(parsing: "dir::/sandbox") == PreopenDirectory(hostPath: "dir", guestPath: "/sandbox"))
        #expect(PreopenDirectory(parsing: "a:b::c") == PreopenDirectory(hostPath: "a:b", guestPath: "c"))
        #expect(PreopenDirectory(parsing: "::/x") == nil)
        #expect(PreopenDirectory(parsing: "x::") == nil)
        #expect(PreopenDirectory(parsing: "") == nil)
    }
}

extension SessionTests {
    /// proc_exit called in a nested call (wasm -> host -> wasm -> proc_exit) still ends
    /// the outer call with its code when the host function in between rethrows.
    @Test func proc_exitThroughANestedCall() throws {
        let wasm = try wat2wasm(
            """
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (import "env" "nested" (func $nested))
              (memory (export "memory") 1)
              (func (export "inner") (call $exit (i32.const 9)))
              (func (export "_start") (call $nested)))
            """)
        let module = try Module(bytes: try Compiler.compile(wasm: wasm).bytes, engine: engine)
        var imports = Imports()
        let wasi = try imports.defineWASI(WASIConfiguration())
        defer { try? wasi.close() }
        final class Box { var instance: Instance? }
        let box = Box()
        imports.define(
            module: "env", name: "nested",
            HostFunction(parameters: [], results: []) { _, _ in
                try box.instance!.call("inner")
                return []
            })
        let instance = try Instance(module: module, store: Store(engine: engine), imports: imports)
        box.instance = instance
        #expect(try WASISession.runCommand(instance) == 9)
        box.instance = nil
    }
}

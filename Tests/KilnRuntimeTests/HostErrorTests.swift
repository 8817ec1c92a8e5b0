import Foundation
import KilnABI
import Testing

@testable import KilnRuntime

/// An error a host throws to stop the guest, as WASI's `proc_exit` does.
private struct Exit: Error, Equatable {
    var code: UInt32
}

/// A host function's error reaches the caller of the export as itself, through any number
/// of wasm frames, and the instance stays usable; linear memory is reachable in place.
@Suite struct HostErrorTests {
    /// `run` calls `$leave` from three nested wasm frames; `env.leave` throws `Exit`.
    static let wat = """
        (module
          (import "env" "leave" (func $leave (param i32)))
          (memory (export "memory") 1 3)
          (func $deep (param i32) (if (local.get 0) (then (call $leave (local.get 0)))))
          (func $middle (param i32) (call $deep (local.get 0)))
          (func (export "run") (param i32) (result i32) (call $middle (local.get 0)) (i32.const 7))
          (func (export "grow") (result i32) (memory.grow (i32.const 1))))
        """

    func instance() throws -> Instance {
        var imports = Imports()
        imports.define(
            module: "env", name: "leave",
            HostFunction(parameters: [.i32], results: []) { _, args in
                guard case .i32(let code) = args[0] else { return [] }
                throw Exit(code: code)
            })
        return try instantiate(Self.wat, imports: imports)
    }

    @Test func theThrownErrorArrivesTyped() throws {
        let instance = try instance()
        for i in 0..<100 {
            let code = UInt32(i % 7 + 1)
            let t = try #require(trap { _ = try instance.call("run", [.i32(code)]) })
            #expect(t.kind == .hostError)
            #expect(t.function == "env.leave")
            #expect(t.hostError as? Exit == Exit(code: code))
            #expect(kilnInvokeDepth() == 0)
            #expect(instance.store.stackLimit == 0)
            #expect(instance.store.pendingHostError == nil)
            // The instance is usable afterwards.
            #expect(try instance.call("run", [.i32(0)]) == [.i32(7)])
        }
    }

    @Test func calledFromTheHostTheErrorArrivesTyped() throws {
        let host = HostFunction(name: "leave", parameters: [], results: []) { _, _ in throw Exit(code: 9) }
        let t = try #require(trap { _ = try Function(host).call([]) })
        #expect(t.hostError as? Exit == Exit(code: 9))
    }

    @Test func otherTrapsCarryNoHostError() throws {
        let t = try #require(trap { _ = try instantiate("(module (func (export \"f\") unreachable))").call("f") })
        #expect(t.kind == .unreachable)
        #expect(t.hostError == nil)
    }

    @Test func inPlaceAccessIsBoundsChecked() throws {
        let instance = try instance()
        let memory = try #require(instance.memory)
        let page = UInt64(WasmPage.size)
        // In bounds: writes are seen by the other accessors, no copy involved.
        let wrote = memory.withUnsafeMutableBytes(at: page - 4, count: 4) { bytes in
            bytes.copyBytes(from: [1, 2, 3, 4])
            return bytes.count
        }
        #expect(wrote == 4)
        #expect(try memory.read(at: page - 4, count: 4) == [1, 2, 3, 4])
        #expect(memory.withUnsafeBytes(at: page - 4, count: 4) { Array($0) } == [1, 2, 3, 4])
        #expect(memory.withUnsafeBytes(at: page, count: 0) { $0.count } == 0)
        // Out of bounds, overflowing, negative: nil, body not called.
        var called = false
        for (offset, count) in [(page - 3, 4), (page, 1), (UInt64.max, 2), (0, -1), (0, Int(page) + 1)] {
            #expect(memory.withUnsafeMutableBytes(at: offset, count: count) { _ in called = true } == nil)
        }
        #expect(!called)
        // The length is read on every access: after wasm grows the memory, the new page is in bounds.
        #expect(try instance.call("grow") == [.i32(1)])
        #expect(memory.withUnsafeBytes(at: page, count: 4) { Array($0) } == [0, 0, 0, 0])
        #expect(memory.withUnsafeBytes(at: 2 * page, count: 1) { _ in } == nil)
    }

    @Test func bodyErrorsPassThroughTyped() throws {
        let memory = try Memory(minimumPages: 1)
        #expect(throws: Exit(code: 3)) {
            _ = try memory.withUnsafeMutableBytes(at: 0, count: 1) { (_) throws(Exit) in throw Exit(code: 3) }
        }
    }
}

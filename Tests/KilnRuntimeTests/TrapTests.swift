import Foundation
import KilnABI
import Testing

@testable import KilnRuntime

func trap(_ body: () throws -> Void) -> Trap? {
    do {
        try body()
        return nil
    } catch let error as RuntimeError {
        guard case .trap(let t) = error else { return nil }
        return t
    } catch {
        return nil
    }
}

@Suite struct TrapTests {
    @Test func unreachableNamesTheFunction() throws {
        let instance = try fixtureInstance()
        let t = try #require(trap { _ = try instance.call("boom") })
        #expect(t.kind == .unreachable)
        // No name-section name: the export name.
        #expect(t.function == "boom")
        #expect(t.description == "wasm trap: unreachable in boom")
    }

    @Test func hundredTrapsInALoop() throws {
        let instance = try fixtureInstance()
        for i in 0..<100 {
            let t = try #require(
                trap { _ = try instance.call(i % 2 == 0 ? "boom" : "div", i % 2 == 0 ? [] : [.i32(1), .i32(0)]) })
            #expect(t.kind == (i % 2 == 0 ? .unreachable : .integerDivideByZero))
            #expect(try instance.call("add", [.i32(UInt32(i)), .i32(1)]) == [.i32(UInt32(i + 1))])
        }
    }

    @Test func outOfBoundsLoadFaults() throws {
        let instance = try fixtureInstance()
        let t = try #require(trap { _ = try instance.call("load", [.i32(65536)]) })
        #expect(t.kind == .outOfBoundsMemoryAccess)
        #expect(t.function == "load")
        let t2 = try #require(trap { _ = try instance.call("load", [.i32(UInt32.max)]) })
        #expect(t2.kind == .outOfBoundsMemoryAccess)
        #expect(try instance.call("load", [.i32(65532)]) == [.i32(0)])
    }

    @Test func divideByZeroViaSIGFPE() throws {
        let instance = try fixtureInstance()
        #expect(try instance.call("div", [.i32(84), .i32(2)]) == [.i32(42)])
        let t = try #require(trap { _ = try instance.call("div", [.i32(1), .i32(0)]) })
        #expect(t.kind == .integerDivideByZero)
        #expect(t.function == "div")
    }

    @Test func stackOverflowIsATrap() throws {
        let instance = try fixtureInstance()
        for _ in 0..<3 {
            let t = try #require(trap { _ = try instance.call("recurse") })
            #expect(t.kind == .callStackExhausted)
            #expect(t.function == "recurse")
        }
        #expect(instance.store.stackLimit == 0)
    }

    @Test func trapsInSeveralThreadsAtOnce() throws {
        let module = try Module(bytes: HandAssembled.standard, engine: engine)
        let threads = 8
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            do {
                let instance = try Instance(module: module, store: Store(engine: engine), imports: fixtureImports())
                for j in 0..<200 {
                    switch j % 4 {
                    case 0:
                        if trap({ _ = try instance.call("boom") })?.kind != .unreachable {
                            failures.add("thread \(i): boom")
                        }
                    case 1:
                        if trap({ _ = try instance.call("load", [.i32(1 << 20)]) })?.kind != .outOfBoundsMemoryAccess {
                            failures.add("thread \(i): load")
                        }
                    case 2:
                        if trap({ _ = try instance.call("recurse") })?.kind != .callStackExhausted {
                            failures.add("thread \(i): recurse")
                        }
                    default:
                        if try instance.call("add", [.i32(UInt32(i)), .i32(UInt32(j))]) != [.i32(UInt32(i + j))] {
                            failures.add("thread \(i): add")
                        }
                    }
                }
            } catch {
                failures.add("thread \(i): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
    }

    @Test func instancesInSeveralThreads() throws {
        let module = try Module(bytes: HandAssembled.standard, engine: engine)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            do {
                for _ in 0..<20 {
                    let instance = try Instance(module: module, store: Store(engine: engine), imports: fixtureImports())
                    try instance.memory!.write([UInt8(i)], at: 200)
                    if try instance.call("load", [.i32(200)]) != [.i32(UInt32(i))] { failures.add("load \(i)") }
                    if try instance.call("callHost", [.i32(UInt32(i))]) != [.i32(UInt32(2 * i + 1))] {
                        failures.add("host \(i)")
                    }
                }
            } catch {
                failures.add("thread \(i): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}

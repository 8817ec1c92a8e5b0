// Host functions: Swift closures wasm can import. This is the convenience layer (full
// Swift: closures throwing `any Error`), kept apart from the Embedded-compatible core.
import KilnABI

/// What a host function sees of its caller: the calling instance and its memory.
public struct Caller {
    /// The calling instance; nil when the host itself called the function.
    public let instance: Instance?
    /// The calling instance's memory 0, if it has one.
    public var memory: Memory? { instance?.memory }
}

/// A function implemented by the host, to be imported by wasm modules
/// (https://webassembly.github.io/spec/core/exec/runtime.html#function-instances).
/// An error the closure throws becomes a ``TrapKind/hostError`` trap whose `detail` is
/// the error's description.
public final class HostFunction {
    public let type: Signature
    /// Name used in traps when called from the host; calls from wasm name the import
    /// (`env.log`).
    public let name: String
    let body: (Caller, [Value]) throws -> [Value]

    public init(
        name: String = "", parameters: [ValueKind], results: [ValueKind],
        _ body: @escaping (Caller, [Value]) throws -> [Value]
    ) {
        self.name = name
        self.type = Signature(parameters: parameters, results: results)
        self.body = body
    }

    /// Called from the host (not through a stub): errors become a `hostError` trap.
    func callFromHost(_ args: [Value]) throws(RuntimeError) -> [Value] {
        do {
            let results = try body(Caller(instance: nil), args)
            if let problem = checkResults(results) { throw HostResultError(message: problem) }
            return results
        } catch let e as RuntimeError {
            throw e
        } catch {
            throw RuntimeError.trap(Trap(kind: .hostError, function: displayName, detail: "\(error)"))
        }
    }

    var displayName: String { name.isEmpty ? "host function" : name }

    func checkResults(_ results: [Value]) -> String? {
        guard results.count == type.results.count else {
            return "host function returned \(results.count) results, its type has \(type.results.count)"
        }
        for (i, (r, k)) in zip(results, type.results).enumerated() where r.kind != k {
            return "host function result \(i) is \(r.kind.name), its type says \(k.name)"
        }
        return nil
    }

    /// A `VMHostFunction {callback, context}` block for one import slot; the context
    /// retains a ``HostImport`` (this object and the import's name) until `freeBlock`.
    func makeBlock(importName: String) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: VMHostFunction.size, alignment: 16)
        block.storeBytes(
            of: unsafeBitCast(hostCallback, to: UnsafeRawPointer.self), toByteOffset: VMHostFunction.callback,
            as: UnsafeRawPointer.self)
        block.storeBytes(
            of: Unmanaged.passRetained(HostImport(host: self, name: importName)).toOpaque(),
            toByteOffset: VMHostFunction.context,
            as: UnsafeMutableRawPointer.self)
        return block
    }

    static func freeBlock(_ block: UnsafeMutableRawPointer) {
        Unmanaged<HostImport>.fromOpaque(
            block.load(fromByteOffset: VMHostFunction.context, as: UnsafeRawPointer.self)
        ).release()
        block.deallocate()
    }
}

/// The context of one host-function import slot.
final class HostImport {
    let host: HostFunction
    let name: String
    init(host: HostFunction, name: String) {
        self.host = host
        self.name = name
    }
}

private struct HostResultError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// `uint32_t callback(VMHostFunction *self, void *callerVmctx, uint64_t *values)`: what
/// every host call stub calls (docs/abi.md). Returns 0 on success; on failure records the
/// error in the caller's store and returns 1 (the stub then traps with `hostError`).
private let hostCallback:
    @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt64>?) -> UInt32 = {
        block, callerVmctx, values in
        // SAFETY: the stub passes the block Kiln built (makeBlock), the vmctx of the wasm
        // caller and a buffer of max(params, results) slots.
        guard let block, let callerVmctx, let values else { return 1 }
        let record = Unmanaged<HostImport>.fromOpaque(
            block.load(fromByteOffset: VMHostFunction.context, as: UnsafeRawPointer.self)
        ).takeUnretainedValue()
        let host = record.host
        let caller = Instance.from(vmctx: callerVmctx)
        var args: [Value] = []
        args.reserveCapacity(host.type.parameters.count)
        for (i, k) in host.type.parameters.enumerated() { args.append(Value(kind: k, slot: values[i])) }
        let message: String
        do {
            let results = try host.body(Caller(instance: caller), args)
            if let problem = host.checkResults(results) {
                message = problem
            } else {
                for (i, r) in results.enumerated() { values[i] = r.slot }
                return 0
            }
        } catch {
            message = "\(error)"
        }
        caller.store.pendingHostError = (record.name, message)
        return 1
    }

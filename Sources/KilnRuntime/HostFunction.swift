// Host functions: Swift closures wasm can import. In full Swift the closure may throw any
// error; in Embedded Swift (no existentials) it throws a `Trap`.
import KilnABI

#if hasFeature(Embedded)
    /// The body of a host function: arguments in, results out; a thrown `Trap`'s
    /// description becomes the `hostError` trap's detail.
    public typealias HostFunctionBody = (Caller, [Value]) throws(Trap) -> [Value]
    typealias HostFunctionError = Trap
#else
    /// The body of a host function: arguments in, results out; a thrown error reaches the
    /// caller of the wasm export as the `hostError` trap's ``Trap/hostError``.
    public typealias HostFunctionBody = (Caller, [Value]) throws -> [Value]
    typealias HostFunctionError = any Error
#endif

/// What a host function sees of its caller: the calling instance and its memory.
///
/// The calling instance is the one that imported the function into the import slot the
/// call went through (docs/abi.md, "Wasm -> host"): each importing instance has its own
/// slot, also for a host function another instance re-exported. A call through a
/// funcref (`call_indirect`, `return_call_indirect`) reports the instance that created
/// the funcref (its `ref.func` of the import, its table element), whichever instance
/// makes the call; engines that pass the caller dynamically report the calling instance
/// there.
public struct Caller {
    /// The calling instance; nil when the host itself called the function.
    public let instance: Instance?
    /// The calling instance's memory 0, if it has one.
    public var memory: Memory? { instance?.memory }
}

/// A function implemented by the host, to be imported by wasm modules
/// (https://webassembly.github.io/spec/core/exec/runtime.html#function-instances).
/// An error the closure throws becomes a ``TrapKind/hostError`` trap whose `detail` is
/// the error's description and whose ``Trap/hostError`` is the error itself.
public final class HostFunction {
    public let type: Signature
    /// Name used in traps when called from the host; calls from wasm name the import
    /// (`env.log`).
    public let name: String
    let body: HostFunctionBody

    public init(
        name: String = "", parameters: [ValueKind], results: [ValueKind],
        _ body: @escaping HostFunctionBody
    ) {
        self.name = name
        self.type = Signature(parameters: parameters, results: results)
        self.body = body
    }

    /// Called from the host (not through a stub): errors become a `hostError` trap.
    func callFromHost(_ args: [Value]) throws(RuntimeError) -> [Value] {
        let results: [Value]
        do throws(HostFunctionError) {
            results = try body(Caller(instance: nil), args)
        } catch {
            throw RuntimeError.trap(hostErrorTrap(function: displayName, thrown: error))
        }
        if let problem = checkResults(results) {
            throw RuntimeError.trap(Trap(kind: .hostError, function: displayName, detail: problem))
        }
        return results
    }

    var displayName: String { name.isEmpty ? "host function" : name }

    func checkResults(_ results: [Value]) -> String? {
        guard results.count == type.results.count else {
            return "host function returned \(results.count) results, its type has \(type.results.count)"
        }
        for (i, (r, k)) in zip(results, type.results).enumerated() where r.kind != k {
            return "host function result \(i) is \(r.kind.name), its type says \(k.name)"
        }
        for (i, r) in results.enumerated() {
            if case .funcref(let ref?) = r, !FuncRefs.isReal(ref.address) {
                return "host function result \(i) is not a funcref of a live instance"
            }
        }
        return nil
    }

    /// A `VMHostFunction {callback, context, callerVmctx}` block for one import slot of
    /// the instance whose vmctx is `importer`; the context retains a ``HostImport`` (this
    /// object and the import's name) until `freeBlock`.
    func makeBlock(importName: String, importer: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: VMHostFunction.size, alignment: 16)
        block.storeBytes(of: importer, toByteOffset: VMHostFunction.callerVmctx, as: UnsafeMutableRawPointer.self)
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

/// The `hostError` trap for an error a host function threw: its text as the detail (a
/// host function that rethrows a `RuntimeError` from a nested call keeps its wording) and,
/// in full Swift, the error itself as ``Trap/hostError``.
private func hostErrorTrap(function: String, thrown error: HostFunctionError) -> Trap {
    #if hasFeature(Embedded)
        return Trap(kind: .hostError, function: function, detail: error.detail ?? error.description)
    #else
        var trap = Trap(kind: .hostError, function: function, detail: "\(error)")
        trap.hostError = error
        return trap
    #endif
}

/// `uint32_t callback(VMHostFunction *self, void *callerVmctx, uint64_t *values)`: what
/// every host call stub calls (docs/abi.md). Returns 0 on success; on failure records the
/// error in the caller's store and returns 1 (the stub then traps with `hostError`).
private let hostCallback:
    @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt64>?) -> UInt32 = {
        block, callerVmctx, values in
        // SAFETY: the stub passes the block Kiln built (makeBlock), the vmctx recorded in
        // it (the importing instance's) and a buffer of max(params, results) slots.
        guard let block, let callerVmctx, let values else { return 1 }
        let record = Unmanaged<HostImport>.fromOpaque(
            block.load(fromByteOffset: VMHostFunction.context, as: UnsafeRawPointer.self)
        ).takeUnretainedValue()
        let host = record.host
        let caller = Instance.from(vmctx: callerVmctx)
        var args: [Value] = []
        args.reserveCapacity(host.type.parameters.count)
        for (i, k) in host.type.parameters.enumerated() { args.append(Value(kind: k, slot: values[i])) }
        let trap: Trap
        do throws(HostFunctionError) {
            let results = try host.body(Caller(instance: caller), args)
            if let problem = host.checkResults(results) {
                trap = Trap(kind: .hostError, function: record.name, detail: problem)
            } else {
                for (i, r) in results.enumerated() { values[i] = r.slot }
                return 0
            }
        } catch {
            trap = hostErrorTrap(function: record.name, thrown: error)
        }
        // The closure has returned: the trap the stub now raises unwinds wasm frames only.
        caller.store.pendingHostError = trap
        return 1
    }

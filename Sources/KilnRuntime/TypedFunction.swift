// The typed fast path: a wasm export whose signature was checked once, called with Swift
// scalars, no `[Value]` and no heap allocation per call.
import KilnABI

/// A Swift type that maps to one wasm number type.
public protocol WasmScalar {
    static var valueKind: ValueKind { get }
    /// Decodes the 8-byte slot encoding (docs/abi.md).
    init(slot: UInt64)
    var slot: UInt64 { get }
}

extension Int32: WasmScalar {
    public static var valueKind: ValueKind { .i32 }
    public init(slot: UInt64) { self = Int32(truncatingIfNeeded: slot) }
    public var slot: UInt64 { UInt64(UInt32(bitPattern: self)) }
}
extension UInt32: WasmScalar {
    public static var valueKind: ValueKind { .i32 }
    public init(slot: UInt64) { self = UInt32(truncatingIfNeeded: slot) }
    public var slot: UInt64 { UInt64(self) }
}
extension Int64: WasmScalar {
    public static var valueKind: ValueKind { .i64 }
    public init(slot: UInt64) { self = Int64(bitPattern: slot) }
    public var slot: UInt64 { UInt64(bitPattern: self) }
}
extension UInt64: WasmScalar {
    public static var valueKind: ValueKind { .i64 }
    public init(slot: UInt64) { self = slot }
    public var slot: UInt64 { self }
}
extension Float: WasmScalar {
    public static var valueKind: ValueKind { .f32 }
    public init(slot: UInt64) { self = Float(bitPattern: UInt32(truncatingIfNeeded: slot)) }
    public var slot: UInt64 { UInt64(bitPattern) }
}
extension Double: WasmScalar {
    public static var valueKind: ValueKind { .f64 }
    public init(slot: UInt64) { self = Double(bitPattern: slot) }
    public var slot: UInt64 { bitPattern }
}

/// The result type of a ``TypedFunction``: one scalar, or ``NoResults``.
public protocol WasmResults {
    static var resultKinds: [ValueKind] { get }
    /// Reads the results from the value buffer.
    init(slots: UnsafeMutablePointer<UInt64>)
}

extension WasmResults where Self: WasmScalar {
    public static var resultKinds: [ValueKind] { [valueKind] }
    public init(slots: UnsafeMutablePointer<UInt64>) { self.init(slot: slots[0]) }
}
extension Int32: WasmResults {}
extension UInt32: WasmResults {}
extension Int64: WasmResults {}
extension UInt64: WasmResults {}
extension Float: WasmResults {}
extension Double: WasmResults {}

/// The result type of a function with no results.
public struct NoResults: WasmResults, Equatable {
    public static var resultKinds: [ValueKind] { [] }
    public init(slots: UnsafeMutablePointer<UInt64>) {}
    public init() {}
}

/// A wasm function with a signature checked once against Swift types, called without
/// boxing: `let fib = try instance.typedFunction(named: "fib", params: Int32.self,
/// results: Int32.self); try fib(30)`. See docs/runtime.md.
public struct TypedFunction<each Param: WasmScalar, Result: WasmResults> {
    @usableFromInline let callee: Callee
    @usableFromInline let slotCount: Int

    /// Calls the function. Inlinable so it specializes in the caller (no generic metadata
    /// at run time); the value buffer lives on the stack and nothing is allocated unless
    /// the call traps.
    @inlinable
    public func callAsFunction(_ args: repeat each Param) throws(RuntimeError) -> Result {
        var result: Result? = nil
        let failure: RuntimeError? = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: slotCount) { buf in
            let values = buf.baseAddress!
            var i = 0
            for arg in repeat each args {
                values[i] = arg.slot
                i += 1
            }
            if let failure = callee.invoke(values) { return failure }
            result = Result(slots: values)
            return nil
        }
        if let failure { throw failure }
        return result!
    }
}

/// The non-generic half of a typed call: what to run, and the call itself.
@usableFromInline
struct Callee {
    let instance: Instance
    let entry: UnsafeRawPointer
    let code: UnsafeRawPointer

    /// Runs the function on `values`; nil on success.
    @usableFromInline
    func invoke(_ values: UnsafeMutablePointer<UInt64>) -> RuntimeError? {
        instance.store.enterWasm(entry: entry, vmctx: instance.vmctx, code: code, values: values)
    }
}

extension Instance {
    /// The exported function `name`, checked against `params` and `results`.
    public func typedFunction<each Param: WasmScalar, Result: WasmResults>(
        named name: String, params: repeat (each Param).Type, results: Result.Type
    ) throws(RuntimeError) -> TypedFunction<repeat each Param, Result> {
        guard let f = function(named: name) else { throw RuntimeError.usage("no exported function named \"\(name)\"") }
        var kinds: [ValueKind] = []
        for p in repeat each params { kinds.append(p.valueKind) }
        let expected = Signature(parameters: kinds, results: Result.resultKinds)
        guard f.type == expected else {
            throw RuntimeError.usage("function \"\(name)\" has type \(f.type), not \(expected)")
        }
        guard case .wasm(let instance, _, let entry?, let code) = f.kind else {
            throw RuntimeError.usage("function \"\(name)\" is not a wasm function with an entry trampoline")
        }
        return TypedFunction(
            callee: Callee(instance: instance, entry: entry, code: code),
            slotCount: max(kinds.count, Result.resultKinds.count, 1))
    }
}

// Globals and the one encoding of values into 8-byte slots.
import KilnABI

extension Value {
    /// The value's 8-byte slot encoding (docs/abi.md): i32/f32 in the low 4 bytes,
    /// references as pointers (0 = null). An externref handle `h` is stored as `h + 1` so
    /// handle 0 stays distinct from null (handle `UInt64.max` cannot be represented).
    var slot: UInt64 {
        switch self {
        case .i32(let v): return UInt64(v)
        case .i64(let v): return v
        case .f32(let v): return UInt64(v)
        case .f64(let v): return v
        case .funcref(let r): return UInt64(r?.address ?? 0)
        case .externref(let h): return h.map { $0 &+ 1 } ?? 0
        }
    }

    /// Decodes a slot holding a value of `kind`.
    init(kind: ValueKind, slot: UInt64) {
        switch kind {
        case .i32: self = .i32(UInt32(truncatingIfNeeded: slot))
        case .i64: self = .i64(slot)
        case .f32: self = .f32(UInt32(truncatingIfNeeded: slot))
        case .f64: self = .f64(slot)
        case .funcref: self = .funcref(slot == 0 ? nil : FuncRef(address: UInt(slot)))
        case .externref: self = .externref(slot == 0 ? nil : slot - 1)
        case .v128: self = .i64(slot)  // not reachable: v128 is rejected before any call
        }
    }
}

/// A wasm global (https://webassembly.github.io/spec/core/syntax/modules.html#globals):
/// exported by an instance (the value lives in that instance's vmctx) or created by the
/// host to be imported.
public final class Global {
    public let type: GlobalTypeEntry
    /// The 8-byte value cell generated code reads and writes.
    let cell: UnsafeMutableRawPointer
    /// Keeps the cell alive: the defining instance, or nil when this object owns the cell.
    private let owner: AnyObject?

    /// Creates a host global of `type` holding `value`.
    public init(type: GlobalTypeEntry, value: Value) throws(RuntimeError) {
        guard value.kind == type.kind else {
            throw RuntimeError.usage("global of type \(type.kind.name) cannot hold a \(value.kind.name)")
        }
        if case .funcref(let r?) = value, !FuncRefs.isReal(r.address) {
            throw RuntimeError.usage("funcref \(r.address) is not a funcref of a live instance")
        }
        self.type = type
        // SAFETY: 8 bytes, 8-aligned, owned by this object, freed in deinit.
        cell = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        cell.storeBytes(of: value.slot, as: UInt64.self)
        owner = nil
    }

    /// A view of a cell owned by `owner` (an instance's defined global).
    init(type: GlobalTypeEntry, cell: UnsafeMutableRawPointer, owner: AnyObject) {
        self.type = type
        self.cell = cell
        self.owner = owner
    }

    deinit { if owner == nil { cell.deallocate() } }

    /// The current value.
    public var value: Value { Value(kind: type.kind, slot: cell.load(as: UInt64.self)) }

    /// Sets the value: the global must be mutable and the value of its type.
    public func set(_ value: Value) throws(RuntimeError) {
        guard type.isMutable else { throw RuntimeError.usage("global is immutable") }
        guard value.kind == type.kind else {
            throw RuntimeError.usage("global of type \(type.kind.name) cannot hold a \(value.kind.name)")
        }
        if case .funcref(let r?) = value, !FuncRefs.isReal(r.address) {
            throw RuntimeError.usage("funcref \(r.address) is not a funcref of a live instance")
        }
        cell.storeBytes(of: value.slot, as: UInt64.self)
    }
}

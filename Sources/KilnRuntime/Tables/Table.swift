// Tables: the only file that reads or writes raw table slots. Every value that leaves a
// table goes through `TableStorage.get` (or the resolver, for the trampoline), which
// resolves lazy and uninitialized slots first: lazy table init cannot be bypassed.
import CKilnRuntime
import KilnABI

#if canImport(Glibc)
    import Glibc
#endif

// SLOT STATES — the one list (docs/tables.md, "Slot states"). A slot is 8 bytes.
//
// funcref table, plain encoding (`image` and `eager` modules, host-created tables):
//   1. 0                          null
//   2. address of a lazy funcref  only in tables whose owner's module has an image;
//      of the owner's module      the address lies in `ModuleTables.lazyRange`; callable
//                                 (the lazy trampoline); resolved on every way out and by
//                                 the resolver, which patches its whole page
//   3. address of a real funcref  a `VMFuncRef` of some instance (`Instance.funcRef`)
// funcref table, tagged encoding (tables defined by a `checked` module):
//   4. 0                          not initialized yet: `get` (also the `tableLazyInit`
//                                 builtin) computes it from the owner's image (null
//                                 outside the image) and stores it tagged
//   5. 1                          null
//   6. address | 1                a real funcref
// externref table (always plain):
//   7. 0                          null
//   8. h + 1                      host handle h
//
// Values handed out (wasm builtins, the host API) are always untagged and never lazy:
// 0 or a real funcref's address for funcref tables, 0 or h + 1 for externref tables.

/// How a table's slots encode their values (see the slot states above).
enum SlotEncoding {
    case plain
    case tagged
}

/// The state of a slot, as ``TableStorage/state(_:)`` reports it.
package enum SlotState: Equatable, Sendable {
    case null, lazy, real, uninitialized
}

/// The storage of one table: its reservation, its `VMTableDefinition` and what resolving
/// a lazy slot needs. Owned by the defining instance (or by a host ``Table``).
final class TableStorage {
    /// Elements reserved for any table: `table.grow` beyond it fails (returns -1).
    static let maximumCapacity: UInt64 = 1 << 24

    let element: ValueKind
    /// The declared maximum, if any.
    let maximum: UInt64?
    /// Reserved elements (the base never moves up to this size).
    let capacity: UInt64
    let encoding: SlotEncoding
    /// The `VMTableDefinition {base, length}` generated code reads: inline in the owning
    /// vmctx for a defined table, owned by this object for a host table.
    let definition: UnsafeMutableRawPointer
    private let ownsDefinition: Bool
    private let reservation: MappedRegion
    /// Bytes of the reservation that are read+write.
    private var accessibleBytes: Int
    /// The defining instance, whose functions lazy slots resolve to (nil for host tables).
    /// Unretained: the instance owns this storage; whoever else holds it (a ``Table``,
    /// an importing instance) also retains the instance. Set with `setOwner`.
    private(set) unowned(unsafe) var owner: Instance?
    /// Other instances whose funcrefs were written into this table: kept alive as long as
    /// the table (a funcref does not retain its instance; see `keepAlive`).
    private var foreignOwners: [ObjectIdentifier: Instance] = [:]
    /// The funcref array last found in `foreignOwners` (saves registry lookups in loops).
    private var lastForeign: Range<UInt> = 0..<0
    /// The owner module's image of this table (lazy slots, `checked` initialization).
    let image: TableImage?
    /// The owner module's lazy funcrefs: a plain slot in this range is lazy.
    private let lazyStart: UInt
    private let lazyEnd: UInt

    /// Reserves the table and makes `minimum` slots accessible; with `mapImage`, maps
    /// `image` copy-on-write over the first slots (no per-slot work); otherwise `image` is
    /// where the tagged encoding initializes slots from. Slots start null (or
    /// uninitialized, for the tagged encoding).
    init(
        element: ValueKind, minimum: UInt64, maximum: UInt64?, encoding: SlotEncoding,
        definition: UnsafeMutableRawPointer?, image: TableImage?, mapImage: Bool,
        lazyRange: (start: UInt, end: UInt)
    ) throws(RuntimeError) {
        let capacity = min(maximum ?? Self.maximumCapacity, Self.maximumCapacity)
        guard minimum <= capacity else {
            throw RuntimeError.resource(
                "a table of \(minimum) elements exceeds Kiln's limit of \(Self.maximumCapacity) elements")
        }
        let reservedBytes = Int(roundUpToPage(max(capacity * 8, 1))!)
        let region: MappedRegion
        do {
            region = try MappedRegion.reserve(reservedBytes)
        } catch {
            throw RuntimeError.resource("cannot reserve a table: \(error)")
        }
        var accessible = 0
        do {
            if let image, mapImage {
                precondition(
                    image.slotCount <= minimum && image.byteLength <= reservedBytes,
                    "Kiln bug: image larger than its table")
                _ = try Posix.mmap(
                    at: region.base, length: image.byteLength, protection: PROT_READ | PROT_WRITE,
                    flags: MAP_PRIVATE | MAP_FIXED, fd: image.file.rawValue, offset: 0)
                accessible = image.byteLength
            }
            let needed = Int(roundUpToPage(minimum * 8)!)
            if needed > accessible {
                try Posix.mprotect(
                    region.base + accessible, length: needed - accessible, protection: PROT_READ | PROT_WRITE)
                accessible = needed
            }
        } catch {
            throw RuntimeError.resource("cannot map a table: \(error)")
        }
        self.element = element
        self.maximum = maximum
        self.capacity = capacity
        self.encoding = element == .funcref ? encoding : .plain
        if let definition {
            self.definition = definition
            ownsDefinition = false
        } else {
            // SAFETY: 16 bytes, 16-aligned, owned by this object, freed in deinit.
            self.definition = UnsafeMutableRawPointer.allocate(byteCount: VMTableDefinition.size, alignment: 16)
            ownsDefinition = true
        }
        self.reservation = region
        self.accessibleBytes = accessible
        self.image = image
        self.lazyStart = lazyRange.start
        self.lazyEnd = lazyRange.end
        self.definition.storeBytes(
            of: UInt(bitPattern: reservation.base), toByteOffset: VMTableDefinition.base, as: UInt.self)
        self.definition.storeBytes(of: UInt(minimum), toByteOffset: VMTableDefinition.length, as: UInt.self)
        RangeRegistry.register(
            start: UInt(bitPattern: reservation.base), length: reservation.length,
            .table(Unmanaged.passUnretained(self)))
    }

    deinit {
        RangeRegistry.unregister(start: UInt(bitPattern: reservation.base))
        if ownsDefinition { definition.deallocate() }
    }

    /// Makes `instance` the owner (the defining instance).
    func setOwner(_ instance: Instance) {
        owner = instance
    }

    /// Keeps the instance of funcref `value` alive while this table lives: the table now
    /// holds a pointer into that instance's funcref array and vmctx. (The spec even lets a
    /// failed instantiation leave its functions in an imported table.)
    private func keepAlive(_ value: UInt64) {
        guard element == .funcref, value != 0 else { return }
        let address = UInt(value)
        guard owner?.ownsFuncRef(at: address) != true, !lastForeign.contains(address) else { return }
        guard let (start, end, o) = RangeRegistry.lookupRange(address), case .funcRefs(let i) = o else { return }
        let instance = i.takeUnretainedValue()
        foreignOwners[ObjectIdentifier(instance)] = instance
        lastForeign = start..<end
    }

    /// Current number of elements.
    var length: UInt64 {
        UInt64(definition.load(fromByteOffset: VMTableDefinition.length, as: UInt.self))
    }
    private func setLength(_ n: UInt64) {
        definition.storeBytes(of: UInt(n), toByteOffset: VMTableDefinition.length, as: UInt.self)
    }
    /// Address of slot 0.
    var base: UnsafeMutableRawPointer { reservation.base }

    // MARK: Raw slots (this file only)

    fileprivate func raw(_ index: UInt64) -> UInt64 {
        // SAFETY: callers check `index < length`; `length` slots are accessible.
        base.load(fromByteOffset: Int(index) * 8, as: UInt64.self)
    }
    fileprivate func setRaw(_ index: UInt64, _ value: UInt64) {
        // SAFETY: as for `raw`.
        base.storeBytes(of: value, toByteOffset: Int(index) * 8, as: UInt64.self)
    }
    fileprivate func isLazy(_ raw: UInt64) -> Bool { UInt(raw) >= lazyStart && UInt(raw) < lazyEnd }

    /// The raw slot value for `value` (0 or a real funcref / h+1).
    fileprivate func encode(_ value: UInt64) -> UInt64 {
        switch encoding {
        case .plain: return value
        case .tagged: return value == 0 ? 1 : value | 1
        }
    }

    /// The owner's real funcref for the lazy funcref at `lazy`.
    @inline(__always)  // the resolver's page loop runs it for up to 512 slots
    fileprivate func resolve(lazy: UInt64) -> UInt64 {
        // SAFETY: `lazy` lies in the owner module's lazy funcrefs (checked by `isLazy`),
        // whose function indices (defined functions only) were checked at load.
        let p = UnsafeRawPointer(bitPattern: UInt(lazy))!
        let index = Int(p.load(fromByteOffset: VMFuncRef.functionIndex, as: UInt32.self))
        guard let owner else { fatalError("Kiln bug: a lazy slot in a table without an owner") }
        // Fast path: the funcref exists already (a defined function's lives in the owner's
        // own array).
        let real = owner.funcRefArray + index * VMFuncRef.size
        if real.load(fromByteOffset: VMFuncRef.code, as: UInt.self) != 0 { return UInt64(UInt(bitPattern: real)) }
        return UInt64(UInt(bitPattern: owner.funcRef(index: index)))
    }

    // MARK: The way out

    /// THE way out of a table: the value of slot `index` (0 = null), never lazy and never
    /// uninitialized: a lazy slot is resolved and patched, an uninitialized one (tagged
    /// encoding) is computed and stored. nil when `index` is out of bounds.
    func get(_ index: UInt64) -> UInt64? {
        guard index < length else { return nil }
        let r = raw(index)
        switch encoding {
        case .plain:
            guard isLazy(r) else { return r }
            let real = resolve(lazy: r)
            setRaw(index, real)
            return real
        case .tagged:
            guard r == 0 else { return r & ~1 }
            var value: UInt64 = 0
            if let image, index < image.slotCount {
                let v = image.slot(index)
                if v != 0 { value = resolve(lazy: v) }
            }
            setRaw(index, encode(value))
            return value
        }
    }

    /// The resolver's work (the lazy trampoline fired on `slot`, which held `lazy`):
    /// patches the slot and every other lazy slot on the same page (that page is being
    /// copied anyway) and returns the real funcref.
    fileprivate func resolveFromTrampoline(slot: UnsafeMutableRawPointer, lazy: UInt64) -> UInt64 {
        let real = resolve(lazy: lazy)
        let index = UInt64((UInt(bitPattern: slot) - UInt(bitPattern: base)) / 8)
        precondition(index < length, "Kiln bug: lazy trampoline fired on a slot outside its table")
        setRaw(index, real)
        let perPage = UInt64(Posix.pageSize / 8)
        let first = index - index % perPage
        let end = min(first + perPage, length)
        // SAFETY: slots `first..<end` lie within the table's length.
        let slots = base.assumingMemoryBound(to: UInt64.self)
        let (lo, hi) = (UInt64(lazyStart), UInt64(lazyEnd))
        var i = Int(first)
        while i < Int(end) {
            let r = slots[i]
            if r >= lo && r < hi { slots[i] = resolve(lazy: r) }
            i += 1
        }
        return real
    }

    /// Which of the slot states slot `index` is in (not its value: nothing leaves a table
    /// but through `get`). For tests and `kiln inspect`; nil when out of bounds.
    package func state(_ index: UInt64) -> SlotState? {
        guard index < length else { return nil }
        let r = raw(index)
        switch encoding {
        case .plain: return r == 0 ? .null : isLazy(r) ? .lazy : .real
        case .tagged: return r == 0 ? .uninitialized : r == 1 ? .null : .real
        }
    }

    // MARK: Writes

    /// Sets slot `index` to `value` (0 = null). false when out of bounds.
    func set(_ index: UInt64, _ value: UInt64) -> Bool {
        guard index < length else { return false }
        keepAlive(value)
        setRaw(index, encode(value))
        return true
    }

    /// `table.fill`: bounds first, then writes. false (nothing written) when out of bounds.
    func fill(_ start: UInt64, _ value: UInt64, count: UInt64) -> Bool {
        let (end, o) = start.addingReportingOverflow(count)
        guard !o, end <= length else { return false }
        keepAlive(value)
        let v = encode(value)
        var i = start
        while i < end {
            setRaw(i, v)
            i += 1
        }
        return true
    }

    /// Writes `values` from slot `start` (active segments, `table.init`). Bounds first;
    /// false (nothing written) when out of bounds.
    func write<C: Collection>(_ values: C, at start: UInt64) -> Bool where C.Element == UInt64 {
        let (end, o) = start.addingReportingOverflow(UInt64(values.count))
        guard !o, end <= length else { return false }
        var i = start
        for v in values {
            keepAlive(v)
            setRaw(i, encode(v))
            i += 1
        }
        return true
    }

    /// `table.copy`: bounds of both ranges first; copies resolved values (a lazy slot is
    /// resolved in the source as it is read), in the order that handles overlap.
    static func copy(
        to dst: TableStorage, at dstIndex: UInt64, from src: TableStorage, at srcIndex: UInt64, count: UInt64
    ) -> Bool {
        let (dEnd, o1) = dstIndex.addingReportingOverflow(count)
        let (sEnd, o2) = srcIndex.addingReportingOverflow(count)
        guard !o1, !o2, dEnd <= dst.length, sEnd <= src.length else { return false }
        if count == 0 { return true }
        if dst === src && dstIndex > srcIndex {
            var k = count
            while k > 0 {
                k -= 1
                dst.setRaw(dstIndex + k, dst.encode(src.get(srcIndex + k)!))
            }
        } else {
            var k: UInt64 = 0
            while k < count {
                let v = src.get(srcIndex + k)!
                if dst !== src { dst.keepAlive(v) }
                dst.setRaw(dstIndex + k, dst.encode(v))
                k += 1
            }
        }
        return true
    }

    /// `table.grow`: the old length, or nil when the maximum (or Kiln's reservation)
    /// does not allow it or the system refuses. New slots hold `value`.
    func grow(by delta: UInt64, value: UInt64) -> UInt64? {
        let old = length
        let limit = min(maximum ?? Self.maximumCapacity, capacity)
        guard delta <= limit, old + delta <= limit else { return nil }
        if delta == 0 { return old }
        let needed = Int(roundUpToPage((old + delta) * 8)!)
        if needed > accessibleBytes {
            do {
                try Posix.mprotect(
                    base + accessibleBytes, length: needed - accessibleBytes, protection: PROT_READ | PROT_WRITE)
            } catch {
                return nil
            }
            accessibleBytes = needed
        }
        // Slots past the old length have never been written (tables never shrink) and
        // read as 0: null (plain) or uninitialized-outside-the-image = null (tagged).
        if value != 0 {
            keepAlive(value)
            let v = encode(value)
            var i = old
            while i < old + delta {
                setRaw(i, v)
                i += 1
            }
        }
        setLength(old + delta)
        return old
    }
}

/// `const VMFuncRef *resolve(VMLazyContext *ctx, void **slot, const VMFuncRef *lazy)`:
/// what the lazy trampoline calls (docs/tables.md). Finds the table holding `slot` in the
/// registry of live table mappings, resolves against the table's owner (never the
/// caller), patches the slot's page and returns the real funcref.
let lazyResolver:
    @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?) -> UnsafeRawPointer? = {
        _, slot, lazy in
        guard let slot, let lazy,
            let (_, owner) = RangeRegistry.lookup(UInt(bitPattern: slot)), case .table(let table) = owner
        else {
            fatalError("Kiln bug: the lazy trampoline fired on a slot that is in no live table")
        }
        let real = table.takeUnretainedValue().resolveFromTrampoline(
            slot: slot, lazy: UInt64(UInt(bitPattern: lazy)))
        return UnsafeRawPointer(bitPattern: UInt(real))
    }

/// A wasm table (https://webassembly.github.io/spec/core/exec/runtime.html#table-instances):
/// defined by an instance (exported) or created by the host to be imported (the spec
/// tests' `spectest.table`). Reading it never exposes a lazy funcref.
public final class Table {
    let storage: TableStorage
    /// Keeps the defining instance (whose functions lazy slots resolve to) alive.
    private let owner: AnyObject?

    init(storage: TableStorage, owner: AnyObject?) {
        self.storage = storage
        self.owner = owner
    }

    /// Creates a host table of `element` references with `minimum` elements, each
    /// `initialValue` (null by default), growable up to `maximum`.
    public convenience init(
        element: ValueKind, minimum: UInt64, maximum: UInt64? = nil, initialValue: Value? = nil
    ) throws(RuntimeError) {
        guard element == .funcref || element == .externref else {
            throw RuntimeError.usage("a table holds funcref or externref, not \(element.name)")
        }
        guard minimum <= (maximum ?? .max) else { throw RuntimeError.usage("table minimum exceeds its maximum") }
        let storage = try TableStorage(
            element: element, minimum: minimum, maximum: maximum, encoding: .plain, definition: nil, image: nil,
            mapImage: false, lazyRange: (0, 0))
        self.init(storage: storage, owner: nil)
        if let initialValue {
            let v = try Self.slotValue(initialValue, element: element)
            _ = storage.fill(0, v, count: minimum)
        }
    }

    /// The element type and limits (current size as the minimum, as for imports).
    public var type: TableTypeEntry {
        TableTypeEntry(element: storage.element, limits: MemoryLimits(minimum: size, maximum: storage.maximum))
    }
    public var element: ValueKind { storage.element }
    /// Current number of elements.
    public var size: UInt64 { storage.length }

    /// `table.grow`: the old size, or nil when the table cannot grow that much.
    @discardableResult
    public func grow(by delta: UInt64, initialValue: Value? = nil) throws(RuntimeError) -> UInt64? {
        let v =
            try initialValue.map { (v) throws(RuntimeError) in try Self.slotValue(v, element: storage.element) } ?? 0
        return storage.grow(by: delta, value: v)
    }

    /// Element `index` (a real funcref, never a lazy one).
    public func get(_ index: UInt64) throws(RuntimeError) -> Value {
        guard let v = storage.get(index) else {
            throw RuntimeError.usage("table index \(index) is out of bounds (size \(size))")
        }
        return Value(kind: storage.element, slot: v)
    }

    /// Sets element `index`; a funcref must be a real funcref of a live instance.
    public func set(_ index: UInt64, _ value: Value) throws(RuntimeError) {
        let v = try Self.slotValue(value, element: storage.element)
        guard storage.set(index, v) else {
            throw RuntimeError.usage("table index \(index) is out of bounds (size \(size))")
        }
    }

    /// The slot encoding of a host value for a table of `element`, checked.
    static func slotValue(_ value: Value, element: ValueKind) throws(RuntimeError) -> UInt64 {
        guard value.kind == element else {
            throw RuntimeError.usage("a table of \(element.name) cannot hold a \(value.kind.name)")
        }
        if case .funcref(let r?) = value, !FuncRefs.isReal(r.address) {
            throw RuntimeError.usage("funcref \(r.address) is not a funcref of a live instance")
        }
        return value.slot
    }
}

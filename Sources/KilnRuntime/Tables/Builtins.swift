// The Swift side of the builtins generated code calls through the vmctx (KilnABI's
// `Builtin`; docs/tables.md, "Builtins"). Generated code calls the C wrappers of
// CKilnRuntime (`kiln_builtin_address`), which pass the arguments here and raise the trap
// these functions report after they have returned: no Swift frame (and no reference it
// holds) is ever skipped by the `siglongjmp`. Every bounds check happens before any write.
import CKilnRuntime
import KilnABI

typealias BuiltinImpl =
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<UInt64>?, UnsafeMutablePointer<UInt64>?
    ) -> UInt32

enum Builtins {
    private static let oobMemory = UInt32(TrapKind.outOfBoundsMemoryAccess.rawValue)
    private static let oobTable = UInt32(TrapKind.outOfBoundsTableAccess.rawValue)

    /// Installs the implementations into the C wrappers (once per process).
    static let installed: Bool = {
        let impls: [(Builtin, BuiltinImpl)] = [
            (.memoryFill, memoryFill), (.memoryCopy, memoryCopy), (.memoryInit, memoryInit),
            (.dataDrop, dataDrop), (.tableGet, tableGet), (.tableSet, tableSet), (.tableGrow, tableGrow),
            (.tableFill, tableFill), (.tableCopy, tableCopy), (.tableInit, tableInit), (.elemDrop, elemDrop),
            (.refFunc, refFunc), (.tableLazyInit, tableLazyInit),
        ]
        for (b, f) in impls { kiln_set_builtin_impl(Int32(b.rawValue), f) }
        return true
    }()

    /// Writes every builtin's address into a new vmctx.
    static func install(into context: VMContext) {
        precondition(installed)
        context.setBuiltin(.memoryGrow, unsafeBitCast(memoryGrowBuiltin, to: UnsafeRawPointer.self))
        for b in Builtin.allCases where b != .memoryGrow {
            context.setBuiltin(b, kiln_builtin_address(Int32(b.rawValue))!)
        }
    }

    // MARK: Memory (no Swift objects: base and length come from the vmctx)

    /// Memory 0's base and current length in bytes.
    @inline(__always)  // two loads; keeps memory.fill/copy free of calls
    private static func memory(_ vmctx: UnsafeMutableRawPointer) -> (UnsafeMutableRawPointer, UInt64)? {
        guard let definition = vmctx.load(fromByteOffset: VMContextLayout.memoryDefinition, as: UnsafeRawPointer?.self)
        else { return nil }
        let base = definition.load(fromByteOffset: VMMemoryDefinition.base, as: UnsafeMutableRawPointer.self)
        return (base, UInt64(definition.load(fromByteOffset: VMMemoryDefinition.length, as: UInt.self)))
    }

    private static let memoryFill: BuiltinImpl = { vmctx, a, _ in
        let (dst, value, len) = (a![0], a![1], a![2])
        guard let (base, length) = memory(vmctx!), dst + len <= length else { return oobMemory }
        memset(base + Int(dst), Int32(truncatingIfNeeded: value & 0xFF), Int(len))
        return 0
    }

    private static let memoryCopy: BuiltinImpl = { vmctx, a, _ in
        let (dst, src, len) = (a![0], a![1], a![2])
        guard let (base, length) = memory(vmctx!), dst + len <= length, src + len <= length else { return oobMemory }
        memmove(base + Int(dst), base + Int(src), Int(len))
        return 0
    }

    private static let memoryInit: BuiltinImpl = { vmctx, a, _ in
        Instance.from(vmctx: vmctx!).memoryInit(segment: Int(a![0]), dst: a![1], src: a![2], count: a![3])
            ? 0 : oobMemory
    }

    private static let dataDrop: BuiltinImpl = { vmctx, a, _ in
        Instance.from(vmctx: vmctx!).droppedData.insert(Int(a![0]))
        return 0
    }

    // MARK: Tables

    private static let tableGet: BuiltinImpl = { vmctx, a, r in
        guard let v = Instance.from(vmctx: vmctx!).table(a![0]).get(a![1]) else { return oobTable }
        r!.pointee = v
        return 0
    }

    private static let tableSet: BuiltinImpl = { vmctx, a, _ in
        Instance.from(vmctx: vmctx!).table(a![0]).set(a![1], a![2]) ? 0 : oobTable
    }

    private static let tableGrow: BuiltinImpl = { vmctx, a, r in
        let old = Instance.from(vmctx: vmctx!).table(a![0]).grow(by: a![1], value: a![2])
        r!.pointee = old.map { $0 } ?? UInt64(bitPattern: -1)
        return 0
    }

    private static let tableFill: BuiltinImpl = { vmctx, a, _ in
        Instance.from(vmctx: vmctx!).table(a![0]).fill(a![1], a![2], count: a![3]) ? 0 : oobTable
    }

    private static let tableCopy: BuiltinImpl = { vmctx, a, _ in
        let instance = Instance.from(vmctx: vmctx!)
        return TableStorage.copy(
            to: instance.table(a![0]), at: a![2], from: instance.table(a![1]), at: a![3], count: a![4]) ? 0 : oobTable
    }

    private static let tableInit: BuiltinImpl = { vmctx, a, _ in
        Instance.from(vmctx: vmctx!).tableInit(table: a![0], segment: Int(a![1]), dst: a![2], src: a![3], count: a![4])
            ? 0 : oobTable
    }

    private static let elemDrop: BuiltinImpl = { vmctx, a, _ in
        Instance.from(vmctx: vmctx!).droppedElements.insert(Int(a![0]))
        return 0
    }

    private static let refFunc: BuiltinImpl = { vmctx, a, r in
        let instance = Instance.from(vmctx: vmctx!)
        let index = Int(a![0])
        precondition(index < instance.module.functionTypeIndices.count, "Kiln bug: ref.func \(index) out of range")
        r!.pointee = UInt64(UInt(bitPattern: instance.funcRef(index: index)))
        return 0
    }

    private static let tableLazyInit: BuiltinImpl = { vmctx, a, r in
        // `get` initializes an uninitialized (tagged) slot and returns it untagged.
        guard let v = Instance.from(vmctx: vmctx!).table(a![0]).get(a![1]) else { return oobTable }
        r!.pointee = v
        return 0
    }
}

/// `int64_t memory_grow(void *vmctx, uint64_t deltaPages)`, the `memoryGrow` builtin.
private let memoryGrowBuiltin: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Int64 = { vmctx, delta in
    guard let vmctx, let memory = Instance.from(vmctx: vmctx).memory, let old = memory.grow(by: delta) else {
        return -1
    }
    return Int64(old)
}

extension Instance {
    /// Table `index` (imports first) of this instance.
    func table(_ index: UInt64) -> TableStorage {
        precondition(index < UInt64(tables.count), "Kiln bug: table \(index) out of range")
        return tables[Int(index)]
    }

    /// Current length of element segment `segment`: 0 once dropped, and for active and
    /// declarative segments (dropped at instantiation).
    func elementSegmentLength(_ segment: Int) -> UInt64 {
        let s = module.metadata.elementSegments[segment]
        guard case .passive = s.mode, !droppedElements.contains(segment) else { return 0 }
        return UInt64(s.items.count)
    }

    /// `table.init`: bounds of both ranges first, then evaluates and writes the items.
    func tableInit(table t: UInt64, segment: Int, dst: UInt64, src: UInt64, count: UInt64) -> Bool {
        precondition(segment < module.metadata.elementSegments.count, "Kiln bug: element segment out of range")
        let table = self.table(t)
        let (sEnd, o1) = src.addingReportingOverflow(count)
        let (dEnd, o2) = dst.addingReportingOverflow(count)
        guard !o1, !o2, sEnd <= elementSegmentLength(segment), dEnd <= table.length else { return false }
        let items = module.metadata.elementSegments[segment].items[Int(src)..<Int(sEnd)]
        var values: [UInt64] = []
        values.reserveCapacity(items.count)
        for item in items {
            // Checked at load: only ref.func, ref.null and global.get of existing globals.
            values.append((try? evaluate(item, definedGlobalsReady: module.metadata.globals.count)) ?? 0)
        }
        return table.write(values, at: dst)
    }

    /// `memory.init`: bounds of both ranges first, then copies.
    func memoryInit(segment: Int, dst: UInt64, src: UInt64, count: UInt64) -> Bool {
        precondition(segment < module.metadata.dataSegments.count, "Kiln bug: data segment out of range")
        let s = module.metadata.dataSegments[segment]
        let length: UInt64 = s.offset == nil && !droppedData.contains(segment) ? UInt64(s.bytes.count) : 0
        guard let memory, src + count <= length, memory.checkRange(dst, Int(count)) else { return false }
        if count == 0 { return true }
        s.bytes.withUnsafeBytes { bytes in
            // SAFETY: both ranges checked above.
            (memory.base + Int(dst)).copyMemory(from: bytes.baseAddress! + Int(src), byteCount: Int(count))
        }
        return true
    }
}

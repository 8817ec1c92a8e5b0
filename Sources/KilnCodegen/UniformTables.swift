import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// Funcref tables whose contents are fixed at compile time, so `call_indirect` through
/// them needs no funcref, no signature load and no vmctx switch (docs/tables.md,
/// "Uniform tables"). A table qualifies when it is defined here, neither exported nor
/// imported (no other module can see it), never written (no `table.set`, `table.fill`,
/// `table.copy` into it, `table.init`, and no `table.grow` unless its maximum equals its
/// minimum), has no initializer expression, and every active element segment targeting
/// it has a constant offset, fits in the minimum size and names null or functions this
/// module defines. Its slots are then exactly what the segments say, forever: a call
/// through it is a bounds check against the constant size and an indirect call through
/// a per-module code array, with null slots pointing at a stub that traps
/// "uninitialized element". The signature check disappears where every function in the
/// table has the call's signature.
public struct UniformTable: Sendable, Equatable {
    /// The table's (fixed) length.
    public var length: Int
    /// Per slot: the function index it holds, or nil for null.
    public var slots: [UInt32?]
    /// No `table.get`, `table.copy` out of it or `return_call_indirect` through it: its
    /// funcrefs are only ever called by `call_indirect` (``InternalFunctions``).
    public var isSealed = false

    /// Whether every non-null slot holds a function with signature `signature`.
    public func allSlots(have signature: Signature, in env: ModuleEnvironment) -> Bool {
        slots.allSatisfy { $0 == nil || env.signature(ofFunction: $0!) == signature }
    }
}

public enum UniformTables {
    /// Tables larger than this are left to the general path (the code array would be large).
    public static let maximumLength = 1 << 16

    /// Per table index: its fixed contents, for each table that qualifies.
    public static func analyze(_ module: WasmModule) -> [UInt32: UniformTable] {
        var candidates: Set<UInt32> = []
        for t in module.importedTableCount..<module.tables.count {
            let type = module.tables[t]
            guard type.elementType == .funcRef, type.limits.min <= UInt64(maximumLength) else { continue }
            let initializer = module.tableInitializers.indices.contains(t - module.importedTableCount)
                ? module.tableInitializers[t - module.importedTableCount] : nil
            if initializer != nil { continue }
            candidates.insert(UInt32(t))
        }
        for export in module.exports {
            if case .table(let t) = export.descriptor { candidates.remove(t) }
        }
        guard !candidates.isEmpty else { return [:] }
        let uses = TableUses.scan(module)
        for t in uses.writes {
            let limits = module.tables[Int(t.table)].limits
            if t.grows && limits.max == limits.min { continue }
            candidates.remove(t.table)
        }
        var result: [UInt32: UniformTable] = [:]
        let imported = UInt32(module.importedFunctionCount)
        for t in candidates.sorted() {
            let length = Int(module.tables[Int(t)].limits.min)
            var slots = [UInt32?](repeating: nil, count: length)
            var usable = true
            for segment in module.elements {
                guard case .active(let target, let offset) = segment.mode, target == t else { continue }
                guard let start = constantOffset(offset), start + segment.initializer.count <= length else {
                    usable = false
                    break
                }
                for (j, item) in segment.initializer.enumerated() {
                    let ops = item.filter { $0 != .end }
                    switch ops.first {
                    case .refNull where ops.count == 1: slots[start + j] = nil
                    case .refFunc(let f) where ops.count == 1 && f >= imported: slots[start + j] = f
                    default: usable = false
                    }
                }
                if !usable { break }
            }
            if usable {
                let sealed = !uses.reads.contains(t) && !uses.tailCalledThrough.contains(t)
                result[t] = UniformTable(length: length, slots: slots, isSealed: sealed)
            }
        }
        return result
    }

    private static func constantOffset(_ expression: ConstExpression) -> Int? {
        let ops = expression.filter { $0 != .end }
        guard ops.count == 1, case .i32Const(let v) = ops[0] else { return nil }
        return Int(UInt32(bitPattern: v))
    }
}

/// Which tables the function bodies write or grow, which they read a funcref out of
/// (`table.get`, the source of `table.copy`) and which they tail-call through
/// (`return_call_indirect`), in one pass over the code.
struct TableUses: AnyInstructionVisitor {
    typealias VisitorError = Never
    var binaryOffset = 0
    var writes: [(table: UInt32, grows: Bool)] = []
    var reads: Set<UInt32> = []
    var tailCalledThrough: Set<UInt32> = []

    mutating func visit(_ instruction: Instruction) {
        switch instruction {
        case .tableSet(let t), .tableFill(let t): writes.append((t, false))
        case .tableCopy(let dst, let src):
            writes.append((dst, false))
            reads.insert(src)
        case .tableInit(_, let t): writes.append((t, false))
        case .tableGrow(let t): writes.append((t, true))
        case .tableGet(let t): reads.insert(t)
        case .returnCallIndirect(_, let t): tailCalledThrough.insert(t)
        default: break
        }
    }

    static func scan(_ module: WasmModule) -> TableUses {
        var visitor = TableUses()
        for body in module.bodies {
            var parser = ExpressionParser(code: body)
            // The module is validated: a decoding failure cannot happen here; if it did,
            // treat every table as written and read (the general path is always correct).
            do {
                while let next = try parser.parse() { try next(visitor: &visitor) }
            } catch {
                var all = TableUses()
                all.writes = (0..<module.tables.count).map { (UInt32($0), false) }
                all.reads = Set((0..<module.tables.count).map { UInt32($0) })
                all.tailCalledThrough = all.reads
                return all
            }
        }
        return visitor
    }
}

import KilnFrontend
import WasmParser

/// Defined functions that nothing outside the module's own code can reach, so a tier may
/// call them with a private calling convention instead of the shared one (docs/abi.md,
/// "Internal functions"). The shared convention pops a callee's argument area with
/// `ret imm16` even when it is empty (LLVM's `swifttailcc` rounds it to 16n + 8 bytes
/// for guaranteed tail calls), which costs a call-heavy recursion about a fifth of its
/// time; a function only ever entered through a plain `call` does not need it.
///
/// A defined function is internal when no other module, the host or a general table
/// slot can obtain it — not exported, not the start function, not named by `ref.func`
/// (global and table initializers, bodies, element segments other than those below) —
/// and tail calls neither leave nor enter it: its body has no `return_call*` and no
/// `return_call` names it (a guaranteed tail call needs caller and callee in the one
/// convention that can express it).
///
/// Functions a *private* uniform table holds count as internal too, all of the table's or
/// none: when the table's funcrefs never leave it (``UniformTables``, and no `table.get`
/// or `table.copy` reads it), no `return_call_indirect` goes through it and all its
/// functions have one signature, every call through it is a `call_indirect` that either
/// uses the code array (its type is that signature) or stops at the signature check.
/// Such a table is an *internal table*: its code array points at internal functions and
/// is called under the internal convention.
///
/// Everything is shared when the validator's per-function usage is missing.
public struct InternalFunctions: Sendable, Equatable {
    /// Per defined function (index minus the imported count).
    public private(set) var isInternal: [Bool]
    /// Uniform tables whose functions are all internal.
    public private(set) var internalTables: Set<UInt32> = []

    public init(_ module: WasmModule, uniformTables: [UInt32: UniformTable] = [:]) {
        let imported = module.importedFunctionCount
        let defined = module.bodies.count
        guard module.functionUsage.count == defined else {
            isInternal = [Bool](repeating: false, count: defined)
            return
        }
        var flags = [Bool](repeating: true, count: defined)
        func escapes(_ function: UInt32) {
            let i = Int(function) - imported
            if i >= 0, i < defined { flags[i] = false }
        }
        func escapes(in expression: ConstExpression) {
            for case .refFunc(let f) in expression { escapes(f) }
        }
        // Only sealed tables whose functions all have one signature: a `call_indirect` of
        // that type uses the code array, one of any other type fails its signature check.
        var candidates = Set(
            uniformTables.filter { _, table in
                let types = table.slots.compactMap { $0.map { module.functionType(of: $0) } }
                return table.isSealed && types.allSatisfy { $0 == types.first }
            }.keys)
        for export in module.exports {
            if case .function(let f) = export.descriptor { escapes(f) }
        }
        if let start = module.start { escapes(start) }
        module.globalInitializers.forEach(escapes(in:))
        for case let expression? in module.tableInitializers { escapes(in: expression) }
        for segment in module.elements {
            if case .active(let table, _) = segment.mode, candidates.contains(table) { continue }
            segment.initializer.forEach(escapes(in:))
        }
        for (i, usage) in module.functionUsage.enumerated() {
            if usage.makesTailCalls { flags[i] = false }
            usage.tailCallees.forEach(escapes)
            usage.referencedFunctions.forEach(escapes)
        }
        // A candidate table with one shared function makes all of its functions shared
        // (its code array has one convention), which can spoil another table: repeat.
        var changed = true
        while changed {
            changed = false
            for t in candidates {
                let slots = uniformTables[t]!.slots.compactMap { $0 }
                guard slots.contains(where: { !flags[Int($0) - imported] }) else { continue }
                for f in slots where flags[Int(f) - imported] { flags[Int(f) - imported] = false }
                candidates.remove(t)
                changed = true
            }
        }
        isInternal = flags
        internalTables = candidates
    }

    /// Whether function `index` (in the module's function index space) is internal.
    public func contains(function index: UInt32, importedCount: Int) -> Bool {
        let i = Int(index) - importedCount
        return i >= 0 && i < isInternal.count && isInternal[i]
    }
}

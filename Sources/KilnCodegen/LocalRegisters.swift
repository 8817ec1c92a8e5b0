import KilnABI
import KilnFrontend

/// Which locals of a function live in registers for the whole function (the rest stay
/// in frame slots), chosen from the loop-weighted use counts the validator recorded
/// (``FunctionUsage``, so the body is not decoded an extra time): the heaviest integer
/// locals get the callee-saved registers (or, in a function that makes no calls, the
/// caller-saved ones first, which cost nothing to keep), the heaviest float locals the
/// ``CallingConvention/localFPRs``. A local pinned to a register is read and written
/// there on every path, so merge points need no moves for it.
@usableFromInline struct LocalRegisters: Sendable {
    /// Per local: its register, if it has one.
    @usableFromInline var register: [Reg?]
    /// Callee-saved registers used, in frame-slot order (saved in the prologue).
    @usableFromInline var calleeSaved: [Reg] = []
    /// Locals in caller-saved registers: saved to their slots around every call.
    @usableFromInline var callerSaved: [(local: Int, reg: Reg)] = []
    /// Caller-saved registers taken from the value stack's set.
    @usableFromInline var taken = RegSet()
    /// The callee-saved register holding linear memory 0's base for the whole function,
    /// when it accesses memory often enough (the base never moves, docs/runtime.md).
    @usableFromInline var memoryBase: Reg?

    /// Uses below this weight keep a local in its slot (one use outside loops does not
    /// pay for a save and restore of a callee-saved register).
    @usableFromInline static var minimumWeight: Int { 2 }
    /// Memory accesses below this weight reload the base from the vmctx each time (about
    /// two accesses in a loop pay for the prologue's save, load and restore).
    @usableFromInline static var minimumMemoryWeight: Int { 16 }

    /// Whether a local of this weight gains from a caller-saved register, which costs a
    /// store and a load around every call the function makes (a slot costs about one
    /// memory access per use).
    @inlinable static func paysAcrossCalls(_ weight: Int, _ usage: FunctionUsage) -> Bool {
        weight > 2 * usage.callWeight
    }

    /// Without a `usage` for this function (a ``WasmModule`` not built by
    /// `decodeModule`, or one whose bodies changed since), or with one that does not
    /// match `kinds`, every local stays in its slot and memory's base is not held: correct
    /// code, only slower.
    @inlinable init<ABI: CallingConvention>(
        _ abi: ABI.Type, kinds: [ValueKind], usage: FunctionUsage?, ownParameters: [ArgLocation]
    ) {
        register = Array(repeating: nil, count: kinds.count)
        guard let usage, usage.localWeights.count == kinds.count else { return }
        let weights = usage.localWeights
        // Registers this function receives arguments in cannot hold a local: the prologue
        // would overwrite an argument not yet moved.
        var incoming = RegSet()
        for case .reg(let r) in ownParameters { incoming.insert(r) }
        let callerSavedGPRs = ABI.callerSavedLocalGPRs.filter { !incoming.contains($0) }
        var order = Array(0..<kinds.count).filter { weights[$0] >= Self.minimumWeight }
        order.sort { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        // The memory base competes with the integer local that would otherwise get the
        // last register (the last callee-saved one, or the last caller-saved one that
        // pays across this function's calls): reloading the base costs a load on every
        // access's address path, a local in a slot a load per read and a store per write;
        // the heavier use wins.
        var calleeSavedGPRs = ABI.calleeSavedLocalGPRs
        let integerOrder = order.filter { kinds[$0].isIntegerClass }
        let payingCallerSaved =
            usage.makesCalls
            ? integerOrder.dropFirst(calleeSavedGPRs.count).prefix(callerSavedGPRs.count)
                .prefix { Self.paysAcrossCalls(weights[$0], usage) }.count
            : callerSavedGPRs.count
        let contender = payingCallerSaved + calleeSavedGPRs.count - 1
        let contenderWeight = contender < integerOrder.count ? weights[integerOrder[contender]] : 0
        if usage.memoryWeight >= Self.minimumMemoryWeight, usage.memoryWeight >= contenderWeight,
            let r = calleeSavedGPRs.popLast()
        {
            memoryBase = r
            calleeSaved.append(r)
        }
        let gprs =
            usage.makesCalls
            ? calleeSavedGPRs + callerSavedGPRs : callerSavedGPRs + calleeSavedGPRs
        let fprs = ABI.localFPRs.filter { !incoming.contains($0) }
        var nextGPR = 0, nextFPR = 0
        let calleeSavedSet = RegSet(ABI.calleeSavedLocalGPRs)
        for i in order {
            let r: Reg
            if kinds[i].isIntegerClass {
                guard nextGPR < gprs.count else { continue }
                if !calleeSavedSet.contains(gprs[nextGPR]) && !Self.paysAcrossCalls(weights[i], usage) { continue }
                r = gprs[nextGPR]
                nextGPR += 1
            } else {
                guard nextFPR < fprs.count, Self.paysAcrossCalls(weights[i], usage) else { continue }
                r = fprs[nextFPR]
                nextFPR += 1
            }
            register[i] = r
            if calleeSavedSet.contains(r) {
                calleeSaved.append(r)
            } else {
                callerSaved.append((i, r))
                taken.insert(r)
            }
        }
    }
}

import CLLVM

/// Which of a function's loads and stores the optimizing tier checks against the memory's
/// length and which it guards (docs/codegen.md, "Trap semantics").
///
/// A checked access is a compare and branch to the trap, then an ordinary load or store:
/// LLVM may move, merge, vectorize or delete it, because the check keeps the trap exact,
/// and it drops the check wherever it can bound the address (static arrays indexed by a
/// loop counter). A guarded access has no check: it is volatile, and an opaque fault
/// point follows it (``FunctionTranslator/faultPoint()``), so LLVM keeps it and moves no
/// store across it; its fault in the reservation's inaccessible part is the trap.
/// Guarded is cheaper where a check would stay, checked where LLVM would remove the check
/// and then optimize the loop.
///
/// Which is which is measured, not guessed: a function whose loops access memory is first
/// translated with every access inside a loop checked (``probe``), each check failing into
/// a call of a function of its own, and optimized; the accesses whose checks survived
/// (their functions still have a use) are guarded in the translation that is kept, as are
/// accesses outside loops and every access of other functions. An access at a constant
/// address is always checked: its check folds away where the memory's minimum covers it
/// (C globals), leaving an ordinary access, and stays an exact check where it does not.
struct HeapAccessPolicy {
    /// Accesses inside loops checked, each check calling its own probe function when it
    /// fails.
    let probes: Bool
    /// Ordinals of the accesses that stay checked (when not probing).
    let checked: Set<Int>

    static let probe = HeapAccessPolicy(probes: true, checked: [])
    static let allGuarded = HeapAccessPolicy(probes: false, checked: [])
    static func guardingAllBut(_ checked: Set<Int>) -> HeapAccessPolicy {
        HeapAccessPolicy(probes: false, checked: checked)
    }

    /// How one access is translated.
    enum Form {
        case guarded
        /// Checked, the failing check raising the trap.
        case checked
        /// Checked, the failing check calling the access's probe function.
        case probed
    }

    /// The form of access number `ordinal` (in body order). Outside loops the probe
    /// measures nothing worth its cost (one execution per call, and what it proves there
    /// is mostly constant addresses), so those accesses are guarded without a probe.
    func form(of ordinal: Int, constantAddress: Bool, insideLoop: Bool) -> Form {
        if constantAddress { return .checked }
        if probes { return insideLoop ? .probed : .guarded }
        return checked.contains(ordinal) ? .checked : .guarded
    }
}

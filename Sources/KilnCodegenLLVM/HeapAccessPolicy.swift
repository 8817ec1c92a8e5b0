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
/// translated with every access checked and its checks tagged (``probe``), optimized, and
/// the accesses whose checks survived are guarded in the function that is kept
/// (``ProbedChecks``). Other functions guard every access.
struct HeapAccessPolicy {
    /// Every access checked, each check tagged `!kiln.access` with the access's ordinal.
    let tagsChecks: Bool
    /// Ordinals of the accesses that stay checked (when not probing).
    let checked: Set<Int>

    static let probe = HeapAccessPolicy(tagsChecks: true, checked: [])
    static let allGuarded = HeapAccessPolicy(tagsChecks: false, checked: [])
    static func guardingAllBut(_ checked: Set<Int>) -> HeapAccessPolicy {
        HeapAccessPolicy(tagsChecks: false, checked: checked)
    }

    /// Whether access number `ordinal` (in body order) is guarded.
    func guards(_ ordinal: Int) -> Bool { !tagsChecks && !checked.contains(ordinal) }
}

/// The tagged checks still present in an optimized probe module: per function index, the
/// ordinals of the accesses LLVM could not prove in bounds.
enum ProbedChecks {
    static func surviving(in translation: ModuleTranslation) -> [UInt32: Set<Int>] {
        var result: [UInt32: Set<Int>] = [:]
        let kind = translation.ir.accessTagKind
        var function = LLVMGetFirstFunction(translation.module)
        while let f = function {
            var block = LLVMGetFirstBasicBlock(f)
            while let b = block {
                var instruction = LLVMGetFirstInstruction(b)
                while let i = instruction {
                    if LLVMHasMetadata(i) != 0, let tag = LLVMGetMetadata(i, kind),
                        LLVMGetMDNodeNumOperands(tag) == 1
                    {
                        var operand: LLVMValueRef?
                        LLVMGetMDNodeOperands(tag, &operand)
                        if let operand, LLVMIsAConstantInt(operand) != nil {
                            let value = LLVMConstIntGetZExtValue(operand)
                            result[UInt32(value >> 32), default: []].insert(Int(value & 0xffff_ffff))
                        }
                    }
                    instruction = LLVMGetNextInstruction(i)
                }
                block = LLVMGetNextBasicBlock(b)
            }
            function = LLVMGetNextFunction(f)
        }
        return result
    }
}

import CLLVM
import KilnABI
import KilnCodegen

/// Removes the Swift-async frame mark from LLVM's x86-64 prologues and epilogues.
///
/// LLVM's `swifttailcc` with a `swiftasync` parameter (how the vmctx reaches r14) and
/// frame pointers gives each function Swift's extended frame: `bts rbp, 60` before the
/// `push rbp`, `btr rbp, 60` after the `pop rbp`, so Swift's async unwinder can tell async
/// frames apart. Nothing in Kiln reads that bit, and it breaks every frame-pointer walk
/// (perf, gdb, the kernel's stack sampler): the saved rbp is no longer an address. The
/// frame layout itself is Kiln's (rbp chain, vmctx at [rbp-8]), so the two instructions
/// become 5-byte NOPs. Instructions are found by LLVM's disassembler, never by a byte
/// search, so only whole instructions are replaced.
enum AsyncFrameMarks {
    static let setMark: [UInt8] = [0x48, 0x0F, 0xBA, 0xED, 0x3C]  // bts rbp, 60
    static let clearMark: [UInt8] = [0x48, 0x0F, 0xBA, 0xF5, 0x3C]  // btr rbp, 60
    static let nop5: [UInt8] = [0x0F, 0x1F, 0x44, 0x00, 0x00]

    private static let initialized: Bool = {
        LLVMInitializeX86TargetInfo()
        LLVMInitializeX86TargetMC()
        LLVMInitializeX86Disassembler()
        return true
    }()

    /// Rewrites the marks inside `ranges` of `text`; returns how many it replaced.
    @discardableResult
    static func remove(from text: inout [UInt8], in ranges: [Range<Int>]) throws(CompileError) -> Int {
        precondition(initialized)
        guard let disassembler = LLVMCreateDisasm("x86_64-unknown-linux-gnu", nil, 0, nil, nil) else {
            throw CompileError.internalError("LLVM has no x86-64 disassembler")
        }
        defer { LLVMDisasmDispose(disassembler) }
        var replaced = 0
        var scratch = [CChar](repeating: 0, count: 256)
        for range in ranges {
            var at = range.lowerBound
            while at < range.upperBound {
                let length = text.withUnsafeMutableBufferPointer { bytes in
                    LLVMDisasmInstruction(
                        disassembler, bytes.baseAddress! + at, UInt64(range.upperBound - at), UInt64(at), &scratch,
                        scratch.count)
                }
                guard length > 0 else { break }  // padding or data after the last instruction
                if length == 5 {
                    let instruction = Array(text[at..<(at + 5)])
                    if instruction == setMark || instruction == clearMark {
                        text.replaceSubrange(at..<(at + 5), with: nop5)
                        replaced += 1
                    }
                }
                at += length
            }
        }
        return replaced
    }
}

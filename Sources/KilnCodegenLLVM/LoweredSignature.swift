import CLLVM
import KilnABI

/// How a wasm signature becomes an LLVM function type under Kiln's internal calling
/// convention (docs/abi.md, ABI 5): LLVM's `swifttailcc` with the vmctx as the
/// `swiftself` parameter (r13 / x20), the lazy trampoline's slot address as the `nest`
/// parameter (r10 / x18), i32 values widened to i64 so registers hold them zero-extended, and the
/// results in up to four integer and four float registers, or all in a caller-provided
/// buffer passed as `sret` when they do not fit. The one place the LLVM tier encodes the
/// ABI; the baseline tier's `CallingConvention` is its twin.
///
/// An internal function (``InternalFunctions``: reachable only by direct calls from this
/// module's code) uses the same parameters and results under `swiftcc` instead: no
/// callee-popped argument area, so a plain `ret`, and r13 / x20 preserved across calls.
///
/// A widened i32 carries `range(i64 0, 2^32)` on the parameter, the function's result and
/// the call's result: the zero extension is the ABI's promise, and with it LLVM uses the
/// register as a 64-bit address without extending it again.
struct LoweredSignature {
    /// `swifttailcc` (LLVM's `CallingConv::SwiftTail`; not in the C API's enum).
    static let callingConvention: UInt32 = 20
    /// `swiftcc` (LLVM's `CallingConv::Swift`), for internal functions.
    static let internalCallingConvention: UInt32 = 16
    /// Per class: how many results fit in registers.
    static let resultRegistersPerClass = 4

    let signature: Signature
    /// The LLVM calling convention: ``callingConvention`` or ``internalCallingConvention``.
    let convention: UInt32
    let type: LLVMTypeRef
    /// Results go to the `sret` buffer (parameter 0): 8 bytes per result.
    let resultsInMemory: Bool
    /// The LLVM return type (void, one value, or a struct of the register results).
    let returnType: LLVMTypeRef
    /// Index of the vmctx parameter; the slot is next, then the wasm parameters.
    var vmctxParameter: UInt32 { resultsInMemory ? 1 : 0 }
    var slotParameter: UInt32 { vmctxParameter + 1 }
    var firstWasmParameter: UInt32 { vmctxParameter + 2 }

    init(_ signature: Signature, in ir: IRContext, isInternal: Bool = false) {
        self.signature = signature
        convention = isInternal ? Self.internalCallingConvention : Self.callingConvention
        let ints = signature.results.filter(\.isIntegerClass).count
        resultsInMemory =
            ints > Self.resultRegistersPerClass
            || signature.results.count - ints > Self.resultRegistersPerClass
        var params: [LLVMTypeRef] = []
        if resultsInMemory { params.append(ir.ptr) }
        params.append(ir.ptr)  // vmctx
        params.append(ir.ptr)  // table slot (lazy trampoline), ignored by callees
        params += signature.parameters.map { Self.abiType($0, ir) }
        if resultsInMemory || signature.results.isEmpty {
            returnType = ir.void
        } else if signature.results.count == 1 {
            returnType = Self.abiType(signature.results[0], ir)
        } else {
            returnType = ir.structType(signature.results.map { Self.abiType($0, ir) })
        }
        type = ir.functionType(returnType, params)
    }

    /// The type a value has in registers and across calls: i32 is passed as i64
    /// (zero-extended) under the shared convention, references as i64 (a pointer or a
    /// tagged handle, 0 = null).
    static func abiType(_ kind: ValueKind, _ ir: IRContext) -> LLVMTypeRef {
        switch kind {
        case .i32: return ir.i64
        case .i64, .funcref, .externref, .v128: return ir.i64
        case .f32: return ir.f32
        case .f64: return ir.f64
        }
    }

    /// The type a value has inside a function body.
    static func valueType(_ kind: ValueKind, _ ir: IRContext) -> LLVMTypeRef {
        switch kind {
        case .i32: return ir.i32
        case .i64, .funcref, .externref, .v128: return ir.i64
        case .f32: return ir.f32
        case .f64: return ir.f64
        }
    }

    /// Puts the ABI attributes on a function or a call site (parameter indices are
    /// 1-based in LLVM's attribute API).
    func applyAttributes(ir: IRContext, add: (UInt32, LLVMAttributeRef) -> Void) {
        if resultsInMemory {
            add(1, ir.typeAttribute("sret", LLVMArrayType2(ir.i64, UInt64(signature.results.count))))
        }
        // Not `swiftasync`: LLVM gives every function with a `swiftasync` parameter
        // Swift's extended async frame (docs/codegen.md, "The optimizing tier").
        add(vmctxParameter + 1, ir.enumAttribute("swiftself"))
        add(slotParameter + 1, ir.enumAttribute("nest"))
        for (k, kind) in signature.parameters.enumerated() where kind == .i32 {
            add(firstWasmParameter + UInt32(k) + 1, ir.zeroExtendedI32Range)
        }
        if !resultsInMemory, signature.results == [.i32] { add(returnAttributeIndex, ir.zeroExtendedI32Range) }
    }

    /// LLVM's attribute index of a function's or call's result (`LLVMAttributeReturnIndex`).
    private var returnAttributeIndex: UInt32 { 0 }

    func applyAttributes(toFunction f: LLVMValueRef, ir: IRContext) {
        LLVMSetFunctionCallConv(f, convention)
        applyAttributes(ir: ir) { LLVMAddAttributeAtIndex(f, $0, $1) }
    }

    func applyAttributes(toCall call: LLVMValueRef, ir: IRContext) {
        LLVMSetInstructionCallConv(call, convention)
        applyAttributes(ir: ir) { LLVMAddCallSiteAttribute(call, $0, $1) }
    }
}

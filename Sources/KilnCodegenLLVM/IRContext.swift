import CLLVM

/// One LLVM context with the types, metadata and helpers every translated function
/// uses. A context (and everything made in it) belongs to one thread at a time: each
/// partition of a module compiled in parallel has its own.
final class IRContext {
    let context: LLVMContextRef
    let i1, i8, i16, i32, i64, f32, f64, ptr, void: LLVMTypeRef

    /// Type-based alias classes: linear memory, the vmctx and the structures it points
    /// to, global cells, table slots. Accesses of different classes never alias, so LLVM
    /// may keep the memory length or a global in a register across stores to linear
    /// memory (docs/codegen.md, "Optimizing tier").
    let heapAccess, vmAccess, globalAccess, tableAccess: LLVMValueRef
    /// `!invariant.load`: the value never changes while the instance lives (the memory
    /// base, builtin and import pointers, type ids, a defined table's base).
    let invariantNode: LLVMValueRef
    let tbaaKind, invariantKind, rangeKind: UInt32
    /// `range(i64 0, 2^32)`: an i32 the ABI passes zero-extended in a 64-bit register.
    let zeroExtendedI32Range: LLVMAttributeRef
    /// `!make.implicit` on a null check's branch: LLVM may fold it into the fault of the
    /// first load through the pointer (docs/tables.md, "null check by fault").
    let makeImplicitKind: UInt32

    init() {
        context = LLVMContextCreate()
        i1 = LLVMInt1TypeInContext(context)
        i8 = LLVMInt8TypeInContext(context)
        i16 = LLVMInt16TypeInContext(context)
        i32 = LLVMInt32TypeInContext(context)
        i64 = LLVMInt64TypeInContext(context)
        f32 = LLVMFloatTypeInContext(context)
        f64 = LLVMDoubleTypeInContext(context)
        ptr = LLVMPointerTypeInContext(context, 0)
        void = LLVMVoidTypeInContext(context)
        tbaaKind = Self.kindID("tbaa")
        invariantKind = Self.kindID("invariant.load")
        rangeKind = Self.kindID("range")
        makeImplicitKind = Self.kindID("make.implicit")
        let ctx = context
        func string(_ s: String) -> LLVMMetadataRef {
            s.withCString { LLVMMDStringInContext2(ctx, $0, s.utf8.count) }
        }
        func node(_ ops: [LLVMMetadataRef?]) -> LLVMMetadataRef {
            var ops = ops
            return ops.withUnsafeMutableBufferPointer { LLVMMDNodeInContext2(ctx, $0.baseAddress, $0.count) }
        }
        let root = node([string("kiln")])
        let zero = LLVMValueAsMetadata(LLVMConstInt(i64, 0, 0))
        func access(_ name: String) -> LLVMValueRef {
            let scalar = node([string(name), root, zero])
            return LLVMMetadataAsValue(ctx, node([scalar, scalar, zero]))
        }
        heapAccess = access("linear memory")
        vmAccess = access("vmctx")
        globalAccess = access("global")
        tableAccess = access("table slot")
        invariantNode = LLVMMetadataAsValue(ctx, node([]))
        var lower: [UInt64] = [0], upper: [UInt64] = [1 << 32]
        zeroExtendedI32Range = LLVMCreateConstantRangeAttribute(
            ctx, "range".withCString { LLVMGetEnumAttributeKindForName($0, 5) }, 64, &lower, &upper)
    }

    deinit { LLVMContextDispose(context) }

    /// `!range [lower, upper)` for an i64 load: what LLVM may assume about its value.
    func rangeNode(_ lower: UInt64, _ upper: UInt64) -> LLVMValueRef {
        var ops: [LLVMMetadataRef?] = [
            LLVMValueAsMetadata(LLVMConstInt(i64, lower, 0)), LLVMValueAsMetadata(LLVMConstInt(i64, upper, 0)),
        ]
        let node = ops.withUnsafeMutableBufferPointer { LLVMMDNodeInContext2(context, $0.baseAddress, $0.count) }
        return LLVMMetadataAsValue(context, node)
    }

    private static func kindID(_ name: String) -> UInt32 {
        name.withCString { LLVMGetMDKindID($0, UInt32(name.utf8.count)) }
    }

    /// The fault point's `memory` attribute: reads any memory, writes only memory no one
    /// else can see (LLVM's `MemoryEffects`: two bits, ref and mod, for each of argument,
    /// inaccessible and other memory). The write keeps a call with no result from being
    /// deleted as dead; it clobbers nothing the function's loads could see.
    static let faultPointMemoryEffects: UInt64 = 0b01_11_01

    func constI32(_ v: UInt32) -> LLVMValueRef { LLVMConstInt(i32, UInt64(v), 0) }
    func constI64(_ v: UInt64) -> LLVMValueRef { LLVMConstInt(i64, v, 0) }
    func constInt(_ type: LLVMTypeRef, _ v: UInt64) -> LLVMValueRef { LLVMConstInt(type, v, 0) }
    /// A float constant from its bit pattern (NaN payloads kept exactly).
    func constF32(bits: UInt32) -> LLVMValueRef { LLVMConstBitCast(constI32(bits), f32) }
    func constF64(bits: UInt64) -> LLVMValueRef { LLVMConstBitCast(constI64(bits), f64) }

    func functionType(_ result: LLVMTypeRef, _ params: [LLVMTypeRef]) -> LLVMTypeRef {
        var params: [LLVMTypeRef?] = params
        return params.withUnsafeMutableBufferPointer { LLVMFunctionType(result, $0.baseAddress, UInt32($0.count), 0) }
    }

    func structType(_ fields: [LLVMTypeRef]) -> LLVMTypeRef {
        var fields: [LLVMTypeRef?] = fields
        return fields.withUnsafeMutableBufferPointer { LLVMStructTypeInContext(context, $0.baseAddress, UInt32($0.count), 0) }
    }

    func enumAttribute(_ name: String, _ value: UInt64 = 0) -> LLVMAttributeRef {
        let kind = name.withCString { LLVMGetEnumAttributeKindForName($0, name.utf8.count) }
        return LLVMCreateEnumAttribute(context, kind, value)
    }

    func typeAttribute(_ name: String, _ type: LLVMTypeRef) -> LLVMAttributeRef {
        let kind = name.withCString { LLVMGetEnumAttributeKindForName($0, name.utf8.count) }
        return LLVMCreateTypeAttribute(context, kind, type)
    }

    func stringAttribute(_ key: String, _ value: String) -> LLVMAttributeRef {
        key.withCString { k in
            value.withCString { v in
                LLVMCreateStringAttribute(context, k, UInt32(key.utf8.count), v, UInt32(value.utf8.count))
            }
        }
    }
}

/// LLVM's attribute index of the function itself (`LLVMAttributeFunctionIndex`, ~0).
let functionAttributeIndex = LLVMAttributeIndex(UInt32.max)

// Expressions: each pushes exactly one value of the requested type.

extension BodyGenerator {
    mutating func expression(_ t: FuzzType, depth: Int) {
        budget -= 1
        if t == .funcref { return funcref(depth: depth) }
        if depth >= 4 || budget <= 0 { return leaf(t) }
        switch rng.below(20) {
        case 0, 1, 2: leaf(t)
        case 3, 4: numeric(rng.pick(Opcodes.binary[t]!), depth: depth)
        case 5: numeric(rng.pick(Opcodes.unary[t]!), depth: depth)
        case 6: numeric(rng.pick(Opcodes.convert[t]!), depth: depth)
        case 7: if t == .i32 { numeric(rng.pick(Opcodes.compare), depth: depth) } else { leaf(t) }
        case 8, 9: load(t, depth: depth)
        case 10: select(t, depth: depth)
        case 11: blockExpression(t, depth: depth)
        case 12: callExpression(t, depth: depth)
        case 13: callIndirectExpression(t, depth: depth)
        case 14: if t == .i32 { i32Special(depth: depth) } else { leaf(t) }
        case 15:
            if let l = randomLocal(t) {
                expression(t, depth: depth + 1)
                code.byte(Opcodes.localTee); code.u32(l)
            } else {
                leaf(t)
            }
        default: leaf(t)
        }
    }

    /// A constant, a local or a global of type `t`.
    mutating func leaf(_ t: FuzzType) {
        switch rng.below(4) {
        case 0:
            if let l = randomLocal(t) {
                code.byte(Opcodes.localGet); code.u32(l)
                return
            }
        case 1:
            let matching = context.globals.indices.dropFirst().filter { context.globals[$0].type == t }
            if !matching.isEmpty {
                code.byte(Opcodes.globalGet); code.u32(UInt32(rng.pick(Array(matching))))
                return
            }
        default: break
        }
        constant(t, bits: EdgeValues.bits(t, &rng))
    }

    mutating func constant(_ t: FuzzType, bits: UInt64) {
        code.byte(Opcodes.const(t))
        switch t {
        case .i32: code.signed(Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: bits))))
        case .i64: code.signed(Int64(bitPattern: bits))
        case .f32: code.f32(UInt32(truncatingIfNeeded: bits))
        case .f64: code.f64(bits)
        case .funcref: code.byte(FuzzType.funcref.rawValue)
        }
    }

    /// Operands, the operator, then NaN canonicalization when the operator is arithmetic.
    mutating func numeric(_ op: NumericOp, depth: Int) {
        if !context.wideShiftCounts, (0x86...0x8A).contains(op.code[0]) {
            expression(.i64, depth: depth + 1)
            constant(.i64, bits: EdgeValues.bits(.i64, &rng) & 63)
            code.append(op.code)
            return
        }
        for operand in op.operands { expression(operand, depth: depth + 1) }
        code.append(op.code)
        if op.makesArithmeticNaN { canonicalizeNaN(op.result) }
    }

    /// Replaces a NaN on top of the stack by the canonical NaN, leaving other values alone:
    /// `local.tee s; const nan; local.get s; local.get s; eq; select`. After this every NaN
    /// the program holds has a deterministic bit pattern, so results, memory and globals
    /// compare bit for bit (docs/reliability.md, "NaNs").
    mutating func canonicalizeNaN(_ t: FuzzType) {
        let s: UInt32
        if let existing = scratch[t] {
            s = existing
        } else {
            s = newLocal(t, reserved: true)
            scratch[t] = s
        }
        code.byte(Opcodes.localTee); code.u32(s)
        constant(t, bits: t == .f32 ? UInt64(EdgeValues.canonicalNaN32) : EdgeValues.canonicalNaN64)
        code.byte(Opcodes.localGet); code.u32(s)
        code.byte(Opcodes.localGet); code.u32(s)
        code.byte(t == .f32 ? 0x5B : 0x61)
        code.byte(Opcodes.select)
    }

    /// `select` (untyped, or typed with a one-type vector).
    mutating func select(_ t: FuzzType, depth: Int) {
        expression(t, depth: depth + 1)
        expression(t, depth: depth + 1)
        expression(.i32, depth: depth + 1)
        if rng.chance(50) || t == .funcref {
            code.byte(Opcodes.selectTyped); code.u32(1); code.byte(t.rawValue)
        } else {
            code.byte(Opcodes.select)
        }
    }

    /// A block or `if` that yields `t` (sometimes with extra results dropped after it).
    mutating func blockExpression(_ t: FuzzType, depth: Int) {
        let extra = rng.chance(30) ? randomTypes(max: 2) : []
        let type = FuzzSignature(parameters: randomTypes(max: 1), results: [t] + extra)
        values(type.parameters, depth: depth + 1)
        let isIf = rng.chance(40)
        if isIf { expression(.i32, depth: depth + 1) }
        code.byte(isIf ? Opcodes.if : Opcodes.block)
        blockType(type)
        labels.append(type.results)
        blockBody(type, depth: depth + 1, loopCounter: nil)
        if isIf {
            code.byte(Opcodes.else)
            blockBody(type, depth: depth + 1, loopCounter: nil)
        }
        labels.removeLast()
        code.byte(Opcodes.end)
        drops(extra.count)
    }

    /// A call to a function whose first result is `t` (further results dropped).
    mutating func callExpression(_ t: FuzzType, depth: Int) {
        let candidates = (0..<context.callable).filter { context.signature(ofFunction: $0).results.first == t }
        guard let f = callee(from: candidates) else { return leaf(t) }
        let s = context.signature(ofFunction: f)
        values(s.parameters, depth: depth + 1)
        code.byte(Opcodes.call); code.u32(UInt32(f))
        drops(s.results.count - 1)
    }

    /// `call_indirect` through a type whose first result is `t`; the slot may be null, out
    /// of bounds or of another type (each a trap the oracle compares).
    mutating func callIndirectExpression(_ t: FuzzType, depth: Int) {
        guard !context.tableMinimums.isEmpty else { return leaf(t) }
        let candidates = context.types.indices.filter { context.types[$0].results.first == t }
        guard !candidates.isEmpty else { return leaf(t) }
        let typeIndex = rng.pick(candidates)
        let s = context.types[typeIndex]
        values(s.parameters, depth: depth + 1)
        let table = rng.below(context.tableMinimums.count)
        tableIndex(table, depth: depth)
        code.byte(Opcodes.callIndirect); code.u32(UInt32(typeIndex)); code.u32(UInt32(table))
        drops(s.results.count - 1)
    }

    /// An i32 index into `table`: usually in bounds, sometimes just past the end, sometimes any.
    mutating func tableIndex(_ table: Int, depth: Int) {
        let size = Int(context.tableMinimums[table])
        switch rng.below(20) {
        case 0, 1: expression(.i32, depth: depth + 1)
        case 2: constant(.i32, bits: UInt64(size + rng.below(2)))
        default: constant(.i32, bits: UInt64(rng.below(max(size, 1))))
        }
    }

    /// i32-only operators: memory.size/grow, table.size/grow, ref.is_null.
    mutating func i32Special(depth: Int) {
        switch rng.below(5) {
        case 0 where context.memoryPages != nil:
            code.byte(Opcodes.memorySize); code.byte(0)
        case 1 where context.memoryPages != nil:
            expression(.i32, depth: depth + 1)
            code.byte(Opcodes.memoryGrow); code.byte(0)
        case 2 where !context.tableMinimums.isEmpty:
            code.byte(Opcodes.prefixFC); code.u32(16); code.u32(UInt32(rng.below(context.tableMinimums.count)))
        case 3 where !context.tableMinimums.isEmpty:
            funcref(depth: depth + 1)
            constant(.i32, bits: UInt64(rng.below(4)))
            code.byte(Opcodes.prefixFC); code.u32(15); code.u32(UInt32(rng.below(context.tableMinimums.count)))
        default:
            funcref(depth: depth + 1)
            code.byte(Opcodes.refIsNull)
        }
    }

    /// A funcref: null, `ref.func`, `table.get`, a local, or a typed select.
    mutating func funcref(depth: Int) {
        switch rng.below(6) {
        case 0: constant(.funcref, bits: 0)
        case 1 where context.referable > 0, 2 where context.referable > 0:
            code.byte(Opcodes.refFunc); code.u32(UInt32(rng.below(context.referable)))
        case 3 where !context.tableMinimums.isEmpty && depth < 4:
            let table = rng.below(context.tableMinimums.count)
            tableIndex(table, depth: depth)
            code.byte(Opcodes.tableGet); code.u32(UInt32(table))
        case 4 where depth < 4:
            select(.funcref, depth: depth)
        default:
            if let l = randomLocal(.funcref) {
                code.byte(Opcodes.localGet); code.u32(l)
            } else {
                constant(.funcref, bits: 0)
            }
        }
    }
}

// Unreachable code: after `br`, `br_table`, `return`, `return_call(_indirect)` or
// `unreachable` the operand stack is polymorphic, and operators there pop values that do
// not exist. Validators must accept it and compilers must lower (or skip) it without
// crashing: this is where Kiln's intBinary precondition failed (issue 8).

extension BodyGenerator {
    /// `block (result R) [br_if out] <terminal> <dead operators> end`, results dropped.
    mutating func deadCodeStatement(depth: Int) {
        let results = randomTypes(max: 2)
        code.byte(Opcodes.block)
        blockType(FuzzSignature(parameters: [], results: results))
        labels.append(results)
        if rng.chance(85) {
            values(results, depth: depth + 1)
            expression(.i32, depth: depth + 1)
            code.byte(Opcodes.brIf); code.u32(0)
            drops(results.count)
        }
        terminal(results: results, depth: depth)
        deadOperators(count: rng.inRange(1...8))
        labels.removeLast()
        code.byte(Opcodes.end)
        drops(results.count)
    }

    /// An instruction after which the rest of the block is unreachable.
    mutating func terminal(results: [FuzzType], depth: Int) {
        switch rng.below(9) {
        case 0, 7, 8:
            values(results, depth: depth + 1)
            code.byte(Opcodes.br); code.u32(0)
        case 1:
            let targets = labels.indices.reversed().map { labels.count - 1 - $0 }.filter {
                labels[labels.count - 1 - $0] == results
            }
            values(results, depth: depth + 1)
            expression(.i32, depth: depth + 1)
            code.byte(Opcodes.brTable)
            let count = rng.below(4)
            code.u32(UInt32(count))
            for _ in 0..<count { code.u32(UInt32(rng.pick(targets))) }
            code.u32(UInt32(rng.pick(targets)))
        case 2:
            values(signature.results, depth: depth + 1)
            code.byte(Opcodes.return)
        case 3:
            let candidates = (0..<context.callable).filter { context.signature(ofFunction: $0).results == signature.results }
            guard !candidates.isEmpty else { return code.byte(Opcodes.unreachable) }
            let f = rng.pick(candidates)
            values(context.signature(ofFunction: f).parameters, depth: depth + 1)
            code.byte(Opcodes.returnCall); code.u32(UInt32(f))
        case 4:
            let candidates = context.types.indices.filter { context.types[$0].results == signature.results }
            guard !candidates.isEmpty, !context.tableMinimums.isEmpty else { return code.byte(Opcodes.unreachable) }
            let typeIndex = rng.pick(candidates)
            values(context.types[typeIndex].parameters, depth: depth + 1)
            let table = rng.below(context.tableMinimums.count)
            tableIndex(table, depth: depth)
            code.byte(Opcodes.returnCallIndirect); code.u32(UInt32(typeIndex)); code.u32(UInt32(table))
        default:
            code.byte(Opcodes.unreachable)
        }
    }

    /// Operators on the polymorphic stack. `known` models the values pushed since the
    /// stack became polymorphic (nil: a value of unknown type, e.g. from an untyped
    /// `select` of two unknowns); popping past it takes values that do not exist.
    mutating func deadOperators(count: Int) {
        var known: [FuzzType?] = []
        func canPop(_ types: [FuzzType], _ known: [FuzzType?]) -> Bool {
            for (i, t) in types.reversed().enumerated() {
                let position = known.count - 1 - i
                if position < 0 { return true }
                if let k = known[position], k != t { return false }
            }
            return true
        }
        for _ in 0..<count {
            switch rng.below(9) {
            case 0:
                let t = rng.pick(FuzzType.numeric)
                let bits = EdgeValues.bits(t, &rng)
                constant(t, bits: t == .i64 && !context.wideShiftCounts ? bits & 63 : bits)
                known.append(t)
            case 1, 2, 3:
                let t = rng.pick(FuzzType.numeric)
                let pool = rng.below(3) == 0 ? Opcodes.compare : (rng.chance(50) ? Opcodes.binary[t]! : Opcodes.unary[t]! + Opcodes.convert[t]!)
                let op = rng.pick(pool)
                guard canPop(op.operands, known) else { continue }
                known.removeLast(min(op.operands.count, known.count))
                code.append(op.code)
                known.append(op.result)
            case 4:
                code.byte(Opcodes.drop)
                if !known.isEmpty { known.removeLast() }
            case 5:
                guard !locals.isEmpty else { continue }
                let l = rng.below(locals.count)
                if locals[l] == .funcref { continue }
                if rng.chance(50) {
                    code.byte(Opcodes.localGet); code.u32(UInt32(l))
                    known.append(locals[l])
                } else if canPop([locals[l]], known) {
                    code.byte(Opcodes.localSet); code.u32(UInt32(l))
                    if !known.isEmpty { known.removeLast() }
                }
            case 6:
                // Untyped select: i32 condition, two operands of one numeric type.
                let top = known.count >= 2 ? known[known.count - 2] : nil
                let t = top ?? (known.count >= 3 ? known[known.count - 3] : nil)
                guard canPop([.i32], known) else { continue }
                let rest = Array(known.dropLast(min(1, known.count)))
                if let t, !canPop([t, t], rest) { continue }
                if t == nil, rest.count >= 2, rest[rest.count - 1] != rest[rest.count - 2] { continue }
                code.byte(Opcodes.select)
                known.removeLast(min(3, known.count))
                known.append(t)
            case 7:
                if !known.isEmpty { drops(known.count); known = [] }
                code.byte(rng.chance(50) ? Opcodes.unreachable : Opcodes.nop)
            default:
                // A second branch out of the (already unreachable) block.
                drops(known.count)
                known = []
                code.byte(Opcodes.br); code.u32(0)
            }
        }
        drops(known.count)
    }
}

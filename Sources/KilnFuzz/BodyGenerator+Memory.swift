// Memory and table operators: loads and stores of every width at edge addresses, offsets
// and alignments; bulk memory; the table.* operators and segment drops.

extension BodyGenerator {
    /// An i32 address: at the end of the initial memory (5%), computed (15%, mostly
    /// masked into the first page), near zero, or anywhere in the initial memory. Traps
    /// end a call, so out-of-bounds accesses are kept rare enough for calls to get far.
    mutating func address(depth: Int) {
        let end = Int64(context.memoryPages ?? 0) * 65536
        switch rng.below(40) {
        case 0..<2: constant(.i32, bits: UInt64(max(0, end - Int64(rng.below(12)))))
        case 2: expression(.i32, depth: depth + 1)
        case 3..<8:
            // A computed address, masked into the first page most of the time.
            expression(.i32, depth: depth + 1)
            constant(.i32, bits: 0xFFF0)
            code.byte(0x71)  // i32.and
        case 8..<30: constant(.i32, bits: UInt64(rng.below(64)))
        default: constant(.i32, bits: UInt64(rng.below(Int(max(end - 16, 1)))))
        }
    }

    /// A memarg: alignment at most natural (sometimes less), offset small or at an edge.
    mutating func memarg(_ access: Opcodes.MemoryAccess) {
        code.u32(UInt32(rng.below(Int(access.naturalAlignment) + 1)))
        let edges: [UInt32] = [0xFFF8, 0xFFFF, 0x1_0000, 0xFFFF_FFFF, 0x7FFF_FFFF]
        code.u32(rng.chance(3) ? rng.pick(edges) : UInt32(rng.pick([0, 0, 0, 1, 2, 3, 4, 7, 8, 16, 100])))
    }

    mutating func load(_ t: FuzzType, depth: Int) {
        guard context.memoryPages != nil else { return leaf(t) }
        let access = rng.pick(Opcodes.loads.filter { $0.type == t })
        address(depth: depth)
        code.byte(access.code)
        memarg(access)
    }

    mutating func memoryStatement(depth: Int) {
        guard context.memoryPages != nil else { return dropped(depth: depth) }
        switch rng.below(8) {
        case 0, 1, 2, 3:
            let access = rng.pick(Opcodes.stores)
            address(depth: depth)
            expression(access.type, depth: depth + 1)
            code.byte(access.code)
            memarg(access)
        case 4:  // memory.fill dst value len
            address(depth: depth)
            expression(.i32, depth: depth + 1)
            length(depth: depth)
            code.byte(Opcodes.prefixFC); code.u32(11); code.byte(0)
        case 5:  // memory.copy dst src len
            address(depth: depth)
            address(depth: depth)
            length(depth: depth)
            code.byte(Opcodes.prefixFC); code.u32(10); code.byte(0); code.byte(0)
        case 6 where context.dataSegments > 0:  // memory.init seg: dst src len
            address(depth: depth)
            constant(.i32, bits: UInt64(rng.below(12)))
            length(depth: depth)
            code.byte(Opcodes.prefixFC); code.u32(8); code.u32(UInt32(rng.below(context.dataSegments))); code.byte(0)
        case 7 where context.dataSegments > 0:
            code.byte(Opcodes.prefixFC); code.u32(9); code.u32(UInt32(rng.below(context.dataSegments)))
        default:
            expression(.i32, depth: depth + 1)
            code.byte(Opcodes.memoryGrow); code.byte(0)
            code.byte(Opcodes.drop)
        }
    }

    /// A bulk length: mostly small, sometimes zero or large.
    mutating func length(depth: Int) {
        switch rng.below(8) {
        case 0: constant(.i32, bits: 0)
        case 1: expression(.i32, depth: depth + 1)
        case 2: constant(.i32, bits: UInt64(rng.inRange(1...70000)))
        default: constant(.i32, bits: UInt64(rng.inRange(1...16)))
        }
    }

    mutating func tableStatement(depth: Int) {
        guard !context.tableMinimums.isEmpty else { return dropped(depth: depth) }
        let table = rng.below(context.tableMinimums.count)
        switch rng.below(6) {
        case 0:  // table.set idx ref
            tableIndex(table, depth: depth)
            funcref(depth: depth + 1)
            code.byte(Opcodes.tableSet); code.u32(UInt32(table))
        case 1:  // table.fill idx ref len
            tableIndex(table, depth: depth)
            funcref(depth: depth + 1)
            constant(.i32, bits: UInt64(rng.below(4)))
            code.byte(Opcodes.prefixFC); code.u32(17); code.u32(UInt32(table))
        case 2:  // table.copy dst src len
            let source = rng.below(context.tableMinimums.count)
            tableIndex(table, depth: depth)
            tableIndex(source, depth: depth)
            constant(.i32, bits: UInt64(rng.below(4)))
            code.byte(Opcodes.prefixFC); code.u32(14); code.u32(UInt32(table)); code.u32(UInt32(source))
        case 3 where context.elementSegments > 0:  // table.init seg: dst src len
            tableIndex(table, depth: depth)
            constant(.i32, bits: UInt64(rng.below(3)))
            constant(.i32, bits: UInt64(rng.below(4)))
            code.byte(Opcodes.prefixFC); code.u32(12)
            code.u32(UInt32(rng.below(context.elementSegments))); code.u32(UInt32(table))
        case 4 where context.elementSegments > 0:
            code.byte(Opcodes.prefixFC); code.u32(13); code.u32(UInt32(rng.below(context.elementSegments)))
        default:  // table.grow, result dropped
            funcref(depth: depth + 1)
            constant(.i32, bits: UInt64(rng.below(3)))
            code.byte(Opcodes.prefixFC); code.u32(15); code.u32(UInt32(table))
            code.byte(Opcodes.drop)
        }
    }
}

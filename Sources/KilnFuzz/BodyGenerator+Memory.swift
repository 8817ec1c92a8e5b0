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

    /// A loop that walks a pointer over records, as compiled C does over an array of
    /// structs: each iteration makes 2 to 8 loads and stores at `p + k` (a 32-bit add,
    /// which may wrap) or at `p` with an offset, with maybe another statement among them,
    /// then steps `p`. The start is near either end of memory or just below zero, so
    /// records straddle the edges. This is the shape the optimizing tier gives one bounds
    /// check per iteration (`GuardedBlockVersioning`).
    mutating func pointerWalkStatement(depth: Int) {
        guard context.memoryPages != nil else { return memoryStatement(depth: depth) }
        let end = Int64(context.memoryPages ?? 0) * 65536
        let p = newLocal(.i32, reserved: true)
        let start: Int64
        switch rng.below(4) {
        case 0: start = end - Int64(rng.inRange(1...80))
        case 1: start = -Int64(rng.inRange(1...24))
        case 2: start = Int64(rng.inRange(0...64))
        default: start = Int64(rng.below(Int(max(end, 1))))
        }
        constant(.i32, bits: UInt64(UInt32(truncatingIfNeeded: start)))
        addOpaqueZero()
        code.byte(Opcodes.localSet); code.u32(p)
        let counter = openCountedLoop()
        let accesses = rng.inRange(2...8)
        let between = rng.chance(30) ? rng.below(accesses) : -1
        for a in 0..<accesses {
            if a == between { statement(depth: depth + 1) }
            let store = rng.chance(50)
            let access = rng.pick(store ? Opcodes.stores : Opcodes.loads)
            code.byte(Opcodes.localGet); code.u32(p)
            var offset: UInt32 = 0
            if rng.chance(60) {
                code.byte(0x41); code.signed(Int64(rng.inRange(-16...64)))
                code.byte(0x6A)  // i32.add
            } else {
                offset = UInt32(rng.inRange(0...64))
            }
            // Mostly simple values, so the iteration stays one run of blocks.
            if store { expression(access.type, depth: max(depth + 1, 3)) }
            code.byte(access.code)
            code.u32(UInt32(rng.below(Int(access.naturalAlignment) + 1)))
            code.u32(offset)
            if !store {
                if rng.chance(50), let l = randomLocal(access.type) {
                    code.byte(Opcodes.localSet); code.u32(l)
                } else {
                    code.byte(Opcodes.drop)
                }
            }
        }
        step(p, by: Int64(rng.pick([4, 8, 16, 24, 56, -8])))
        closeCountedLoop(counter: counter)
    }

    /// A loop that copies or swaps a small element between two addresses a byte (or a
    /// 16-bit half) at a time, as clang emits `memcpy`, `memmove` and qsort's swap of a
    /// known size: per iteration 2, 4 or 8 bytes at `p + k` and `q + k`, `q` a second
    /// induction variable or `p + d` computed in the loop. `q` lies a few bytes from `p`
    /// (they overlap or coincide) or anywhere, and either may end past the end of memory.
    /// This is the shape the optimizing tier merges into wider accesses when the two are
    /// apart (`AdjacentAccessMerging`).
    mutating func byteGroupStatement(depth: Int) {
        guard context.memoryPages != nil else { return memoryStatement(depth: depth) }
        let end = Int64(context.memoryPages ?? 0) * 65536
        func somewhere() -> Int64 {
            rng.chance(20) ? end - Int64(rng.inRange(1...24)) : Int64(rng.below(Int(max(end - 64, 1))))
        }
        let pStart = somewhere()
        let qStart = rng.chance(50) ? pStart + Int64(rng.inRange(-9...9)) : somewhere()
        let p = newLocal(.i32, reserved: true)
        let q = newLocal(.i32, reserved: true)
        let computedQ = rng.chance(50)
        constant(.i32, bits: UInt64(UInt32(truncatingIfNeeded: pStart)))
        addOpaqueZero()
        code.byte(Opcodes.localSet); code.u32(p)
        // q itself, or the distance d with q = p + d.
        constant(.i32, bits: UInt64(UInt32(truncatingIfNeeded: computedQ ? qStart - pStart : qStart)))
        addOpaqueZero()
        code.byte(Opcodes.localSet); code.u32(q)
        let t = newLocal(.i32, reserved: true)
        let counter = openCountedLoop()
        let width: Int64 = rng.chance(25) ? 2 : 1
        let bytes = Int64(rng.pick([2, 4, 8]))
        let swap = rng.chance(50)
        let between = rng.chance(15) ? rng.below(Int(bytes / width)) : -1
        // Pushes the address of `p + k` or `q + k`, and returns the memarg offset to use.
        func pushAddress(second: Bool, _ k: Int64) -> UInt32 {
            code.byte(Opcodes.localGet); code.u32(second && !computedQ ? q : p)
            if second && computedQ {
                code.byte(Opcodes.localGet); code.u32(q)
                code.byte(0x6A)  // i32.add
            }
            if rng.chance(30) {
                code.byte(0x41); code.signed(k)
                code.byte(0x6A)
                return 0
            }
            return UInt32(k)
        }
        func load(second: Bool, _ k: Int64) {
            let offset = pushAddress(second: second, k)
            code.byte(width == 1 ? 0x2D : 0x2F)  // i32.load8_u, i32.load16_u
            code.u32(UInt32(rng.below(Int(width))))
            code.u32(offset)
        }
        // The value to store is on the stack above the address, so the address comes first.
        func store(second: Bool, _ k: Int64, value: () -> Void) {
            let offset = pushAddress(second: second, k)
            value()
            code.byte(width == 1 ? 0x3A : 0x3B)  // i32.store8, i32.store16
            code.u32(UInt32(rng.below(Int(width))))
            code.u32(offset)
        }
        for (index, k) in stride(from: Int64(0), to: bytes, by: Int(width)).enumerated() {
            if index == between { statement(depth: depth + 1) }
            if swap {
                load(second: false, k)
                code.byte(Opcodes.localSet); code.u32(t)
                store(second: false, k) { load(second: true, k) }
                store(second: true, k) { code.byte(Opcodes.localGet); code.u32(t) }
            } else {
                store(second: false, k) { load(second: true, k) }
            }
        }
        let distance = Int64(rng.pick([Int(bytes), Int(bytes), 4, -Int(bytes)]))
        for l in computedQ ? [p] : [p, q] { step(l, by: distance) }
        closeCountedLoop(counter: counter)
    }

    /// Opens a loop that runs 1 to 4 times (plus an opaque zero) and spends fuel each
    /// time; returns its counter, for ``closeCountedLoop(counter:)``.
    mutating func openCountedLoop() -> UInt32 {
        let counter = newLocal(.i32, reserved: true)
        code.byte(0x41); code.signed(Int64(rng.inRange(1...4)))
        addOpaqueZero()
        code.byte(Opcodes.localSet); code.u32(counter)
        code.byte(Opcodes.loop); code.byte(0x40)
        labels.append([])
        spendFuel()
        return counter
    }

    /// Counts down and branches back while the counter is not zero; ends the loop.
    mutating func closeCountedLoop(counter: UInt32) {
        code.byte(Opcodes.localGet); code.u32(counter)
        code.byte(0x41); code.signed(1)
        code.byte(0x6B)  // i32.sub
        code.byte(Opcodes.localTee); code.u32(counter)
        code.byte(Opcodes.brIf); code.u32(0)
        labels.removeLast()
        code.byte(Opcodes.end)
    }

    /// `local += by` for an i32 local.
    mutating func step(_ local: UInt32, by: Int64) {
        code.byte(Opcodes.localGet); code.u32(local)
        code.byte(0x41); code.signed(by)
        code.byte(0x6A)  // i32.add
        code.byte(Opcodes.localSet); code.u32(local)
    }

    /// Adds `fuel >> 16` to the i32 on the stack: zero at run time (the fuel starts at
    /// 1000 and never goes below 0), but not to a compiler, which must then treat the sum
    /// as unknown, as it would a pointer or count read from memory.
    mutating func addOpaqueZero() {
        code.byte(Opcodes.globalGet); code.u32(context.fuelGlobal)
        code.byte(0x41); code.signed(16)
        code.byte(0x76)  // i32.shr_u
        code.byte(0x6A)  // i32.add
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

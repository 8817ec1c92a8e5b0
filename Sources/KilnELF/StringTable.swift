/// The bytes of an ELF string table (`.dynstr`, `.strtab`, `.shstrtab`): NUL-terminated
/// names after a leading NUL, so offset 0 is the empty name. Identical names share one
/// copy. Names are compared as bytes, not as Swift `String`s, because `String` equality
/// is Unicode canonical equivalence and two distinct byte sequences must keep two names.
///
/// The names already in the table are found through a small open-addressing hash index
/// of the table's own offsets rather than a `[[UInt8]: UInt32]`: the first use of that
/// dictionary in a process costs a runtime lookup of `Array`'s conditional `Hashable`
/// conformance, about 0.2 ms, a fifth of compiling a small module.
struct StringTable {
    private(set) var bytes: [UInt8] = [0]
    /// Open addressing with linear probing: 0 is an empty slot, anything else is 1 + the
    /// offset of a name in `bytes`. Never more than half full.
    private var slots = [UInt32](repeating: 0, count: 16)
    /// The offset of every distinct name, for rebuilding `slots` when it grows.
    private var offsets: [UInt32] = []

    init() { insert(offset: 0, hash: Self.hash([])) }

    /// The offset of `name` in the table, adding it if it is new. The caller has checked
    /// that `name` contains no NUL byte.
    mutating func add(_ name: [UInt8]) -> UInt32 {
        let hash = Self.hash(name)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let offset = slots[slot] - 1
            if storedName(at: Int(offset), equals: name) { return offset }
            slot = (slot + 1) & mask
        }
        let offset = UInt32(bytes.count)
        bytes.append(contentsOf: name)
        bytes.append(0)
        insert(offset: offset, hash: hash)
        return offset
    }

    mutating func add(_ name: String) -> UInt32 { add(Array(name.utf8)) }

    /// Whether the NUL-terminated name at `offset` is exactly `name`.
    private func storedName(at offset: Int, equals name: [UInt8]) -> Bool {
        let end = offset + name.count
        guard end < bytes.count, bytes[end] == 0 else { return false }
        return bytes[offset..<end].elementsEqual(name)
    }

    private mutating func insert(offset: UInt32, hash: UInt64) {
        offsets.append(offset)
        if offsets.count * 2 > slots.count {
            slots = [UInt32](repeating: 0, count: slots.count * 2)
            for stored in offsets { place(stored, hash: Self.hash(name(at: Int(stored)))) }
        } else {
            place(offset, hash: hash)
        }
    }

    /// Puts `offset` in the first free slot from its hash on.
    private mutating func place(_ offset: UInt32, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = offset + 1
    }

    /// The name stored at `offset` (up to its NUL).
    private func name(at offset: Int) -> ArraySlice<UInt8> {
        bytes[offset..<bytes[offset...].firstIndex(of: 0)!]
    }

    /// 64-bit FNV-1a of `name`.
    private static func hash(_ name: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

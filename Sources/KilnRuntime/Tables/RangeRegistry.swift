// The registry of live address ranges the runtime must map back to their owners: every
// table's slot reservation (the lazy-init resolver finds the table that holds a slot)
// and every instance's funcref array (so a funcref the host hands in can be checked to
// be real). A sorted array under a process-wide mutex: lookups happen on the first call
// through a lazy slot and when the host passes a funcref, never on the warm path.
import CKilnRuntime

/// What a registered range belongs to.
enum RangeOwner {
    /// A table's reserved slots (unretained `TableStorage`).
    case table(Unmanaged<TableStorage>)
    /// An instance's array of `VMFuncRef`s (unretained `Instance`).
    case funcRefs(Unmanaged<Instance>)
}

enum RangeRegistry {
    private struct Entry {
        var start: UInt
        var end: UInt
        var owner: RangeOwner
    }
    /// Sorted by `start`; ranges never overlap (they are distinct mappings/allocations).
    /// Guarded by `kiln_lock(lockIndex)`.
    nonisolated(unsafe) private static var entries: [Entry] = []
    static let lockIndex: Int32 = 1

    /// Index of the first entry whose start is > `address`.
    private static func upperBound(_ address: UInt) -> Int {
        var lo = 0
        var hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].start <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    static func register(start: UInt, length: Int, _ owner: RangeOwner) {
        guard length > 0 else { return }
        kiln_lock(lockIndex)
        defer { kiln_unlock(lockIndex) }
        entries.insert(Entry(start: start, end: start + UInt(length), owner: owner), at: upperBound(start))
    }

    static func unregister(start: UInt) {
        kiln_lock(lockIndex)
        defer { kiln_unlock(lockIndex) }
        let i = upperBound(start) - 1
        guard i >= 0, entries[i].start == start else { return }
        entries.remove(at: i)
    }

    /// The owner of the range containing `address`, and the range's start.
    static func lookup(_ address: UInt) -> (start: UInt, owner: RangeOwner)? {
        lookupRange(address).map { ($0.start, $0.owner) }
    }

    /// The range containing `address` and its owner.
    static func lookupRange(_ address: UInt) -> (start: UInt, end: UInt, owner: RangeOwner)? {
        kiln_lock(lockIndex)
        defer { kiln_unlock(lockIndex) }
        let i = upperBound(address) - 1
        guard i >= 0, address < entries[i].end else { return nil }
        return (entries[i].start, entries[i].end, entries[i].owner)
    }
}

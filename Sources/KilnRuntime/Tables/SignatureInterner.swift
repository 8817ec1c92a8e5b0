// The process-wide signature interner: every distinct function signature gets one
// non-zero `UInt64` id, whatever module it comes from, so `call_indirect` compares
// signatures across modules with one integer compare (docs/tables.md, "Type ids").
import CKilnRuntime
import KilnABI

/// Canonical signature ids, shared by every engine, module and instance of the process.
enum SignatureInterner {
    /// Guarded by `kiln_lock(lockIndex)`.
    nonisolated(unsafe) private static var ids: [Signature: UInt64] = [:]
    static let lockIndex: Int32 = 0

    /// The canonical id of `signature` (1, 2, 3, ...: never 0, so a zeroed funcref never
    /// matches a type).
    static func id(of signature: Signature) -> UInt64 {
        kiln_lock(lockIndex)
        defer { kiln_unlock(lockIndex) }
        if let id = ids[signature] { return id }
        let id = UInt64(ids.count + 1)
        ids[signature] = id
        return id
    }
}

extension Engine {
    /// The canonical id of `signature` (process-wide, see ``SignatureInterner``).
    package func typeId(of signature: Signature) -> UInt64 { SignatureInterner.id(of: signature) }
}

// WasmKit's WASI reads and writes guest memory through `GuestMemory`, whose accessors have
// no error path (WasmKit's own memory stops the process on an out-of-bounds range). Kiln's
// view never does: every range is checked against the memory's current length, read anew
// on each access (a memory can grow whenever wasm runs).
import KilnRuntime
import WASI
import WasmTypes

/// A `GuestMemory` over a Kiln linear memory, in place (no copy). Built for one host call.
///
/// The arguments of every preview1 function are checked before its implementation runs
/// (`GuestRegion`), so a range out of bounds here means a span that check does not know
/// of. It then cannot fail the call from inside (the protocol's accessors only rethrow), so
/// it hands the implementation zeroed scratch bytes instead of guest memory, and records
/// the fault: the host function reports EFAULT to the guest, and nothing out of bounds is
/// ever read or written.
struct LinearMemoryView: GuestMemory {
    /// The caller's memory 0; nil for a module without one (every access faults).
    let memory: Memory?
    let faults = FaultRecord()

    func withUnsafeMutableBufferPointer<T>(
        offset: UInt, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> T
    ) rethrows -> T {
        if let memory, let result = try memory.withUnsafeMutableBytes(at: UInt64(offset), count: count, body) {
            return result
        }
        faults.faulted = true
        let size = max(count, 0)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        defer { scratch.deallocate() }
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        return try body(UnsafeMutableRawBufferPointer(rebasing: scratch[0..<size]))
    }
}

/// Whether a ``LinearMemoryView`` met an out-of-bounds range during one host call.
final class FaultRecord {
    var faulted = false
}

import CKilnRuntime
import KilnABI

// Linear memory: an 8 GiB PROT_NONE reservation whose first `pages * 64 KiB` bytes are
// read+write. Out-of-bounds accesses by wasm code fault in the rest and become traps.
#if canImport(Glibc)
    import Glibc
#endif

/// A wasm linear memory (https://webassembly.github.io/spec/core/syntax/modules.html#memories):
/// defined by an instance, or created by the host to be imported (the spec tests'
/// `spectest.memory`). Its base address never moves; `grow` only makes more of the
/// reservation accessible.
public final class Memory {
    /// 4 GiB of addressable memory + 4 GiB of guard: any 32-bit address plus any 32-bit
    /// static offset lands inside the reservation (docs/abi.md).
    static let reservationSize = 8 << 30
    /// Pages addressable by a 32-bit memory.
    static let maximumPages: UInt64 = 65536

    private let reservation: MappedRegion
    /// The `VMMemoryDefinition {base, lengthBytes}` importers' vmctx point at.
    let definition: UnsafeMutableRawPointer
    /// The declared maximum, if any.
    public let maximumPages: UInt64?

    /// Creates a memory of `minimumPages` zeroed pages that may grow to `maximumPages`.
    public convenience init(minimumPages: UInt64, maximumPages: UInt64? = nil) throws(RuntimeError) {
        try self.init(limits: MemoryLimits(minimum: minimumPages, maximum: maximumPages))
    }

    init(limits: MemoryLimits) throws(RuntimeError) {
        guard limits.minimum <= Self.maximumPages, (limits.maximum ?? 0) <= Self.maximumPages,
            limits.minimum <= (limits.maximum ?? Self.maximumPages)
        else {
            throw RuntimeError.usage(
                "memory limits \(limits.minimum)..\(limits.maximum.map { "\($0)" } ?? "") are invalid")
        }
        do {
            reservation = try MappedRegion.reserve(Self.reservationSize)
        } catch {
            throw RuntimeError.resource("cannot reserve linear memory: \(error)")
        }
        maximumPages = limits.maximum
        // SAFETY: 16 bytes, 16-aligned, owned by this object, freed in deinit.
        definition = UnsafeMutableRawPointer.allocate(byteCount: VMMemoryDefinition.size, alignment: 16)
        definition.storeBytes(
            of: UInt(bitPattern: reservation.base), toByteOffset: VMMemoryDefinition.base, as: UInt.self)
        definition.storeBytes(of: 0, toByteOffset: VMMemoryDefinition.length, as: UInt.self)
        guard grow(by: limits.minimum) != nil else {
            throw RuntimeError.resource("cannot make \(limits.minimum) pages of linear memory accessible")
        }
        registration = kiln_register_memory(UInt(bitPattern: reservation.base), Self.reservationSize)
        guard registration >= 0 else {
            throw RuntimeError.resource("cannot register linear memory: too many memories at once")
        }
    }

    /// The signal handler's record of the reservation (a fault inside it is out of bounds).
    private var registration: Int32 = -1

    deinit {
        kiln_unregister_memory(registration)
        definition.deallocate()
    }

    /// Base address of the memory (constant).
    var base: UnsafeMutableRawPointer { reservation.base }

    /// Current length in bytes.
    public var byteCount: UInt64 {
        UInt64(definition.load(fromByteOffset: VMMemoryDefinition.length, as: UInt.self))
    }

    /// Current size in wasm pages.
    public var pageCount: UInt64 { byteCount / UInt64(WasmPage.size) }

    /// The limits this memory satisfies as an import (current size, declared maximum).
    public var limits: MemoryLimits { MemoryLimits(minimum: pageCount, maximum: maximumPages) }

    /// Grows by `delta` pages (`memory.grow`): the old size in pages, or nil when that
    /// would pass the maximum or the system refuses.
    @discardableResult
    public func grow(by delta: UInt64) -> UInt64? {
        let old = pageCount
        let limit = min(maximumPages ?? Self.maximumPages, Self.maximumPages)
        guard delta <= limit, old + delta <= limit else { return nil }
        if delta == 0 { return old }
        let oldBytes = Int(old) * WasmPage.size
        let newBytes = Int(old + delta) * WasmPage.size
        do {
            try Posix.mprotect(base + oldBytes, length: newBytes - oldBytes, protection: PROT_READ | PROT_WRITE)
        } catch {
            return nil
        }
        definition.storeBytes(of: UInt(newBytes), toByteOffset: VMMemoryDefinition.length, as: UInt.self)
        return old
    }

    /// Checks `[offset, offset+count)` against the current length.
    func checkRange(_ offset: UInt64, _ count: Int) -> Bool {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(count))
        return !overflow && end <= byteCount
    }

    /// Calls `body` with the bytes `[offset, offset+count)` of the memory in place, no
    /// copy; returns nil, without calling `body`, when the range is not within the
    /// current length. The length is read on every call: a memory may grow whenever wasm
    /// runs, so a host keeps offsets, never pointers or sizes, across calls into wasm.
    /// `body` must not keep the buffer.
    public func withUnsafeMutableBytes<R, E: Error>(
        at offset: UInt64, count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R? {
        guard count >= 0, checkRange(offset, count) else { return nil }
        // SAFETY: the range lies within the accessible length, checked above; the base
        // never moves and a memory never shrinks, so it stays accessible during `body`.
        return try body(UnsafeMutableRawBufferPointer(start: base + Int(offset), count: count))
    }

    /// Calls `body` with the bytes `[offset, offset+count)` of the memory in place, read
    /// only; nil when the range is out of bounds (see ``withUnsafeMutableBytes(at:count:_:)``).
    public func withUnsafeBytes<R, E: Error>(
        at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R? {
        try withUnsafeMutableBytes(at: offset, count: count) { (bytes) throws(E) -> R in
            try body(UnsafeRawBufferPointer(bytes))
        }
    }

    /// Copies `count` bytes starting at `offset` out of the memory.
    public func read(at offset: UInt64, count: Int) throws(RuntimeError) -> [UInt8] {
        guard count >= 0, checkRange(offset, count) else {
            throw RuntimeError.usage("memory read of \(count) bytes at \(offset) is out of bounds (\(byteCount) bytes)")
        }
        // SAFETY: the range lies within the accessible length, checked above.
        return Array(UnsafeRawBufferPointer(start: base + Int(offset), count: count))
    }

    /// Copies `bytes` into the memory at `offset`.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(RuntimeError) {
        guard checkRange(offset, bytes.count) else {
            throw RuntimeError.usage(
                "memory write of \(bytes.count) bytes at \(offset) is out of bounds (\(byteCount) bytes)")
        }
        bytes.withUnsafeBytes { src in
            // SAFETY: the range lies within the accessible length, checked above.
            (base + Int(offset)).copyMemory(from: src.baseAddress!, byteCount: src.count)
        }
    }

    /// Maps `length` bytes of `file` at `fileOffset` copy-on-write over
    /// `[memoryOffset, memoryOffset+length)` (within the current length, page aligned:
    /// checked by the caller).
    func mapImage(
        _ file: borrowing FileDescriptor, fileOffset: UInt64, memoryOffset: UInt64, length: Int
    ) throws(SystemCallError) {
        _ = try Posix.mmap(
            at: base + Int(memoryOffset), length: length, protection: PROT_READ | PROT_WRITE,
            flags: MAP_PRIVATE | MAP_FIXED, fd: file.rawValue, offset: fileOffset)
        // The reservation's owner unmaps the whole range, this mapping included.
    }
}

// Every system call the runtime makes goes through `Posix`: EINTR is retried here, the
// errno comes back as a typed value, and EFAULT/EBADF (which only a Kiln bug can cause)
// stop the process. Mappings are `~Copyable` owners that unmap in `deinit`.
import CKilnRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// An `errno` value. A small type of the runtime's own (swift-system's `Errno` shape) so
/// the core still builds in Embedded Swift.
package struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    package var rawValue: Int32
    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current `errno`.
    static var current: Errno { Errno(rawValue: kiln_errno()) }

    package var description: String {
        guard let s = strerror(rawValue) else { return "errno \(rawValue)" }
        return String(cString: s) + " (errno \(rawValue))"
    }
}

/// A failed system call: which call, and why.
package struct SystemCallError: Error, Sendable, CustomStringConvertible {
    package var call: StaticString
    package var errno: Errno
    package var description: String { "\(call) failed: \(errno)" }
}

/// Thin wrappers over the system calls Kiln uses. Each retries on `EINTR` and names the
/// corresponding C function.
package enum Posix {
    @inline(__always)  // tiny; keeps the retry loop out of callers' profiles
    static func retrying<T: BinaryInteger>(
        _ call: StaticString, _ body: () -> T
    ) throws(SystemCallError) -> T {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = Errno.current
            if e.rawValue == EINTR { continue }
            precondition(e.rawValue != EFAULT && e.rawValue != EBADF, "Kiln bug: \(call) returned \(e)")
            throw SystemCallError(call: call, errno: e)
        }
    }

    /// The corresponding C function is `open` (read-only, close-on-exec).
    static func openReadOnly(_ path: String) throws(SystemCallError) -> FileDescriptor {
        // `open` reports a bad path as ENOENT etc., never EFAULT, for a valid C string.
        let fd = try retrying("open") { kiln_open_readonly(path) }
        return FileDescriptor(unsafe: fd)
    }

    /// The corresponding C function is `memfd_create` (with `MFD_CLOEXEC`).
    static func memfdCreate(_ name: String) throws(SystemCallError) -> FileDescriptor {
        FileDescriptor(unsafe: try retrying("memfd_create") { kiln_memfd_create(name) })
    }

    /// The corresponding C function is `fstat`; returns the file size.
    static func fileSize(_ fd: borrowing FileDescriptor) throws(SystemCallError) -> UInt64 {
        var st = stat()
        _ = try retrying("fstat") { fstat(fd.rawValue, &st) }
        return UInt64(max(st.st_size, 0))
    }

    /// The corresponding C function is `pread`; reads exactly `count` bytes at `offset`
    /// (the caller has checked the range against the file size).
    static func pread(
        _ fd: borrowing FileDescriptor, offset: UInt64, count: Int
    ) throws(SystemCallError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        let raw = fd.rawValue
        while done < count {
            let n = try retrying("pread") {
                result.withUnsafeMutableBytes { buf in
                    systemPread(raw, buf.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                }
            }
            if n == 0 { throw SystemCallError(call: "pread", errno: Errno(rawValue: EIO)) }  // file shrank
            done += n
        }
        return result
    }

    /// The corresponding C function is `write`; writes all of `bytes`.
    static func writeAll(_ fd: borrowing FileDescriptor, _ bytes: [UInt8]) throws(SystemCallError) {
        var done = 0
        let raw = fd.rawValue
        while done < bytes.count {
            let n = try retrying("write") {
                bytes.withUnsafeBytes { buf in write(raw, buf.baseAddress! + done, bytes.count - done) }
            }
            done += n
        }
    }

    /// The corresponding C function is `mmap`.
    static func mmap(
        at address: UnsafeMutableRawPointer? = nil, length: Int, protection: Int32, flags: Int32,
        fd: Int32 = -1, offset: UInt64 = 0
    ) throws(SystemCallError) -> UnsafeMutableRawPointer {
        guard let p = systemMmap(address, length, protection, flags, fd, off_t(offset)),
            p != UnsafeMutableRawPointer(bitPattern: -1)
        else {
            let e = Errno.current
            precondition(e.rawValue != EFAULT, "Kiln bug: mmap returned \(e)")
            throw SystemCallError(call: "mmap", errno: e)
        }
        return p
    }

    /// The corresponding C function is `ftruncate`.
    static func ftruncate(_ fd: borrowing FileDescriptor, length: UInt64) throws(SystemCallError) {
        let raw = fd.rawValue
        _ = try retrying("ftruncate") { kiln_ftruncate(raw, Int64(length)) }
    }

    /// The corresponding C function is `mprotect`.
    static func mprotect(_ address: UnsafeMutableRawPointer, length: Int, protection: Int32) throws(SystemCallError) {
        _ = try retrying("mprotect") { systemMprotect(address, length, protection) }
    }

    /// The corresponding C function is `munmap`. Failing to unmap a region Kiln mapped is a
    /// Kiln bug.
    static func munmap(_ address: UnsafeMutableRawPointer, length: Int) {
        let r = systemMunmap(address, length)
        precondition(r == 0, "Kiln bug: munmap failed: \(Errno.current)")
    }

    /// The corresponding C function is `close`. EINTR is not retried: on Linux the
    /// descriptor is closed anyway.
    static func close(_ fd: Int32) {
        let r = systemClose(fd)
        precondition(r == 0 || Errno.current.rawValue != EBADF, "Kiln bug: close of a bad descriptor")
    }

    /// The host page size (`sysconf(_SC_PAGESIZE)`).
    static let pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// An open file descriptor, closed in `deinit`.
package struct FileDescriptor: ~Copyable {
    package let rawValue: Int32
    /// Takes ownership of `fd`.
    init(unsafe fd: Int32) { rawValue = fd }
    deinit { Posix.close(rawValue) }
}

/// A region of address space Kiln mapped (code, a reservation, a CoW image), unmapped in
/// `deinit`.
package struct MappedRegion: ~Copyable {
    package let base: UnsafeMutableRawPointer
    package let length: Int

    /// Takes ownership of the mapping `[base, base+length)`.
    init(unsafe base: UnsafeMutableRawPointer, length: Int) {
        self.base = base
        self.length = length
    }

    /// Maps `length` bytes of `fd` at `offset` privately (copy-on-write) with `protection`.
    static func mapFile(
        _ fd: borrowing FileDescriptor, offset: UInt64, length: Int, protection: Int32
    ) throws(SystemCallError) -> MappedRegion {
        let p = try Posix.mmap(
            length: length, protection: protection, flags: MAP_PRIVATE, fd: fd.rawValue, offset: offset)
        return MappedRegion(unsafe: p, length: length)
    }

    /// Maps `length` bytes of `fd` from offset 0 shared (writes reach the file) with
    /// `protection`: how the loader fills a memfd.
    static func mapShared(
        _ fd: borrowing FileDescriptor, length: Int, protection: Int32
    ) throws(SystemCallError) -> MappedRegion {
        let p = try Posix.mmap(length: length, protection: protection, flags: MAP_SHARED, fd: fd.rawValue, offset: 0)
        return MappedRegion(unsafe: p, length: length)
    }

    /// Copies `length` bytes of `fd` at `offset` into fresh anonymous memory and gives it
    /// `protection`: how a section is placed whose file offset is not on a host page
    /// (an artifact aligned to 4 KiB on a 16 or 64 KiB-page kernel). Private memory, not
    /// shared with other processes, but correct.
    static func copyFile(
        _ fd: borrowing FileDescriptor, offset: UInt64, length: Int, protection: Int32
    ) throws(SystemCallError) -> MappedRegion {
        let p = try Posix.mmap(length: length, protection: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE | MAP_ANONYMOUS)
        let region = MappedRegion(unsafe: p, length: length)
        let bytes = try Posix.pread(fd, offset: offset, count: length)
        // SAFETY: `p` is a fresh writable mapping of `length` bytes; `bytes` has `length`.
        bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: length) }
        try Posix.mprotect(p, length: length, protection: protection)
        return region
    }

    /// Reserves `length` bytes of inaccessible address space (no memory committed).
    static func reserve(_ length: Int) throws(SystemCallError) -> MappedRegion {
        let p = try Posix.mmap(
            length: length, protection: PROT_NONE, flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
        return MappedRegion(unsafe: p, length: length)
    }

    deinit { Posix.munmap(base, length: length) }
}

/// Rounds `n` up to a multiple of the host page size; nil on overflow.
func roundUpToPage(_ n: UInt64) -> UInt64? {
    let p = UInt64(Posix.pageSize)
    let (s, o) = n.addingReportingOverflow(p - 1)
    return o ? nil : s & ~(p - 1)
}

// File-scope aliases: inside `Posix` the unqualified C names would find the wrappers.
private func systemPread(_ fd: Int32, _ buf: UnsafeMutableRawPointer, _ n: Int, _ off: off_t) -> Int {
    pread(fd, buf, n, off)
}
private func systemMmap(
    _ a: UnsafeMutableRawPointer?, _ n: Int, _ prot: Int32, _ flags: Int32, _ fd: Int32, _ off: off_t
) -> UnsafeMutableRawPointer? {
    mmap(a, n, prot, flags, fd, off)
}
private func systemMprotect(_ a: UnsafeMutableRawPointer, _ n: Int, _ prot: Int32) -> Int32 { mprotect(a, n, prot) }
private func systemMunmap(_ a: UnsafeMutableRawPointer, _ n: Int) -> Int32 { munmap(a, n) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }

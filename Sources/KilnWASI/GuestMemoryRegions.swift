// Which bytes of linear memory each preview1 function reads or writes, from its arguments
// (the witx definitions of wasi_snapshot_preview1). Every one of them is checked against
// the memory's current length before WasmKit's implementation runs, so an out-of-bounds
// guest pointer is EFAULT with no side effect (nothing written, no file touched).
import KilnRuntime

/// A span of guest memory named by a function's arguments (indices into them).
enum GuestRegion {
    /// `size` bytes at the pointer `args[pointer]` (an out-parameter or a struct).
    case fixed(pointer: Int, size: UInt64)
    /// `args[length]` bytes at `args[pointer]` (a string, a byte buffer).
    case bytes(pointer: Int, length: Int)
    /// `args[count]` records of `stride` bytes at `args[pointer]`.
    case array(pointer: Int, count: Int, stride: UInt64)
    /// An array of `args[count]` iovecs `{buf: u32, len: u32}` at `args[pointer]`, and the
    /// buffer each names.
    case buffers(pointer: Int, count: Int)
    /// `args_get`: `argc` pointers at `args[0]`, the NUL-terminated strings at `args[1]`.
    case arguments
    /// `environ_get`: likewise for `NAME=VALUE` strings.
    case environment
}

/// Preview1's record sizes (witx): `fdstat` 24, `filestat` 64, `prestat` 8,
/// `subscription` 48, `event` 32, `iovec`/`ciovec` 8, `timestamp`/`filesize` 8,
/// `size`/`fd` 4, `roflags` 2.
let preview1Regions: [String: [GuestRegion]] = [
    "args_get": [.arguments],
    "args_sizes_get": [.fixed(pointer: 0, size: 4), .fixed(pointer: 1, size: 4)],
    "environ_get": [.environment],
    "environ_sizes_get": [.fixed(pointer: 0, size: 4), .fixed(pointer: 1, size: 4)],
    "clock_res_get": [.fixed(pointer: 1, size: 8)],
    "clock_time_get": [.fixed(pointer: 2, size: 8)],
    "fd_advise": [],
    "fd_allocate": [],
    "fd_close": [],
    "fd_datasync": [],
    "fd_fdstat_get": [.fixed(pointer: 1, size: 24)],
    "fd_fdstat_set_flags": [],
    "fd_fdstat_set_rights": [],
    "fd_filestat_get": [.fixed(pointer: 1, size: 64)],
    "fd_filestat_set_size": [],
    "fd_filestat_set_times": [],
    "fd_pread": [.buffers(pointer: 1, count: 2), .fixed(pointer: 4, size: 4)],
    "fd_prestat_get": [.fixed(pointer: 1, size: 8)],
    "fd_prestat_dir_name": [.bytes(pointer: 1, length: 2)],
    "fd_pwrite": [.buffers(pointer: 1, count: 2), .fixed(pointer: 4, size: 4)],
    "fd_read": [.buffers(pointer: 1, count: 2), .fixed(pointer: 3, size: 4)],
    "fd_readdir": [.bytes(pointer: 1, length: 2), .fixed(pointer: 4, size: 4)],
    "fd_renumber": [],
    "fd_seek": [.fixed(pointer: 3, size: 8)],
    "fd_sync": [],
    "fd_tell": [.fixed(pointer: 1, size: 8)],
    "fd_write": [.buffers(pointer: 1, count: 2), .fixed(pointer: 3, size: 4)],
    "path_create_directory": [.bytes(pointer: 1, length: 2)],
    "path_filestat_get": [.bytes(pointer: 2, length: 3), .fixed(pointer: 4, size: 64)],
    "path_filestat_set_times": [.bytes(pointer: 2, length: 3)],
    "path_link": [.bytes(pointer: 2, length: 3), .bytes(pointer: 5, length: 6)],
    "path_open": [.bytes(pointer: 2, length: 3), .fixed(pointer: 8, size: 4)],
    // WasmKit writes only the prefix the link fills, and on purpose does not require the
    // rest of the buffer to exist; the view checks (and faults) what it writes.
    "path_readlink": [.bytes(pointer: 1, length: 2), .fixed(pointer: 5, size: 4)],
    "path_remove_directory": [.bytes(pointer: 1, length: 2)],
    "path_rename": [.bytes(pointer: 1, length: 2), .bytes(pointer: 4, length: 5)],
    "path_symlink": [.bytes(pointer: 0, length: 1), .bytes(pointer: 3, length: 4)],
    "path_unlink_file": [.bytes(pointer: 1, length: 2)],
    "poll_oneoff": [
        .array(pointer: 0, count: 2, stride: 48), .array(pointer: 1, count: 2, stride: 32), .fixed(pointer: 3, size: 4),
    ],
    "proc_exit": [],
    "proc_raise": [],
    "random_get": [.bytes(pointer: 0, length: 1)],
    "sched_yield": [],
    "sock_accept": [.fixed(pointer: 2, size: 4)],
    "sock_recv": [.buffers(pointer: 1, count: 2), .fixed(pointer: 4, size: 4), .fixed(pointer: 5, size: 2)],
    "sock_send": [.buffers(pointer: 1, count: 2), .fixed(pointer: 4, size: 4)],
    "sock_shutdown": [],
]

extension GuestRegion {
    /// Whether every byte this region names lies inside `memory` (none do without one).
    func isInBounds(_ args: [Value], memory: Memory?, configuration: WASIConfiguration) -> Bool {
        func u32(_ i: Int) -> UInt64 {
            if case .i32(let v) = args[i] { return UInt64(v) }
            return UInt64.max  // a malformed argument is never in bounds
        }
        func fits(_ offset: UInt64, _ count: UInt64) -> Bool {
            guard let memory else { return false }
            let (end, overflow) = offset.addingReportingOverflow(count)
            return !overflow && end <= memory.byteCount
        }
        switch self {
        case .fixed(let pointer, let size):
            return fits(u32(pointer), size)
        case .bytes(let pointer, let length):
            return fits(u32(pointer), u32(length))
        case .array(let pointer, let count, let stride):
            return fits(u32(pointer), u32(count) * stride)  // < 2^32 * 48: no overflow
        case .buffers(let pointer, let count):
            let base = u32(pointer)
            let n = u32(count)
            guard let memory, fits(base, n * 8) else { return false }
            for i in 0..<n {
                let iovec = memory.withUnsafeBytes(at: base + 8 * i, count: 8) {
                    (UInt64($0.loadUnaligned(as: UInt32.self).littleEndian),
                     UInt64($0.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian))
                }
                guard let (buffer, length) = iovec, fits(buffer, length) else { return false }
            }
            return true
        case .arguments:
            let size = configuration.argumentsSize
            return fits(u32(0), size.count * 4) && fits(u32(1), size.bytes)
        case .environment:
            let size = configuration.environmentSize
            return fits(u32(0), size.count * 4) && fits(u32(1), size.bytes)
        }
    }
}

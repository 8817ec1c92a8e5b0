// File input and output for `kiln compile`, straight through the system calls. Foundation's
// `FileManager.createFile` writes a temporary file, `fsync`s it and renames it: the `fsync`
// alone cost a few hundred microseconds, more than compiling a small module. A compiler's
// output need not survive a power cut (cc and ld do not `fsync` either), so the file is
// written and renamed into place without it: readers still see the old file or the
// whole new one, never a part.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A failed file operation: which call, on which path, and the `errno` it gave.
struct FileError: Error, CustomStringConvertible {
    var call: StaticString
    var path: String
    var errno: Int32

    var description: String { "cannot \(call) \(path): \(String(cString: strerror(errno)))" }
}

/// Reading a module and writing an artifact.
enum ArtifactFiles {
    /// Runs a system call, retrying on `EINTR`; a result of -1 throws with the `errno`.
    private static func retrying<T: BinaryInteger>(
        _ call: StaticString, _ path: String, _ body: () -> T
    ) throws(FileError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            if errno == EINTR { continue }
            throw FileError(call: call, path: path, errno: errno)
        }
    }

    /// Every byte of the regular file at `path`, or nil if it is something else (a pipe,
    /// a device), which the caller reads another way. The corresponding C functions are
    /// `open`, `fstat` and `read`.
    static func readRegularFile(_ path: String) throws(FileError) -> [UInt8]? {
        let fd = try retrying("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var status = stat()
        _ = try retrying("fstat", path) { fstat(fd, &status) }
        guard status.st_mode & S_IFMT == S_IFREG else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(max(status.st_size, 0)))
        var done = 0
        while done < bytes.count {
            let count = try retrying("read", path) {
                bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            }
            if count == 0 { break }  // the file shrank since `fstat`
            done += count
        }
        bytes.removeSubrange(done...)
        return bytes
    }

    /// Replaces the file at `path` with `bytes`: writes a temporary file beside it
    /// (mode 0666 less the umask, as `creat` gives) and renames it over `path`. The
    /// corresponding C functions are `open`, `write`, `close` and `rename`.
    static func replace(_ path: String, with bytes: [UInt8]) throws(FileError) {
        var attempt = 0
        var temporary: String
        var fd: Int32
        while true {
            temporary = "\(path).\(getpid()).\(attempt).tmp"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { break }
            if errno == EINTR { continue }
            guard errno == EEXIST, attempt < 100 else { throw FileError(call: "create", path: temporary, errno: errno) }
            attempt += 1
        }
        do throws(FileError) {
            var done = 0
            while done < bytes.count {
                done += try retrying("write", temporary) {
                    bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
                }
            }
            // `close` is not retried: on Linux the descriptor is gone even after EINTR.
            let closed = close(fd)
            fd = -1
            if closed != 0 && errno != EINTR { throw FileError(call: "close", path: temporary, errno: errno) }
            _ = try retrying("rename", path) { rename(temporary, path) }
        } catch {
            if fd >= 0 { close(fd) }
            unlink(temporary)
            throw error
        }
    }
}

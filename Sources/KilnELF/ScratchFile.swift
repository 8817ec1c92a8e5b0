import CLibELF

#if canImport(Glibc)
    import Glibc
#endif

/// The file libelf writes the shared object into before its bytes are read back: an
/// anonymous memory file (`memfd_create`), or an unlinked temporary file where memfd is
/// unavailable. Owns the descriptor and closes it in `deinit`.
struct ScratchFile: ~Copyable {
    let descriptor: Int32

    init() throws(ELFWriteError) {
        let memfd = kiln_elf_memfd_create("kiln-elf")
        if memfd >= 0 {
            descriptor = memfd
            return
        }
        var template = Array("/tmp/kiln-elf-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .io("mkstemp", errno: errno) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Every byte of the file. The corresponding C functions are `fstat` and `pread`.
    func readAll() throws(ELFWriteError) -> [UInt8] {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io("fstat", errno: errno) }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let count = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, size - done, off_t(done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .io("pread", errno: count == 0 ? EIO : errno) }
            done += count
        }
        return bytes
    }
}

// Reads and checks a Kiln artifact (an ELF shared object) before anything is mapped.
// The loader distrusts the file (WAMR's aot_loader.c attitude): every read goes through
// one bounds-checked cursor, every count and offset is checked with overflow-safe
// arithmetic, and machine, class, ABI version and target are checked first.
import KilnABI

/// One section of an artifact as its ELF section header describes it, for `kiln inspect`.
package struct SectionInfo: Sendable, Equatable {
    package var name: String
    /// `sh_type` (1 = PROGBITS, 8 = NOBITS, ...).
    package var type: UInt32
    /// `sh_flags` (1 = write, 2 = alloc, 4 = exec).
    package var flags: UInt64
    package var address: UInt64
    package var offset: UInt64
    package var size: UInt64

    package var isExecutable: Bool { flags & 4 != 0 }
    package var isWritable: Bool { flags & 1 != 0 }
    /// `[offset, offset+size)` in the file, overflow-checked at parse time.
    var end: UInt64 { offset + size }
}

/// The bounds-checked cursor every read of artifact bytes goes through. `origin` is the
/// file offset of `bytes[0]`, so errors name file offsets.
struct Cursor {
    let bytes: [UInt8]
    let origin: UInt64
    let what: String
    private(set) var offset: Int = 0

    init(_ bytes: [UInt8], origin: UInt64, what: String) {
        self.bytes = bytes
        self.origin = origin
        self.what = what
    }

    mutating func seek(_ to: Int) { offset = to }

    private mutating func take(_ n: Int) throws(LoadError) -> Int {
        guard n <= bytes.count - offset else {
            throw LoadError.truncated(
                "\(what) ends at file offset \(origin + UInt64(bytes.count)) inside a \(n)-byte field")
        }
        defer { offset += n }
        return offset
    }
    mutating func u8() throws(LoadError) -> UInt8 { bytes[try take(1)] }
    mutating func u16() throws(LoadError) -> UInt16 {
        let o = try take(2)
        return UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8
    }
    mutating func u32() throws(LoadError) -> UInt32 {
        let o = try take(4)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[o + i]) << (8 * UInt32(i)) }
        return v
    }
    mutating func u64() throws(LoadError) -> UInt64 {
        let o = try take(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[o + i]) << (8 * UInt64(i)) }
        return v
    }
    /// A NUL-terminated string at `at` (string tables).
    func cString(at: UInt32) throws(LoadError) -> String {
        let start = Int(at)
        guard start < bytes.count else { throw LoadError.corrupt("section name offset \(at) is outside \(what)") }
        var end = start
        while end < bytes.count && bytes[end] != 0 { end += 1 }
        guard end < bytes.count else { throw LoadError.corrupt("section name at \(at) in \(what) is not terminated") }
        guard let s = String(validating: bytes[start..<end], as: UTF8.self) else {
            throw LoadError.corrupt("section name at \(at) in \(what) is not UTF-8")
        }
        return s
    }
}

extension LoadError {
    static func truncated(_ m: String) -> LoadError { LoadError(kind: .truncated, message: "truncated artifact: \(m)") }
    static func corrupt(_ m: String) -> LoadError { LoadError(kind: .corrupt, message: "corrupt artifact: \(m)") }
    /// The checksum finds damage (docs/artifact-format.md).
    static func damaged(_ m: String) -> LoadError {
        LoadError(
            kind: .checksumMismatch,
            message: "damaged artifact: \(m); the file changed after it was compiled, compile it again")
    }
    static func notELF(_ m: String) -> LoadError { LoadError(kind: .notELF, message: "not an ELF file: \(m)") }
    static func wrongISA(_ m: String) -> LoadError { LoadError(kind: .wrongISA, message: "wrong ISA: \(m)") }
    static func unsupportedCPU(_ m: String) -> LoadError {
        LoadError(kind: .unsupportedCPU, message: "unsupported CPU: \(m)")
    }
    static func io(_ e: SystemCallError, _ what: String) -> LoadError {
        LoadError(kind: .io, message: "cannot read \(what): \(e)")
    }
}

/// What the checks produce: the sections, the decoded metadata, and where the pieces are.
struct CheckedArtifact {
    var sections: [SectionInfo]
    var text: SectionInfo
    var memoryImage: SectionInfo?
    var metadata: ArtifactMetadata
}

enum ELF {
    static let magic: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
    static let headerSize = 64
    static let sectionHeaderSize = 64
    static let classELF64: UInt8 = 2
    static let dataLittleEndian: UInt8 = 1
    static let typeDyn: UInt16 = 3
    static let sectionNoBits: UInt32 = 8
    static let flagExec: UInt64 = 4
    static let alignment: UInt64 = 4096

    static func machineName(_ m: UInt16) -> String {
        if let isa = TargetISA(rawValue: UInt32(m)) { return isa.name }
        return "unknown machine"
    }
}

enum ArtifactReader {
    /// Reads `count` bytes at `offset` after checking the range lies in the file.
    static func read(
        _ fd: borrowing FileDescriptor, fileSize: UInt64, offset: UInt64, count: UInt64, what: String
    ) throws(LoadError) -> Cursor {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow else { throw LoadError.corrupt("\(what) at offset \(offset) size \(count) overflows") }
        guard end <= fileSize else {
            throw LoadError.truncated(
                "\(what) (file bytes \(offset)..<\(end)) extends past the end of the file (\(fileSize) bytes)")
        }
        guard count <= UInt64(Int.max) else { throw LoadError.corrupt("\(what) is too large") }
        do {
            return Cursor(try Posix.pread(fd, offset: offset, count: Int(count)), origin: offset, what: what)
        } catch {
            throw LoadError.io(error, what)
        }
    }

    /// Every check that does not need a mapping, in the order the distrustful reader needs
    /// them: identity (magic, class, byte order, type, machine), section headers, required
    /// sections, metadata (ABI version and target first), then every offset the metadata
    /// names.
    ///
    /// `isa` is the ISA the artifact must be for: the host's when it is loaded to run;
    /// nil to read an artifact of any ISA Kiln knows without running it (`kiln inspect`).
    static func check(_ fd: borrowing FileDescriptor, isa: TargetISA? = .host) throws(LoadError) -> CheckedArtifact {
        let fileSize: UInt64
        do { fileSize = try Posix.fileSize(fd) } catch { throw LoadError.io(error, "artifact") }

        // Identity.
        let identLength = min(fileSize, UInt64(ELF.headerSize))
        var h = try read(fd, fileSize: fileSize, offset: 0, count: identLength, what: "ELF header")
        let prefix = Array(h.bytes.prefix(4))
        guard prefix == Array(ELF.magic.prefix(prefix.count)) else {
            throw LoadError.notELF("magic header not detected (first bytes \(hex(prefix)))")
        }
        guard fileSize >= UInt64(ELF.headerSize) else {
            throw LoadError.truncated("the file is \(fileSize) bytes, shorter than a 64-byte ELF header")
        }
        h.seek(4)
        let elfClass = try h.u8()
        let data = try h.u8()
        guard elfClass == ELF.classELF64 else {
            throw LoadError.wrongISA(
                "ELF class \(elfClass) is not 64-bit; this host runs 64-bit \(TargetISA.host.name)")
        }
        guard data == ELF.dataLittleEndian else {
            throw LoadError.wrongISA(
                "ELF data encoding \(data) is not little-endian like this \(TargetISA.host.name) host")
        }
        h.seek(16)
        let type = try h.u16()
        let machine = try h.u16()
        guard let machineISA = TargetISA(rawValue: UInt32(machine)), machineISA == isa ?? machineISA else {
            throw LoadError.wrongISA(
                "the artifact is for \(ELF.machineName(machine)) (e_machine \(machine)), this host is \(TargetISA.host.name) (e_machine \(TargetISA.host.rawValue))"
            )
        }
        guard type == ELF.typeDyn else {
            throw LoadError.corrupt("ELF type \(type) is not ET_DYN (a shared object)")
        }
        // The CPU features matter only when the artifact is loaded to run (isa given),
        // not when it is inspected.
        if isa != nil {
            #if arch(x86_64)
            let missing = X64CPUFeatures.missingOnThisCPU()
            guard missing.isEmpty else { throw LoadError.unsupportedCPU(X64CPUFeatures.describe(missing: missing)) }
            #elseif arch(arm64)
            let missing = AArch64CPUFeatures.missingOnThisCPU()
            guard missing.isEmpty else { throw LoadError.unsupportedCPU(AArch64CPUFeatures.describe(missing: missing)) }
            #endif
        }
        h.seek(40)
        let shoff = try h.u64()
        h.seek(58)
        let shentsize = try h.u16()
        let shnum = try h.u16()
        let shstrndx = try h.u16()
        guard shentsize == UInt16(ELF.sectionHeaderSize) else {
            throw LoadError.corrupt("section header size \(shentsize), expected \(ELF.sectionHeaderSize)")
        }
        guard shnum > 0 else { throw LoadError.corrupt("no section headers") }
        guard shstrndx < shnum else { throw LoadError.corrupt("section name table index \(shstrndx) out of range") }

        // Section headers.
        var sh = try read(
            fd, fileSize: fileSize, offset: shoff, count: UInt64(shnum) * UInt64(ELF.sectionHeaderSize),
            what: "section header table")
        var raw: [(nameOffset: UInt32, info: SectionInfo)] = []
        for i in 0..<Int(shnum) {
            sh.seek(i * ELF.sectionHeaderSize)
            let nameOffset = try sh.u32()
            let type = try sh.u32()
            let flags = try sh.u64()
            let address = try sh.u64()
            let offset = try sh.u64()
            let size = try sh.u64()
            if type != ELF.sectionNoBits && i != 0 {
                let (end, overflow) = offset.addingReportingOverflow(size)
                guard !overflow else { throw LoadError.corrupt("section \(i) offset + size overflows") }
                guard end <= fileSize else {
                    throw LoadError.truncated(
                        "section \(i) (file bytes \(offset)..<\(end)) extends past the end of the file (\(fileSize) bytes)"
                    )
                }
            }
            raw.append(
                (
                    nameOffset,
                    SectionInfo(name: "", type: type, flags: flags, address: address, offset: offset, size: size)
                ))
        }
        let strtabInfo = raw[Int(shstrndx)].info
        guard strtabInfo.type != ELF.sectionNoBits else {
            throw LoadError.corrupt("section name table has no contents")
        }
        let names = try read(
            fd, fileSize: fileSize, offset: strtabInfo.offset, count: strtabInfo.size, what: "section name table")
        var sections: [SectionInfo] = []
        for (i, r) in raw.enumerated() {
            var info = r.info
            info.name = i == 0 ? "" : try names.cString(at: r.nameOffset)
            sections.append(info)
        }

        // Required sections.
        func unique(_ name: String) throws(LoadError) -> SectionInfo? {
            var found: SectionInfo? = nil
            for s in sections where s.name == name {
                guard found == nil else { throw LoadError.corrupt("two \(name) sections") }
                guard s.type != ELF.sectionNoBits else {
                    throw LoadError.corrupt("section \(name) has no contents in the file")
                }
                found = s
            }
            return found
        }
        guard let text = try unique(SectionName.text) else { throw LoadError.corrupt("no \(SectionName.text) section") }
        guard let meta = try unique(SectionName.metadata) else {
            throw LoadError.corrupt("no \(SectionName.metadata) section (not a Kiln artifact?)")
        }
        let memoryImage = try unique(SectionName.memoryImage)
        guard text.isExecutable else { throw LoadError.corrupt("\(SectionName.text) is not executable") }
        guard text.offset % ELF.alignment == 0, text.address == text.offset else {
            throw LoadError.corrupt(
                "\(SectionName.text) must start at a 4096-aligned file offset equal to its address (offset \(text.offset), address \(text.address))"
            )
        }

        // Damage to anything the host trusts is found before any of it is interpreted; an
        // artifact without a checksum is refused after the version check (older ABIs had
        // none). The metadata is read once, for the checksum and the decoder.
        let metaCursor = try read(
            fd, fileSize: fileSize, offset: meta.offset, count: meta.size, what: SectionName.metadata)
        let checksum = try unique(SectionName.checksum)
        if let checksum {
            try verifyChecksum(fd, fileSize: fileSize, sections: sections, stored: checksum, metadata: metaCursor.bytes)
        }

        // Metadata: ABI version and target before anything else.
        var m = metaCursor
        for b in ArtifactMetadata.magic {
            guard try m.u8() == b else {
                throw LoadError.corrupt("\(SectionName.metadata) does not start with the KILNMETA magic")
            }
        }
        let version = try m.u32()
        guard version == ABIVersion.current else {
            throw LoadError(
                kind: .abiVersion,
                message:
                    "ABI version mismatch: the artifact has ABI version \(version), this runtime reads version \(ABIVersion.current)"
            )
        }
        let target = try m.u32()
        guard target == (isa ?? machineISA).rawValue else {
            let name = TargetISA(rawValue: target)?.name ?? "unknown target \(target)"
            throw LoadError.wrongISA("the metadata targets \(name), this host is \(TargetISA.host.name)")
        }
        guard target == machineISA.rawValue else {
            throw LoadError.corrupt("the metadata targets another ISA than the ELF header (\(machineISA.name))")
        }
        guard checksum != nil else { throw LoadError.corrupt("no \(SectionName.checksum) section") }
        let metadata: ArtifactMetadata
        do {
            metadata = try ArtifactMetadata.decode(metaCursor.bytes)
        } catch {
            throw LoadError.corrupt(
                "metadata at byte \(error.offset) of \(SectionName.metadata) (file offset \(meta.offset + UInt64(error.offset))): \(error.message)"
            )
        }
        try checkReferences(metadata, text: text, memoryImage: memoryImage)
        return CheckedArtifact(sections: sections, text: text, memoryImage: memoryImage, metadata: metadata)
    }

    /// Recomputes the ``ArtifactChecksum`` of the covered sections (code, metadata, lazy
    /// funcrefs, table images) and refuses the artifact if it differs from the stored one.
    /// `metadata` is the `.kiln.meta` contents the caller has read already.
    static func verifyChecksum(
        _ fd: borrowing FileDescriptor, fileSize: UInt64, sections: [SectionInfo], stored: SectionInfo,
        metadata: [UInt8]
    ) throws(LoadError) {
        let storedBytes = try read(fd, fileSize: fileSize, offset: stored.offset, count: stored.size, what: SectionName.checksum)
        guard let expected = ArtifactChecksum.decode(storedBytes.bytes) else {
            throw LoadError.damaged(
                "\(SectionName.checksum) is \(stored.size) bytes, expected \(ArtifactChecksum.sectionSize)")
        }
        guard expected.algorithm == ArtifactChecksum.algorithm else {
            throw LoadError.damaged("\(SectionName.checksum) names an unknown algorithm (\(expected.algorithm))")
        }
        var covered: [(name: String, contentHash: UInt64)] = []
        for s in sections where ArtifactChecksum.covers(section: s.name) {
            guard s.type != ELF.sectionNoBits else { throw LoadError.corrupt("section \(s.name) has no contents in the file") }
            let contents =
                s.name == SectionName.metadata
                ? metadata : try read(fd, fileSize: fileSize, offset: s.offset, count: s.size, what: s.name).bytes
            covered.append((s.name, contents.withUnsafeBytes { ArtifactChecksum.hash($0) }))
        }
        let computed = ArtifactChecksum.combine(covered)
        guard computed == expected.hash, UInt32(covered.count) == expected.coveredSections else {
            var names = ""
            for (i, c) in covered.enumerated() { names += (i == 0 ? "" : ", ") + c.name }
            throw LoadError.damaged(
                "the checksum over \(names) does not match (stored \(hex64(expected.hash)) over \(expected.coveredSections) sections, computed \(hex64(computed)) over \(covered.count))"
            )
        }
    }

    static func hex64(_ v: UInt64) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = "0x"
        for i in (0..<16).reversed() { s.append(digits[Int((v >> (4 * UInt64(i))) & 15)]) }
        return s
    }

    /// Every code offset within `.text`, every index within its space, the memory image
    /// within its section.
    static func checkReferences(
        _ m: ArtifactMetadata, text: SectionInfo, memoryImage: SectionInfo?
    ) throws(LoadError) {
        let textSize = text.size
        for (i, f) in m.functions.enumerated() {
            guard UInt64(f.codeOffset) + UInt64(f.codeSize) <= textSize, f.codeSize > 0 else {
                throw LoadError.corrupt(
                    "function \(i) code \(f.codeOffset)+\(f.codeSize) is outside \(SectionName.text) (\(textSize) bytes)"
                )
            }
        }
        guard m.entryTrampolines.count == m.types.count, m.hostCallStubs.count == m.types.count else {
            throw LoadError.corrupt("trampoline tables do not have one entry per type (\(m.types.count) types)")
        }
        for (t, o) in m.entryTrampolines.enumerated() where o != ArtifactMetadata.noCode && UInt64(o) >= textSize {
            throw LoadError.corrupt("entry trampoline of type \(t) at \(o) is outside \(SectionName.text)")
        }
        for (t, o) in m.hostCallStubs.enumerated() where o != ArtifactMetadata.noCode && UInt64(o) >= textSize {
            throw LoadError.corrupt("host call stub of type \(t) at \(o) is outside \(SectionName.text)")
        }
        var previous: UInt32? = nil
        for site in m.trapSites {
            guard UInt64(site.codeOffset) < textSize else {
                throw LoadError.corrupt("trap site at \(site.codeOffset) is outside \(SectionName.text)")
            }
            if let p = previous, p >= site.codeOffset { throw LoadError.corrupt("trap sites are not sorted by offset") }
            previous = site.codeOffset
        }
        var importedMemories = 0
        for i in m.imports {
            switch i.kind {
            case .memory: importedMemories += 1
            case .function, .global, .table: break
            }
        }
        guard importedMemories + (m.memory == nil ? 0 : 1) <= 1 else {
            throw LoadError.corrupt("more than one memory")
        }
        let hasMemory = importedMemories + (m.memory == nil ? 0 : 1) == 1
        for limits in [m.memory].compactMap({ $0 }) {
            guard limits.minimum <= 65536, (limits.maximum ?? 65536) <= 65536,
                limits.minimum <= (limits.maximum ?? 65536)
            else { throw LoadError.corrupt("memory limits \(limits.minimum)..\(limits.maximum ?? 65536) are invalid") }
        }
        let functionCount = m.importedFunctionCount + m.functions.count
        let globalCount = m.importedGlobalCount + m.globals.count
        for e in m.exports {
            let ok: Bool
            switch e.kind {
            case .function: ok = Int(e.index) < functionCount
            case .memory: ok = e.index == 0 && hasMemory
            case .global: ok = Int(e.index) < globalCount
            case .table: ok = true  // tables come with the table work; not linked yet
            }
            guard ok else { throw LoadError.corrupt("export \"\(e.name)\" refers to a missing \(e.kind) \(e.index)") }
        }
        if let s = m.startFunction {
            guard Int(s) < functionCount else { throw LoadError.corrupt("start function \(s) out of range") }
        }
        if let image = m.memoryImage {
            guard let section = memoryImage else {
                throw LoadError.corrupt(
                    "metadata describes a memory image but there is no \(SectionName.memoryImage) section")
            }
            guard m.memory != nil else { throw LoadError.corrupt("a memory image without a defined memory") }
            guard section.offset % ELF.alignment == 0 else {
                throw LoadError.corrupt("\(SectionName.memoryImage) is not at a 4096-aligned file offset")
            }
            // The artifact's own unit (4 KiB), not the host's page: on a 16 or 64 KiB-page
            // kernel an image the host cannot map is copied (Instance.mapImage).
            let unit = ELF.alignment
            guard image.memoryOffset % unit == 0, image.length % unit == 0, image.length <= section.size,
                image.memoryOffset <= 1 << 32, image.length <= (1 << 32) - image.memoryOffset
            else {
                throw LoadError.corrupt(
                    "memory image \(image.memoryOffset)+\(image.length) does not fit its section (\(section.size) bytes) or linear memory"
                )
            }
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        for b in bytes {
            if !s.isEmpty { s += " " }
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 15)])
        }
        return s
    }
}

/// An artifact read and checked as the loader checks it, but not loaded: nothing is
/// mapped and no code can run, so an artifact of either ISA can be read on any host
/// (`kiln inspect`).
package struct ArtifactContents: Sendable {
    package var metadata: ArtifactMetadata
    /// The ELF sections, as their headers describe them.
    package var sections: [SectionInfo]

    /// Reads and checks the artifact at `path`, whatever ISA it is for.
    package init(contentsOf path: String) throws(LoadError) {
        let fd: FileDescriptor
        do { fd = try Posix.openReadOnly(path) } catch { throw LoadError.io(error, path) }
        let checked = try ArtifactReader.check(fd, isa: nil)
        try ModuleTables.checkMetadata(checked.metadata, checked: checked)
        metadata = checked.metadata
        sections = checked.sections
    }
}

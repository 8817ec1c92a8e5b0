// A loaded artifact: checked, its code mapped R+X, its trap table registered.
import CKilnRuntime
import KilnABI

#if canImport(Glibc)
    import Glibc
#endif

/// A compiled wasm module loaded from a Kiln artifact: immutable once loaded, shareable
/// across threads, and instantiated any number of times (each ``Instance`` maps the
/// memory image copy-on-write from the same file).
public final class Module: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init; the raw pointers name
    // read-only mappings and arrays only deinit touches.

    public let engine: Engine
    package let metadata: ArtifactMetadata
    /// The artifact's sections as its ELF section headers describe them (`kiln inspect`).
    package let sections: [SectionInfo]
    /// `.text`, mapped read+execute from the file; nil when `.text` is empty.
    private let code: MappedRegion?
    /// The artifact file, kept open to map the memory image into each instance.
    let file: FileDescriptor
    /// File offset and size of `.kiln.memimg`, when present.
    let memoryImageSection: SectionInfo?
    /// The trap table handed to the signal handler (freed after unregistering).
    private let trapOffsets: UnsafeMutableBufferPointer<UInt32>
    private let trapKinds: UnsafeMutableBufferPointer<UInt8>
    /// Display names of every function (imports first), for traps.
    let functionNames: [String]
    /// Type index of every function (imports first).
    let functionTypeIndices: [UInt32]
    /// How many functions are imported.
    let importedFunctionCount: Int
    /// The page size the loader placed sections by: the host's (`sysconf`), or a larger
    /// one a test simulates. A section whose file offset falls on such a page is mapped
    /// from the file; any other is copied (``ImagePlacement``).
    let hostPageSize: Int
    /// How `.text` was placed: mapped from the file, or copied because the artifact's
    /// alignment is smaller than the host page (nil when `.text` is empty).
    package let textPlacement: ImagePlacement?
    /// Export name -> index in `metadata.exports` (the first, if a name repeats).
    let exportIndex: [WasmName: Int]

    /// The module's imports, in order.
    public var imports: [ImportDescription] {
        metadata.imports.map { ImportDescription(module: $0.module, name: $0.name, type: externType(of: $0.kind)) }
    }
    /// The module's exports, in order.
    public var exports: [ExportDescription] {
        metadata.exports.map { ExportDescription(name: $0.name, type: exportType($0)) }
    }

    /// Loads the artifact at `path`.
    public convenience init(contentsOf path: String, engine: Engine) throws(LoadError) {
        let fd: FileDescriptor
        do { fd = try Posix.openReadOnly(path) } catch { throw LoadError.io(error, path) }
        try self.init(file: fd, engine: engine)
    }

    /// Loads an artifact from memory; the bytes go into a memfd so loading takes the same
    /// mapping path as a file.
    public convenience init(bytes: [UInt8], engine: Engine) throws(LoadError) {
        try self.init(bytes: bytes, engine: engine, hostPageSize: Posix.pageSize)
    }

    /// Loads an artifact from memory as a host with `hostPageSize`-byte pages would (a
    /// power of two, at least the real page size): tests simulate 16 and 64 KiB-page
    /// kernels with it.
    package convenience init(bytes: [UInt8], engine: Engine, hostPageSize: Int) throws(LoadError) {
        precondition(
            hostPageSize >= Posix.pageSize && hostPageSize & (hostPageSize - 1) == 0,
            "a simulated page size must be a power of two no smaller than the real one")
        let fd: FileDescriptor
        do { fd = try Posix.memfdCreate("kiln-artifact") } catch { throw LoadError.io(error, "in-memory artifact") }
        do { try Posix.writeAll(fd, bytes) } catch { throw LoadError.io(error, "in-memory artifact") }
        try self.init(file: fd, engine: engine, hostPageSize: hostPageSize)
    }

    private init(file fd: consuming FileDescriptor, engine: Engine, hostPageSize: Int = Posix.pageSize) throws(LoadError) {
        let checked = try ArtifactReader.check(fd)
        let m = checked.metadata
        let textLength = Int(checked.text.size)
        var code: MappedRegion? = nil
        var base: UnsafeRawPointer? = nil
        var textPlacement: ImagePlacement? = nil
        if textLength > 0 {
            // The artifact aligns .text to its target's page (4 KiB at least, checked);
            // a host with larger pages cannot map it from the file, so it gets a copy.
            let placement = ImagePlacement.choose(fileOffset: checked.text.offset, pageSize: UInt64(hostPageSize))
            do {
                let region =
                    placement == .mapped
                    ? try MappedRegion.mapFile(
                        fd, offset: checked.text.offset, length: textLength, protection: PROT_READ | PROT_EXEC)
                    : try MappedRegion.copyFile(
                        fd, offset: checked.text.offset, length: textLength, protection: PROT_READ | PROT_EXEC)
                base = UnsafeRawPointer(region.base)
                // The code came through a file the kernel wrote; Linux keeps executable
                // file mappings coherent, but an explicit flush costs one pass and holds
                // wherever the bytes came from (docs/runtime.md, "AArch64").
                kiln_flush_icache(region.base, textLength)
                code = consume region
                textPlacement = placement
            } catch {
                throw LoadError.io(error, "\(SectionName.text)")
            }
        }
        // Tables, once per module: type ids, lazy funcrefs, relocated images (memfds).
        let tableSupport = try ModuleTables.load(fd, checked: checked, codeBase: base)
        let offsets = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(m.trapSites.count, 1))
        let kinds = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(m.trapSites.count, 1))
        for (i, s) in m.trapSites.enumerated() {
            offsets[i] = s.codeOffset
            kinds[i] = s.kind.rawValue
        }
        self.engine = engine
        self.metadata = m
        self.sections = checked.sections
        self.memoryImageSection = checked.memoryImage
        self.trapOffsets = offsets
        self.trapKinds = kinds
        self.functionNames = Self.displayNames(m)
        self.functionTypeIndices = Self.typeIndices(m)
        self.importedFunctionCount = m.importedFunctionCount
        var exportIndex: [WasmName: Int] = [:]
        for (i, e) in m.exports.enumerated() where exportIndex[WasmName(e.name)] == nil {
            exportIndex[WasmName(e.name)] = i
        }
        self.exportIndex = exportIndex
        self.code = code
        self.codeBase = base
        self.hostPageSize = hostPageSize
        self.textPlacement = textPlacement
        self.tableSupport = tableSupport
        self.file = fd
        // Registered last: the cookie is this object, which the registry never retains;
        // deinit unregisters before anything is freed.
        if let base = self.codeBase {
            let handle = kiln_register_code(
                UInt(bitPattern: base), textLength, offsets.baseAddress, kinds.baseAddress, m.trapSites.count,
                Unmanaged.passUnretained(self).toOpaque())
            guard handle >= 0 else {
                throw LoadError(kind: .io, message: "cannot register code: too many modules loaded at once")
            }
            self.registrationStorage = handle
        }
    }

    private var registrationStorage: Int32 = -1

    deinit {
        kiln_unregister_code(registrationStorage)
        trapOffsets.deallocate()
        trapKinds.deallocate()
    }

    /// Type ids, the lazy context, lazy funcrefs and table images (Tables/ModuleTables.swift).
    let tableSupport: ModuleTables

    /// Start of the mapped `.text` (nil when `.text` is empty).
    let codeBase: UnsafeRawPointer?

    /// Address of `offset` in `.text` (checked against `.text` at load time).
    func codeAddress(_ offset: UInt32) -> UnsafeRawPointer {
        codeBase! + Int(offset)
    }

    /// The wasm function containing `pc`, as a display name (for traps).
    func functionName(containing pc: UInt) -> String? {
        guard let base = codeBase else { return nil }
        let offset = pc &- UInt(bitPattern: base)
        for (i, f) in metadata.functions.enumerated()
        where UInt(f.codeOffset) <= offset && offset < UInt(f.codeOffset) + UInt(f.codeSize) {
            return functionNames[importedFunctionCount + i]
        }
        return nil
    }

    /// Name section name, else first export name, else `function[N]`.
    static func displayNames(_ m: ArtifactMetadata) -> [String] {
        var names: [String] = []
        for i in m.imports {
            if case .function = i.kind { names.append("\(i.module).\(i.name)") }
        }
        for f in m.functions { names.append(f.name) }
        for e in m.exports.reversed() where e.kind == .function && names[Int(e.index)].isEmpty {
            names[Int(e.index)] = e.name
        }
        for i in names.indices where names[i].isEmpty { names[i] = "function[\(i)]" }
        return names
    }

    func externType(of kind: ImportEntry.Kind) -> ExternType {
        switch kind {
        case .function(let t): return .function(metadata.types[Int(t)])
        case .memory(let l): return .memory(l)
        case .global(let g): return .global(g)
        case .table(let t): return .table(t)
        }
    }

    /// Signature of function `index` (imports first).
    func functionType(_ index: Int) -> Signature {
        metadata.types[Int(functionTypeIndex(index))]
    }
    func functionTypeIndex(_ index: Int) -> UInt32 { functionTypeIndices[index] }

    /// Type index of every function, imports first (computed once at load).
    static func typeIndices(_ m: ArtifactMetadata) -> [UInt32] {
        var result: [UInt32] = []
        for i in m.imports {
            if case .function(let t) = i.kind { result.append(t) }
        }
        for f in m.functions { result.append(f.typeIndex) }
        return result
    }
    /// Type of global `index` (imports first).
    func globalType(_ index: Int) -> GlobalTypeEntry {
        var n = 0
        for i in metadata.imports {
            if case .global(let g) = i.kind {
                if n == index { return g }
                n += 1
            }
        }
        return metadata.globals[index - n].type
    }
    /// Type of table `index` (imports first).
    func tableType(_ index: Int) -> TableTypeEntry {
        var n = 0
        for i in metadata.imports {
            if case .table(let t) = i.kind {
                if n == index { return t }
                n += 1
            }
        }
        return metadata.tables[index - n].type
    }
    var memoryLimits: MemoryLimits? {
        if let m = metadata.memory { return m }
        for i in metadata.imports { if case .memory(let l) = i.kind { return l } }
        return nil
    }

    private func exportType(_ e: ExportEntry) -> ExternType {
        switch e.kind {
        case .function: return .function(functionType(Int(e.index)))
        case .memory: return .memory(memoryLimits!)
        case .global: return .global(globalType(Int(e.index)))
        case .table: return .table(tableType(Int(e.index)))
        }
    }
}

/// The type of an import or export.
public enum ExternType: Sendable, Equatable {
    case function(Signature)
    case memory(MemoryLimits)
    case global(GlobalTypeEntry)
    case table(TableTypeEntry)
}

/// An import a module declares: who must provide it and its type.
public struct ImportDescription: Sendable, Equatable {
    public var module: String
    public var name: String
    public var type: ExternType
}

/// An export a module declares.
public struct ExportDescription: Sendable, Equatable {
    public var name: String
    public var type: ExternType
}

/// How many modules' code ranges are registered with the signal handler (tests).
package func kilnRegisteredCodeCount() -> Int { Int(kiln_registered_code_count()) }

/// Test hook: whether `module`'s code is registered with the trap handler.
package func kilnIsCodeRegistered(_ module: Module) -> Bool {
    guard let base = module.codeBase else { return false }
    return kiln_code_is_registered(UInt(bitPattern: base)) != 0
}

/// How many wasm calls are active on this thread (tests).
package func kilnInvokeDepth() -> Int { Int(kiln_invoke_depth()) }

/// How the loader placed a section of an artifact: mapped copy-on-write from the file
/// (its file offset, and for the memory image its place in linear memory and its length,
/// fall on host pages), or copied, because the artifact is aligned to a smaller page than
/// the host's. Never a reason to refuse an artifact (docs/artifact-format.md, "Page size").
package enum ImagePlacement: Sendable, Equatable {
    case mapped
    case copied

    /// `.mapped` when `fileOffset` is a multiple of `pageSize`.
    static func choose(fileOffset: UInt64, pageSize: UInt64) -> ImagePlacement {
        fileOffset % pageSize == 0 ? .mapped : .copied
    }
}

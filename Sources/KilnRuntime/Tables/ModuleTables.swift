// Load-time table support, once per module (docs/tables.md, "The artifact"): canonical
// type ids, the lazy context, the lazy funcrefs relocated into memory, and each table
// image relocated into a memfd that instances map copy-on-write. Everything the artifact
// says is checked first: sizes, offsets, function indices.
import CKilnRuntime
import KilnABI

#if canImport(Glibc)
    import Glibc
#endif

/// A defined table's image after relocation: a memfd of `slotCount` slots (0 = null,
/// otherwise the address of a lazy funcref of this module), `byteLength` bytes (a
/// multiple of the page size). `image` instances map it `MAP_PRIVATE`; `checked`
/// instances read `view` to initialize a slot on first use.
final class TableImage {
    let file: FileDescriptor
    let byteLength: Int
    let slotCount: UInt64
    /// The whole memfd, mapped read-only and shared.
    let view: MappedRegion

    init(file: consuming FileDescriptor, byteLength: Int, slotCount: UInt64, view: consuming MappedRegion) {
        self.file = file
        self.byteLength = byteLength
        self.slotCount = slotCount
        self.view = view
    }

    /// Slot `index` of the image (0 or a lazy funcref address); `index < slotCount`.
    func slot(_ index: UInt64) -> UInt64 {
        precondition(index < slotCount, "Kiln bug: image slot \(index) of \(slotCount)")
        // SAFETY: `view` maps `byteLength >= slotCount * 8` bytes of the memfd.
        return view.base.load(fromByteOffset: Int(index) * 8, as: UInt64.self)
    }
}

/// What a loaded module keeps for tables and funcrefs; shared (read-only after load) by
/// all its instances.
final class ModuleTables {
    /// Canonical type id per type index (the array every vmctx's `typeIds` points to).
    let typeIds: UnsafeMutablePointer<UInt64>
    let typeCount: Int
    /// One `VMFuncRef` per defined function (ABI 5): `{lazy trampoline, type id, its own
    /// address, u32 function index, u32 distance back to the module's VMLazyContext}`;
    /// nil when no table has an image. The `VMLazyContext` `{resolver, 0}` sits
    /// ``lazyHeaderBytes`` before the first one, in the same allocation (the resolver
    /// finds the table from the slot address, so it needs no module pointer).
    let lazyFuncRefs: UnsafeMutableRawPointer?
    let definedFunctionCount: Int
    /// Code address of each defined function (what a real funcref's `code` is).
    let functionCode: UnsafeMutablePointer<UInt>
    /// Per defined table: its relocated image, or nil.
    let images: [TableImage?]

    /// `[start, end)` of `lazyFuncRefs`: a slot value in it is a lazy funcref.
    var lazyRange: (start: UInt, end: UInt) {
        guard let lazyFuncRefs else { return (0, 0) }
        let start = UInt(bitPattern: lazyFuncRefs)
        return (start, start + UInt(definedFunctionCount * VMFuncRef.size))
    }

    private init(
        typeIds: UnsafeMutablePointer<UInt64>, typeCount: Int,
        lazyFuncRefs: UnsafeMutableRawPointer?, definedFunctionCount: Int, functionCode: UnsafeMutablePointer<UInt>,
        images: [TableImage?]
    ) {
        self.typeIds = typeIds
        self.typeCount = typeCount
        self.lazyFuncRefs = lazyFuncRefs
        self.definedFunctionCount = definedFunctionCount
        self.functionCode = functionCode
        self.images = images
    }

    deinit {
        typeIds.deallocate()
        (lazyFuncRefs.map { $0 - Self.lazyHeaderBytes })?.deallocate()
        functionCode.deallocate()
    }

    /// Checks the table parts of `checked` (metadata and sections) and relocates them.
    /// `codeBase` is the mapped `.text`.
    static func load(
        _ fd: borrowing FileDescriptor, checked: CheckedArtifact, codeBase: UnsafeRawPointer?
    ) throws(LoadError) -> ModuleTables {
        let m = checked.metadata
        try checkMetadata(m, checked: checked)
        let imported = m.importedFunctionCount
        let defined = m.functions.count

        // Type ids: interned once per module.
        let typeIds = UnsafeMutablePointer<UInt64>.allocate(capacity: max(m.types.count, 1))
        for (i, t) in m.types.enumerated() { typeIds[i] = SignatureInterner.id(of: t) }
        let functionCode = UnsafeMutablePointer<UInt>.allocate(capacity: max(defined, 1))
        for (i, f) in m.functions.enumerated() {
            functionCode[i] = codeBase.map { UInt(bitPattern: $0) + UInt(f.codeOffset) } ?? 0
        }

        // Lazy funcrefs: relocated from `.kiln.lazyfuncs` (checked entry by entry), or made
        // from the metadata when a `checked` artifact has images but no trampoline.
        let needLazy = m.tables.contains { $0.hasImage }
        var lazy: UnsafeMutableRawPointer? = nil
        if needLazy && defined > 0 {
            let trampoline: UInt =
                m.lazyTrampoline == ArtifactMetadata.noCode
                ? 0 : UInt(bitPattern: codeBase!) + UInt(m.lazyTrampoline)
            // SAFETY: the lazy context (16 bytes, padded to `lazyHeaderBytes`) then `defined`
            // 32-byte funcrefs, 64-aligned, read-only after this loop, freed in deinit (from
            // `lazyFuncRefs - lazyHeaderBytes`).
            let allocation = UnsafeMutableRawPointer.allocate(
                byteCount: Self.lazyHeaderBytes + defined * VMFuncRef.size, alignment: 64)
            allocation.storeBytes(
                of: unsafeBitCast(lazyResolver, to: UnsafeRawPointer.self), toByteOffset: VMLazyContext.resolver,
                as: UnsafeRawPointer.self)
            allocation.storeBytes(of: 0, toByteOffset: 8, as: UInt.self)
            let block = allocation + Self.lazyHeaderBytes
            var disk: Cursor? = nil
            if let section = unique(SectionName.lazyFuncRefs, in: checked.sections) {
                guard section.size == UInt64(defined) * UInt64(VMFuncRef.size) else {
                    allocation.deallocate()
                    throw LoadError.corrupt(
                        "\(SectionName.lazyFuncRefs) has \(section.size) bytes, expected \(defined) funcrefs of \(VMFuncRef.size) bytes"
                    )
                }
                do {
                    disk = try readSection(fd, section)
                } catch {
                    allocation.deallocate()
                    throw error
                }
            } else if m.lazyTrampoline != ArtifactMetadata.noCode {
                allocation.deallocate()
                throw LoadError.corrupt("tables have images but there is no \(SectionName.lazyFuncRefs) section")
            }
            for (i, f) in m.functions.enumerated() {
                if var c = disk {
                    c.seek(i * VMFuncRef.size)
                    let code = (try? c.u64()) ?? .max
                    let type = (try? c.u64()) ?? .max
                    let vmctx = (try? c.u64()) ?? .max
                    let index = (try? c.u32()) ?? .max
                    let contextOffset = (try? c.u32()) ?? .max
                    guard code == UInt64(m.lazyTrampoline), type == UInt64(f.typeIndex), vmctx == 0,
                        index == UInt32(imported + i), contextOffset == 0
                    else {
                        allocation.deallocate()
                        throw LoadError.corrupt(
                            "lazy funcref \(i) in \(SectionName.lazyFuncRefs) is {code \(code), type \(type), vmctx \(vmctx), function \(index), context offset \(contextOffset)}, expected {\(m.lazyTrampoline), \(f.typeIndex), 0, \(imported + i), 0}"
                        )
                    }
                }
                let p = block + i * VMFuncRef.size
                p.storeBytes(of: trampoline, toByteOffset: VMFuncRef.code, as: UInt.self)
                p.storeBytes(of: typeIds[Int(f.typeIndex)], toByteOffset: VMFuncRef.typeId, as: UInt64.self)
                // ABI 5: the lazy funcref is its own vmctx (docs/tables.md).
                p.storeBytes(of: p, toByteOffset: VMFuncRef.vmctx, as: UnsafeMutableRawPointer.self)
                p.storeBytes(of: UInt32(imported + i), toByteOffset: VMFuncRef.functionIndex, as: UInt32.self)
                p.storeBytes(
                    of: UInt32(p - allocation), toByteOffset: VMFuncRef.lazyContextOffset, as: UInt32.self)
            }
            lazy = block
        }

        // Table images: each relocated into a memfd.
        var images: [TableImage?] = []
        for (d, table) in m.tables.enumerated() {
            guard table.hasImage else {
                images.append(nil)
                continue
            }
            let section = unique(SectionName.tableImage(d), in: checked.sections)!  // checked above
            do {
                images.append(
                    try relocateImage(
                        fd, section: section, table: d, slots: table.type.limits.minimum, lazy: lazy, functions: defined
                    ))
            } catch {
                typeIds.deallocate()
                (lazy.map { $0 - Self.lazyHeaderBytes })?.deallocate()
                functionCode.deallocate()
                throw error
            }
        }
        return ModuleTables(
            typeIds: typeIds, typeCount: m.types.count, lazyFuncRefs: lazy,
            definedFunctionCount: defined, functionCode: functionCode, images: images)
    }

    /// Bytes before the first lazy funcref: the module's `VMLazyContext`, padded to keep
    /// the funcrefs 64-aligned.
    static let lazyHeaderBytes = 64

    private static func unique(_ name: String, in sections: [SectionInfo]) -> SectionInfo? {
        sections.first { $0.name == name }
    }

    private static func readSection(_ fd: borrowing FileDescriptor, _ s: SectionInfo) throws(LoadError) -> Cursor {
        let size: UInt64
        do { size = try Posix.fileSize(fd) } catch { throw LoadError.io(error, s.name) }
        return try ArtifactReader.read(fd, fileSize: size, offset: s.offset, count: s.size, what: s.name)
    }

    /// Reads `.kiln.table.N` (`u64` slots: 0 null, k+1 lazy funcref of defined function k)
    /// and writes the relocated slots into a new memfd.
    private static func relocateImage(
        _ fd: borrowing FileDescriptor, section: SectionInfo, table: Int, slots: UInt64,
        lazy: UnsafeMutableRawPointer?, functions: Int
    ) throws(LoadError) -> TableImage {
        var c = try readSection(fd, section)
        guard let byteLength = roundUpToPage(max(slots * 8, 1)) else {
            throw LoadError.corrupt("table \(table) is too large")
        }
        let lazyBase = lazy.map { UInt(bitPattern: $0) } ?? 0
        var relocated = [UInt](repeating: 0, count: Int(slots))
        for i in 0..<Int(slots) {
            let v = try c.u64()
            guard v != 0 else { continue }
            guard v <= UInt64(functions), lazyBase != 0 else {
                throw LoadError.corrupt(
                    "slot \(i) of \(section.name) names defined function \(v &- 1), the module defines \(functions)")
            }
            relocated[i] = lazyBase + UInt(v - 1) * UInt(VMFuncRef.size)
        }
        do throws(SystemCallError) {
            let memfd = try Posix.memfdCreate("kiln-table-image")
            try Posix.ftruncate(memfd, length: byteLength)
            let view = try MappedRegion.mapShared(memfd, length: Int(byteLength), protection: PROT_READ | PROT_WRITE)
            relocated.withUnsafeBytes { bytes in
                // SAFETY: `view` maps `byteLength >= slots * 8` bytes.
                view.base.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            }
            try Posix.mprotect(view.base, length: view.length, protection: PROT_READ)
            return TableImage(file: memfd, byteLength: Int(byteLength), slotCount: slots, view: view)
        } catch {
            throw LoadError.io(error, "a memfd for \(section.name)")
        }
    }

    /// The table parts of the metadata, checked against each other and the sections.
    static func checkMetadata(_ m: ArtifactMetadata, checked: CheckedArtifact) throws(LoadError) {
        let textSize = checked.text.size
        let functionCount = m.importedFunctionCount + m.functions.count
        let globalCount = m.importedGlobalCount + m.globals.count
        let tableCount = m.importedTableCount + m.tables.count
        func refKind(_ k: ValueKind) -> Bool { k == .funcref || k == .externref }
        if m.lazyTrampoline != ArtifactMetadata.noCode && UInt64(m.lazyTrampoline) >= textSize {
            throw LoadError.corrupt("lazy trampoline at \(m.lazyTrampoline) is outside \(SectionName.text)")
        }
        for i in m.imports {
            if case .table(let t) = i.kind {
                guard refKind(t.element), t.limits.minimum <= (t.limits.maximum ?? .max) else {
                    throw LoadError.corrupt("table import \(i.module).\(i.name) has an invalid type")
                }
            }
        }
        for (d, t) in m.tables.enumerated() {
            guard refKind(t.type.element), t.type.limits.minimum <= (t.type.limits.maximum ?? .max),
                t.type.limits.minimum <= UInt64(UInt32.max)
            else { throw LoadError.corrupt("defined table \(d) has an invalid type") }
            if let e = t.initializer { try checkConstExpr(e, functions: functionCount, globals: globalCount) }
            let section = checked.sections.filter { $0.name == SectionName.tableImage(d) }
            guard t.hasImage else {
                guard section.isEmpty else {
                    throw LoadError.corrupt("\(SectionName.tableImage(d)) without an image in the metadata")
                }
                continue
            }
            guard section.count == 1, let s = section.first else {
                throw LoadError.corrupt(
                    "defined table \(d) has an image but no single \(SectionName.tableImage(d)) section")
            }
            guard t.type.element == .funcref, t.initializer == nil, m.tableInit != .eager,
                t.type.limits.minimum <= TableStorage.maximumCapacity
            else { throw LoadError.corrupt("defined table \(d) cannot have an image") }
            guard s.offset % ELF.alignment == 0, s.size == t.type.limits.minimum * 8 else {
                throw LoadError.corrupt(
                    "\(SectionName.tableImage(d)) (\(s.size) bytes at offset \(s.offset)) is not a 4096-aligned image of \(t.type.limits.minimum) slots"
                )
            }
            if m.tableInit == .image && m.lazyTrampoline == ArtifactMetadata.noCode && !m.functions.isEmpty {
                throw LoadError.corrupt("table images need a lazy trampoline")
            }
        }
        if checked.sections.filter({ $0.name == SectionName.lazyFuncRefs }).count > 1 {
            throw LoadError.corrupt("two \(SectionName.lazyFuncRefs) sections")
        }
        for (i, e) in m.elementSegments.enumerated() {
            guard refKind(e.kind) else { throw LoadError.corrupt("element segment \(i) has kind \(e.kind.name)") }
            switch e.mode {
            case .active(let table, let offset):
                guard Int(table) < tableCount else {
                    throw LoadError.corrupt("element segment \(i) targets missing table \(table)")
                }
                try checkConstExpr(offset, functions: functionCount, globals: globalCount)
                if e.isInImage {
                    let d = Int(table) - m.importedTableCount
                    guard d >= 0, m.tables[d].hasImage else {
                        throw LoadError.corrupt("element segment \(i) is marked as in an image its table does not have")
                    }
                }
            case .passive, .declarative:
                guard !e.isInImage else {
                    throw LoadError.corrupt("element segment \(i) is not active but in an image")
                }
            }
            for item in e.items { try checkConstExpr(item, functions: functionCount, globals: globalCount) }
        }
        for e in m.exports where e.kind == .table {
            guard Int(e.index) < tableCount else {
                throw LoadError.corrupt("export \"\(e.name)\" refers to a missing table \(e.index)")
            }
        }
    }

    private static func checkConstExpr(_ e: ConstExpr, functions: Int, globals: Int) throws(LoadError) {
        for op in e.ops {
            switch op {
            case .refFunc(let f) where Int(f) >= functions:
                throw LoadError.corrupt("ref.func \(f) in a constant expression is out of range")
            case .globalGet(let g) where Int(g) >= globals:
                throw LoadError.corrupt("global.get \(g) in a constant expression is out of range")
            default: break
            }
        }
    }
}

/// Why metadata could not be decoded. The loader wraps it into its own error.
public struct MetadataError: Error, Sendable, Equatable {
    public var offset: Int
    public var message: String
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}

/// Appends little-endian integers, LEB-free, to a byte array.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u32(_ v: UInt32) {
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }
    public mutating func u64(_ v: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
    public mutating func bytes(_ b: [UInt8]) {
        u32(UInt32(b.count))
        bytes.append(contentsOf: b)
    }
    public mutating func string(_ s: String) { bytes(Array(s.utf8)) }
}

/// The one bounds-checked cursor every artifact read goes through: each read checks the
/// remaining length first and reports the offset of the failure.
public struct ByteReader {
    public let bytes: [UInt8]
    public private(set) var offset: Int = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var isAtEnd: Bool { offset == bytes.count }

    func fail(_ message: String) -> MetadataError { MetadataError(offset: offset, message: message) }

    public mutating func u8() throws(MetadataError) -> UInt8 {
        guard offset < bytes.count else { throw fail("unexpected end of metadata") }
        defer { offset += 1 }
        return bytes[offset]
    }
    public mutating func u32() throws(MetadataError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw fail("unexpected end of metadata") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }
    public mutating func u64() throws(MetadataError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw fail("unexpected end of metadata") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }
    /// A count of items each at least `minimumItemSize` bytes: rejected when the rest of
    /// the input could not hold that many, so a corrupt count cannot cause a huge
    /// allocation.
    public mutating func count(minimumItemSize: Int = 1) throws(MetadataError) -> Int {
        let n = Int(try u32())
        let (need, overflow) = n.multipliedReportingOverflow(by: max(minimumItemSize, 1))
        guard !overflow, need <= bytes.count - offset else { throw fail("count \(n) exceeds the metadata size") }
        return n
    }
    public mutating func byteArray() throws(MetadataError) -> [UInt8] {
        let n = try count()
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
    public mutating func string() throws(MetadataError) -> String {
        let raw = try byteArray()
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("malformed UTF-8 in metadata string") }
        return s
    }
}

extension ArtifactMetadata {
    /// Serialises the metadata (see docs/artifact-format.md for the layout).
    public func encode() -> [UInt8] {
        var w = ByteWriter()
        for b in Self.magic { w.u8(b) }
        w.u32(abiVersion)
        w.u32(target.rawValue)
        w.u32(UInt32(types.count))
        for t in types {
            w.u32(UInt32(t.parameters.count))
            for p in t.parameters { w.u8(p.rawValue) }
            w.u32(UInt32(t.results.count))
            for r in t.results { w.u8(r.rawValue) }
        }
        w.u32(UInt32(imports.count))
        for i in imports {
            w.string(i.module)
            w.string(i.name)
            switch i.kind {
            case .function(let t):
                w.u8(0)
                w.u32(t)
            case .table(let t):
                w.u8(1)
                w.u8(t.element.rawValue)
                w.limits(t.limits)
            case .memory(let m):
                w.u8(2)
                w.limits(m)
            case .global(let g):
                w.u8(3)
                w.globalType(g)
            }
        }
        w.u32(UInt32(functions.count))
        for f in functions {
            w.u32(f.typeIndex)
            w.u32(f.codeOffset)
            w.u32(f.codeSize)
            w.string(f.name)
        }
        if let memory {
            w.u8(1)
            w.limits(memory)
        } else {
            w.u8(0)
        }
        w.u32(UInt32(globals.count))
        for g in globals {
            w.globalType(g.type)
            w.constExpr(g.initializer)
        }
        w.u32(UInt32(exports.count))
        for e in exports {
            w.string(e.name)
            w.u8(e.kind.rawValue)
            w.u32(e.index)
        }
        w.u32(startFunction ?? Self.noCode)
        w.u32(UInt32(dataSegments.count))
        for d in dataSegments {
            if let o = d.offset {
                w.u8(d.isInImage ? 2 : 1)
                w.constExpr(o)
            } else {
                w.u8(0)
            }
            w.bytes(d.bytes)
        }
        if let memoryImage {
            w.u8(1)
            w.u64(memoryImage.memoryOffset)
            w.u64(memoryImage.length)
        } else {
            w.u8(0)
        }
        w.u32(UInt32(trapSites.count))
        for t in trapSites {
            w.u32(t.codeOffset)
            w.u8(t.kind.rawValue)
        }
        w.u32(UInt32(entryTrampolines.count))
        for o in entryTrampolines { w.u32(o) }
        w.u32(UInt32(hostCallStubs.count))
        for o in hostCallStubs { w.u32(o) }
        w.u8(tableInit.rawValue)
        w.u8(codeTier.rawValue)
        w.u32(UInt32(tables.count))
        for t in tables {
            w.u8(t.type.element.rawValue)
            w.limits(t.type.limits)
            if let i = t.initializer {
                w.u8(1)
                w.constExpr(i)
            } else {
                w.u8(0)
            }
            w.u8(t.hasImage ? 1 : 0)
        }
        w.u32(UInt32(elementSegments.count))
        for e in elementSegments {
            switch e.mode {
            case .passive: w.u8(0)
            case .active(let table, let offset):
                w.u8(1)
                w.u32(table)
                w.constExpr(offset)
            case .declarative: w.u8(2)
            }
            w.u8(e.kind.rawValue)
            w.u32(UInt32(e.items.count))
            for item in e.items { w.constExpr(item) }
            w.u8(e.isInImage ? 1 : 0)
        }
        w.u32(lazyTrampoline)
        return w.bytes
    }

    /// Parses and checks metadata written by ``encode()``. Every read is bounds-checked;
    /// the input must be consumed exactly.
    public static func decode(_ bytes: [UInt8]) throws(MetadataError) -> ArtifactMetadata {
        var r = ByteReader(bytes)
        for b in magic {
            guard try r.u8() == b else { throw r.fail("bad metadata magic") }
        }
        let version = try r.u32()
        guard version == ABIVersion.current else {
            throw r.fail("ABI version \(version) is not supported (this runtime reads version \(ABIVersion.current))")
        }
        guard let target = TargetISA(rawValue: try r.u32()) else { throw r.fail("unknown target ISA") }
        var m = ArtifactMetadata(target: target)
        m.abiVersion = version
        for _ in 0..<(try r.count(minimumItemSize: 8)) {
            var params: [ValueKind] = []
            for _ in 0..<(try r.count()) { params.append(try r.valueKind()) }
            var results: [ValueKind] = []
            for _ in 0..<(try r.count()) { results.append(try r.valueKind()) }
            m.types.append(Signature(parameters: params, results: results))
        }
        for _ in 0..<(try r.count(minimumItemSize: 9)) {
            let module = try r.string()
            let name = try r.string()
            let kind: ImportEntry.Kind
            switch try r.u8() {
            case 0:
                let t = try r.u32()
                guard t < m.types.count else { throw r.fail("import type index \(t) out of range") }
                kind = .function(typeIndex: t)
            case 1: kind = .table(TableTypeEntry(element: try r.valueKind(), limits: try r.limits()))
            case 2: kind = .memory(try r.limits())
            case 3: kind = .global(try r.globalType())
            default: throw r.fail("unknown import kind")
            }
            m.imports.append(ImportEntry(module: module, name: name, kind: kind))
        }
        for _ in 0..<(try r.count(minimumItemSize: 16)) {
            let t = try r.u32()
            guard t < m.types.count else { throw r.fail("function type index \(t) out of range") }
            m.functions.append(
                FunctionEntry(typeIndex: t, codeOffset: try r.u32(), codeSize: try r.u32(), name: try r.string()))
        }
        if try r.u8() != 0 { m.memory = try r.limits() }
        for _ in 0..<(try r.count(minimumItemSize: 3)) {
            m.globals.append(GlobalEntry(type: try r.globalType(), initializer: try r.constExpr()))
        }
        for _ in 0..<(try r.count(minimumItemSize: 9)) {
            let name = try r.string()
            guard let kind = ExportEntry.Kind(rawValue: try r.u8()) else { throw r.fail("unknown export kind") }
            m.exports.append(ExportEntry(name: name, kind: kind, index: try r.u32()))
        }
        let start = try r.u32()
        m.startFunction = start == noCode ? nil : start
        for _ in 0..<(try r.count(minimumItemSize: 5)) {
            let mode = try r.u8()
            guard mode <= 2 else { throw r.fail("unknown data segment mode") }
            let offset = mode == 0 ? nil : try r.constExpr()
            m.dataSegments.append(DataSegmentEntry(offset: offset, isInImage: mode == 2, bytes: try r.byteArray()))
        }
        if try r.u8() != 0 { m.memoryImage = MemoryImageEntry(memoryOffset: try r.u64(), length: try r.u64()) }
        for _ in 0..<(try r.count(minimumItemSize: 5)) {
            let offset = try r.u32()
            guard let kind = TrapKind(rawValue: try r.u8()) else { throw r.fail("unknown trap kind") }
            m.trapSites.append(TrapSite(codeOffset: offset, kind: kind))
        }
        for _ in 0..<(try r.count(minimumItemSize: 4)) { m.entryTrampolines.append(try r.u32()) }
        for _ in 0..<(try r.count(minimumItemSize: 4)) { m.hostCallStubs.append(try r.u32()) }
        guard let strategy = TableInitStrategy(rawValue: try r.u8()) else { throw r.fail("unknown table-init strategy") }
        m.tableInit = strategy
        guard let tier = CodeTier(rawValue: try r.u8()) else { throw r.fail("unknown code tier") }
        m.codeTier = tier
        for _ in 0..<(try r.count(minimumItemSize: 12)) {
            let type = TableTypeEntry(element: try r.valueKind(), limits: try r.limits())
            let initializer = try r.u8() != 0 ? try r.constExpr() : nil
            m.tables.append(TableEntry(type: type, initializer: initializer, hasImage: try r.u8() != 0))
        }
        for _ in 0..<(try r.count(minimumItemSize: 7)) {
            let mode: ElementSegmentEntry.Mode
            switch try r.u8() {
            case 0: mode = .passive
            case 1: mode = .active(table: try r.u32(), offset: try r.constExpr())
            case 2: mode = .declarative
            default: throw r.fail("unknown element segment mode")
            }
            let kind = try r.valueKind()
            var items: [ConstExpr] = []
            for _ in 0..<(try r.count(minimumItemSize: 4)) { items.append(try r.constExpr()) }
            m.elementSegments.append(ElementSegmentEntry(mode: mode, kind: kind, items: items, isInImage: try r.u8() != 0))
        }
        m.lazyTrampoline = try r.u32()
        guard r.isAtEnd else { throw r.fail("trailing bytes after metadata") }
        return m
    }
}

extension ByteWriter {
    mutating func limits(_ l: MemoryLimits) {
        u64(l.minimum)
        if let max = l.maximum {
            u8(1)
            u64(max)
        } else {
            u8(0)
        }
    }
    mutating func globalType(_ g: GlobalTypeEntry) {
        u8(g.kind.rawValue)
        u8(g.isMutable ? 1 : 0)
    }
    mutating func constExpr(_ e: ConstExpr) {
        u32(UInt32(e.ops.count))
        for op in e.ops {
            switch op {
            case .i32Const(let v):
                u8(0)
                u32(UInt32(bitPattern: v))
            case .i64Const(let v):
                u8(1)
                u64(UInt64(bitPattern: v))
            case .f32Const(let v):
                u8(2)
                u32(v)
            case .f64Const(let v):
                u8(3)
                u64(v)
            case .globalGet(let i):
                u8(4)
                u32(i)
            case .refNull(let k):
                u8(5)
                u8(k.rawValue)
            case .refFunc(let i):
                u8(6)
                u32(i)
            case .i32Add: u8(7)
            case .i32Sub: u8(8)
            case .i32Mul: u8(9)
            case .i64Add: u8(10)
            case .i64Sub: u8(11)
            case .i64Mul: u8(12)
            }
        }
    }
}

extension ByteReader {
    mutating func valueKind() throws(MetadataError) -> ValueKind {
        guard let k = ValueKind(rawValue: try u8()) else { throw fail("unknown value type") }
        return k
    }
    mutating func limits() throws(MetadataError) -> MemoryLimits {
        let min = try u64()
        let max: UInt64? = try u8() != 0 ? try u64() : nil
        return MemoryLimits(minimum: min, maximum: max)
    }
    mutating func globalType() throws(MetadataError) -> GlobalTypeEntry {
        GlobalTypeEntry(kind: try valueKind(), isMutable: try u8() != 0)
    }
    mutating func constExpr() throws(MetadataError) -> ConstExpr {
        var ops: [ConstExpr.Op] = []
        for _ in 0..<(try count()) {
            switch try u8() {
            case 0: ops.append(.i32Const(Int32(bitPattern: try u32())))
            case 1: ops.append(.i64Const(Int64(bitPattern: try u64())))
            case 2: ops.append(.f32Const(try u32()))
            case 3: ops.append(.f64Const(try u64()))
            case 4: ops.append(.globalGet(try u32()))
            case 5: ops.append(.refNull(try valueKind()))
            case 6: ops.append(.refFunc(try u32()))
            case 7: ops.append(.i32Add)
            case 8: ops.append(.i32Sub)
            case 9: ops.append(.i32Mul)
            case 10: ops.append(.i64Add)
            case 11: ops.append(.i64Sub)
            case 12: ops.append(.i64Mul)
            default: throw fail("unknown constant-expression operator")
            }
        }
        return ConstExpr(ops)
    }
}

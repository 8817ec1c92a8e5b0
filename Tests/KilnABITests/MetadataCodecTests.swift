import Testing
@testable import KilnABI

@Suite struct MetadataCodecTests {
    func sample() -> ArtifactMetadata {
        var m = ArtifactMetadata(target: .x86_64)
        m.types = [Signature(parameters: [.i32, .f64], results: [.i64])]
        m.imports = [ImportEntry(module: "env", name: "f", kind: .function(typeIndex: 0))]
        m.functions = [FunctionEntry(typeIndex: 0, codeOffset: 16, codeSize: 32, name: "add")]
        m.memory = MemoryLimits(minimum: 1, maximum: 2)
        m.globals = [GlobalEntry(type: GlobalTypeEntry(kind: .i32, isMutable: true), initializer: ConstExpr([.i32Const(-5)]))]
        m.exports = [ExportEntry(name: "add", kind: .function, index: 1)]
        m.dataSegments = [DataSegmentEntry(offset: ConstExpr([.globalGet(0), .i32Const(4), .i32Add]), isInImage: false, bytes: [1, 2, 3])]
        m.trapSites = [TrapSite(codeOffset: 20, kind: .unreachable)]
        m.entryTrampolines = [100]
        m.hostCallStubs = [ArtifactMetadata.noCode]
        m.tableInit = .checked
        m.tables = [TableEntry(type: TableTypeEntry(element: .funcref, limits: MemoryLimits(minimum: 3, maximum: nil)), initializer: nil, hasImage: true)]
        m.elementSegments = [
            ElementSegmentEntry(mode: .active(table: 0, offset: ConstExpr([.i32Const(1)])), kind: .funcref, items: [ConstExpr([.refFunc(1)]), ConstExpr([.refNull(.funcref)])], isInImage: true),
            ElementSegmentEntry(mode: .passive, kind: .externref, items: [], isInImage: false),
        ]
        m.lazyTrampoline = 200
        return m
    }

    @Test func roundTrips() throws {
        let m = sample()
        #expect(try ArtifactMetadata.decode(m.encode()) == m)
    }

    @Test func rejectsEveryTruncation() {
        let bytes = sample().encode()
        for n in 0..<bytes.count {
            #expect(throws: MetadataError.self) { try ArtifactMetadata.decode(Array(bytes[0..<n])) }
        }
    }

    @Test func rejectsOtherABIVersion() {
        var bytes = sample().encode()
        bytes[8] = 99
        #expect(throws: MetadataError.self) { try ArtifactMetadata.decode(bytes) }
    }

    @Test func rejectsHugeCount() {
        var bytes = sample().encode()
        // The type count sits right after magic, version and target.
        bytes[16] = 0xFF; bytes[17] = 0xFF; bytes[18] = 0xFF; bytes[19] = 0x7F
        #expect(throws: MetadataError.self) { try ArtifactMetadata.decode(bytes) }
    }
}

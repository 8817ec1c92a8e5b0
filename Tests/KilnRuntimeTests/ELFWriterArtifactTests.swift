import KilnABI
import KilnELF
import Testing

@testable import KilnRuntime

/// The loader against the project's own ELF writer: the hand-assembled code and metadata,
/// laid out by `KilnELF` the way the compiler lays out an artifact.
@Suite struct ELFWriterArtifactTests {
    static func artifact() throws -> [UInt8] {
        let linked = HandAssembled.standard
        let module = try Module(bytes: linked, engine: engine)
        func contents(_ name: String) throws -> [UInt8] {
            let s = try #require(module.sections.first { $0.name == name })
            return Array(linked[Int(s.offset)..<Int(s.offset + s.size)])
        }
        let metadata = HandAssembled.metadata()
        let image = ELFImage(
            machine: UInt16(TargetISA.x86_64.rawValue), soname: "fixture.so", text: try contents(".text"),
            readOnlySections: withChecksum(text: try contents(".text"), [
                ELFSection(name: SectionName.metadata, bytes: metadata.encode(), alignment: 16),
                ELFSection(name: SectionName.memoryImage, bytes: try contents(".kiln.memimg"), alignment: 4096),
            ]),
            symbols: [
                ELFSymbol(name: "answer", section: 0, offset: 0, size: 0x40, kind: .function, isExported: true)
            ])
        return try writeSharedObject(image)
    }

    @Test func loadsAndRuns() throws {
        let bytes = try Self.artifact()
        let module = try Module(bytes: bytes, engine: engine)
        let instance = try Instance(module: module, store: Store(engine: engine), imports: fixtureImports())
        #expect(try instance.call("answer") == [.i32(42)])
        #expect(try instance.call("callHost", [.i32(5)]) == [.i32(11)])
        #expect(try instance.memory!.read(at: 0, count: 5) == Array("hello".utf8))
        #expect(trap { _ = try instance.call("boom") }?.kind == .unreachable)
    }

    @Test func rejectsEveryTruncation() throws {
        let good = try Self.artifact()
        for n in stride(from: 0, to: good.count, by: 7) {
            guard let e = loadError(Array(good[0..<n])) else {
                Issue.record("prefix of \(n) bytes loaded")
                continue
            }
            if e.kind != .truncated { Issue.record("prefix of \(n) bytes: \(e.kind) \(e.message)") }
        }
    }

    /// A module with no code at all (empty `.text`): loads, instantiates, applies its
    /// segments, and traps on one out of bounds.
    @Test func moduleWithoutCode() throws {
        var m = ArtifactMetadata(target: .x86_64)
        m.memory = MemoryLimits(minimum: 1, maximum: nil)
        m.exports = [ExportEntry(name: "mem", kind: .memory, index: 0)]
        m.dataSegments = [DataSegmentEntry(offset: ConstExpr([.i32Const(3)]), isInImage: false, bytes: [7, 8])]
        func write(_ m: ArtifactMetadata) throws -> [UInt8] {
            try writeSharedObject(
                ELFImage(
                    machine: 62, soname: "empty.so", text: [],
                    readOnlySections: withChecksum(text: [], [ELFSection(name: SectionName.metadata, bytes: m.encode(), alignment: 16)]),
                    symbols: []))
        }
        let module = try Module(bytes: try write(m), engine: engine)
        let instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
        guard case .memory(let memory)? = instance.export(named: "mem") else {
            Issue.record("no memory")
            return
        }
        #expect(try memory.read(at: 3, count: 2) == [7, 8])
        m.dataSegments.append(DataSegmentEntry(offset: ConstExpr([.i32Const(65535)]), isInImage: false, bytes: [1, 2]))
        let failing = try Module(bytes: try write(m), engine: engine)
        do {
            _ = try Instance(module: failing, store: Store(engine: engine), imports: Imports())
            Issue.record("instantiated")
        } catch {
            guard case .trap(let t) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(t.kind == .outOfBoundsMemoryAccess)
        }
    }
}

/// `sections` and the checksum section over them and `text`, as the compiler writes it.
func withChecksum(text: [UInt8], _ sections: [ELFSection]) -> [ELFSection] {
    let checksum = ArtifactChecksum.section(for: [(SectionName.text, text)] + sections.map { ($0.name, $0.bytes) })
    return sections + [ELFSection(name: SectionName.checksum, bytes: checksum, alignment: 8)]
}

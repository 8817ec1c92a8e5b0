import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

@testable import KilnRuntime

/// The artifact checksum (docs/artifact-format.md): damage to anything the host trusts
/// (code, metadata, lazy funcrefs, table images) is refused before anything is mapped;
/// the linear-memory image is guest data and stays outside it.
@Suite struct ChecksumTests {
    /// A module with every covered section and a memory image.
    static let artifact: [UInt8] = {
        let text = """
            (module
              (type $t (func (result i32)))
              (table 4 funcref)
              (elem (i32.const 0) $a $b)
              (memory 1)
              (data (i32.const 0) "guest data")
              (func $a (type $t) (i32.const 7))
              (func $b (type $t) (i32.const 8))
              (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0)))
              (func (export "peek") (result i32) (i32.load8_u (i32.const 0))))
            """
        do {
            return try Compiler.compile(wasm: try assemble(text: text)).bytes
        } catch {
            fatalError("cannot compile the checksum fixture: \(error)")
        }
    }()

    static func section(_ name: String) throws -> SectionInfo {
        let module = try Module(bytes: artifact, engine: engine)
        return try #require(module.sections.first { $0.name == name })
    }

    @Test(arguments: [SectionName.text, SectionName.metadata, SectionName.lazyFuncRefs, SectionName.tableImage(0), SectionName.checksum])
    func aFlippedBitInACoveredSectionIsRefused(_ name: String) throws {
        let s = try Self.section(name)
        #expect(s.size > 0)
        for k in 0..<8 {
            var bytes = Self.artifact
            let at = Int(s.offset) + Int(UInt64(k) * 2_654_435_761 % s.size)
            bytes[at] ^= UInt8(1) << UInt8(k)
            let e = try #require(loadError(bytes), "flipped bit \(k) at \(at) in \(name) loaded")
            #expect(e.kind == .checksumMismatch, "\(name) at \(at): \(e.message)")
            #expect(e.message.contains("damaged artifact"))
        }
    }

    @Test func theMemoryImageIsGuestDataAndNotCovered() throws {
        let s = try Self.section(SectionName.memoryImage)
        var bytes = Self.artifact
        bytes[Int(s.offset)] = UInt8(ascii: "G") ^ 0x20
        let module = try Module(bytes: bytes, engine: engine)
        let instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
        #expect(try instance.call("peek") == [.i32(UInt32(UInt8(ascii: "g")))])
        #expect(try instance.call("call", [.i32(1)]) == [.i32(8)])
    }

    @Test func anArtifactWithoutAChecksumIsRefused() throws {
        var bytes = Self.artifact
        let name = Array(SectionName.checksum.utf8)
        // The name in .shstrtab (the last occurrence: .symtab's strings come earlier).
        var at: Int? = nil
        for i in 0...(bytes.count - name.count) where Array(bytes[i..<i + name.count]) == name { at = i }
        let i = try #require(at)
        bytes[i + name.count - 1] = UInt8(ascii: "X")
        let e = try #require(loadError(bytes))
        #expect(e.kind == .corrupt)
        #expect(e.message.contains("no .kiln.checksum section"))
    }

    @Test func hashSeesEveryByteAndLength() {
        let base = [UInt8](repeating: 0xA5, count: 100)
        let h0 = base.withUnsafeBytes { ArtifactChecksum.hash($0) }
        var seen: Set<UInt64> = [h0]
        for i in 0..<base.count {
            var b = base
            b[i] ^= 1
            seen.insert(b.withUnsafeBytes { ArtifactChecksum.hash($0) })
        }
        for n in 0..<base.count { seen.insert(base[0..<n].withUnsafeBytes { ArtifactChecksum.hash($0) }) }
        #expect(seen.count == 1 + 2 * base.count)
    }
}

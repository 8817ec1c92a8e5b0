import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

@testable import KilnRuntime

let engine = Engine()

func loadError(_ bytes: [UInt8]) -> LoadError? {
    do {
        _ = try Module(bytes: bytes, engine: engine)
        return nil
    } catch {
        return error
    }
}

@Suite struct LoaderTests {
    @Test func loadsTheHandAssembledArtifact() throws {
        let module = try Module(bytes: HandAssembled.standard, engine: engine)
        #expect(module.imports.map(\.name) == ["double"])
        #expect(module.exports.count == 12)
        #expect(module.exports[0] == ExportDescription(name: "answer", type: .function(HandAssembled.types[0])))
        let names = module.sections.map(\.name)
        #expect(names.contains(".text") && names.contains(".kiln.meta") && names.contains(".kiln.memimg"))
        let text = try #require(module.sections.first { $0.name == ".text" })
        #expect(text.isExecutable && !text.isWritable && text.offset % 4096 == 0)
    }

    @Test func loadsFromAFile() throws {
        let path = try HandAssembled.write(HandAssembled.standard)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let module = try Module(contentsOf: path, engine: engine)
        #expect(module.metadata.functions.count == 9)
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: LoadError.self) { try Module(contentsOf: "/nonexistent/kiln.so", engine: engine) }
        do {
            _ = try Module(contentsOf: "/nonexistent/kiln.so", engine: engine)
        } catch {
            #expect(error.kind == .io)
            #expect(error.message.contains("/nonexistent/kiln.so"))
        }
    }

    @Test func rejectsNotELF() throws {
        let e = try #require(loadError(Array("just some text, no ELF here".utf8)))
        #expect(e.kind == .notELF)
        #expect(e.message.contains("magic header not detected"))
    }

    @Test func rejectsEveryTruncation() throws {
        let good = HandAssembled.standard
        for n in 0..<good.count {
            guard let e = loadError(Array(good[0..<n])) else {
                Issue.record("prefix of \(n) bytes loaded")
                continue
            }
            if e.kind != .truncated {
                Issue.record("prefix of \(n) bytes: \(e.kind) \(e.message)")
            }
        }
        let e = try #require(loadError(Array(good[0..<100])))
        #expect(e.message.contains("extends past the end of the file"))
    }

    @Test func rejectsWrongMachine() throws {
        var bytes = HandAssembled.standard
        bytes[18] = 183  // e_machine = EM_AARCH64
        bytes[19] = 0
        let e = try #require(loadError(bytes))
        #expect(e.kind == .wrongISA)
        #expect(e.message.contains("aarch64") && e.message.contains("x86_64"))
    }

    @Test func rejectsWrongMetadataTarget() throws {
        var m = HandAssembled.metadata()
        m.target = .aarch64
        let e = try #require(loadError(try HandAssembled.build(m)))
        #expect(e.kind == .wrongISA)
        #expect(e.message.contains("metadata targets aarch64"))
    }

    @Test func rejectsWrongABIVersion() throws {
        var bytes = HandAssembled.standard
        let at = try #require(bytes.firstIndex(of: ArtifactMetadata.magic)) + 8
        bytes[at] = 99
        let e = try #require(loadError(HandAssembled.sealed(bytes)))
        #expect(e.kind == .abiVersion)
        #expect(e.message.contains("ABI version 99"))
    }

    /// ABI 6 changed the vmctx layout (docs/abi.md): an artifact compiled for ABI 5 would
    /// read its expected type ids through a pointer the new layout still has but no longer
    /// means for it, so it is refused, naming both versions.
    @Test func refusesABI5Artifact() throws {
        #expect(ABIVersion.current == 6)
        var bytes = HandAssembled.standard
        let at = try #require(bytes.firstIndex(of: ArtifactMetadata.magic)) + 8
        #expect(bytes[at] == 6)
        bytes[at] = 5
        let e = try #require(loadError(HandAssembled.sealed(bytes)))
        #expect(e.kind == .abiVersion)
        #expect(e.message.contains("the artifact has ABI version 5, this runtime reads version 6"))
    }

    @Test func rejectsCorruptMetadata() throws {
        var bytes = HandAssembled.standard
        let at = try #require(bytes.firstIndex(of: ArtifactMetadata.magic))
        // The type count (after magic, version, target) becomes huge.
        bytes[at + 16] = 0xFF
        bytes[at + 17] = 0xFF
        bytes[at + 18] = 0xFF
        // Checksummed again: a file made to pass the checksum still meets every metadata check.
        let e = try #require(loadError(HandAssembled.sealed(bytes)))
        #expect(e.kind == .corrupt)
        #expect(e.message.contains("metadata") && e.message.contains("exceeds"))
        // A bad magic.
        var bytes2 = HandAssembled.standard
        bytes2[at] = UInt8(ascii: "X")
        let e2 = try #require(loadError(HandAssembled.sealed(bytes2)))
        #expect(e2.kind == .corrupt && e2.message.contains("KILNMETA"))
    }

    @Test func rejectsCodeOutsideText() throws {
        var m = HandAssembled.metadata()
        m.functions[0].codeOffset = 0x10_0000
        let e = try #require(loadError(try HandAssembled.build(m)))
        #expect(e.kind == .corrupt)
        #expect(e.message.contains("function 0") && e.message.contains("outside .text"))
    }

    @Test func rejectsUnsortedTrapTable() throws {
        var m = HandAssembled.metadata()
        m.trapSites.reverse()
        let e = try #require(loadError(try HandAssembled.build(m)))
        #expect(e.kind == .corrupt && e.message.contains("sorted"))
    }

    @Test func rejectsImageLargerThanItsSection() throws {
        var m = HandAssembled.metadata()
        m.memoryImage = MemoryImageEntry(memoryOffset: 0, length: 8192)
        let e = try #require(loadError(try HandAssembled.build(m)))
        #expect(e.kind == .corrupt && e.message.contains("memory image"))
    }

    @Test func rejectsSectionHeadersPastTheEnd() throws {
        var bytes = HandAssembled.standard
        bytes[40 + 5] = 0x7F  // e_shoff far beyond the file
        let e = try #require(loadError(bytes))
        #expect(e.kind == .truncated)
        #expect(e.message.contains("section header table"))
    }

    @Test func rejectsNonSharedObject() throws {
        var bytes = HandAssembled.standard
        bytes[16] = 2  // ET_EXEC
        let e = try #require(loadError(bytes))
        #expect(e.kind == .corrupt && e.message.contains("ET_DYN"))
    }

    @Test func unloadingUnregistersCode() throws {
        do {
            // Its own registration, not the global count: other tests load and unload
            // modules concurrently.
            let module = try Module(bytes: HandAssembled.standard, engine: engine)
            #expect(kilnIsCodeRegistered(module))
        }
        // Other tests run concurrently; just make sure loads and unloads balance out.
        for _ in 0..<200 { _ = try Module(bytes: HandAssembled.standard, engine: engine) }
        #expect(kilnRegisteredCodeCount() < 4000)
    }
}

@Suite struct LoaderMutationTests {
    /// Deterministic xorshift, so a failure replays.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    /// Flipped bytes in the ELF header, the section headers and the metadata: the loader
    /// either accepts the file or throws a LoadError; it never crashes or hangs.
    @Test func mutatedArtifactsNeverCrashTheLoader() throws {
        let good = HandAssembled.standard
        let module = try Module(bytes: good, engine: engine)
        let meta = try #require(module.sections.first { $0.name == ".kiln.meta" })
        let shoff = good[40..<48].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let regions = [0..<64, shoff..<good.count, Int(meta.offset)..<Int(meta.offset + meta.size)]
        var rng = Rng(state: 0x9E37_79B9_7F4A_7C15)
        var kinds: [LoadError.Kind: Int] = [:]
        for _ in 0..<3000 {
            var bytes = good
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let region = regions[Int(rng.next() % UInt64(regions.count))]
                let at = region.lowerBound + Int(rng.next() % UInt64(region.count))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let e = loadError(bytes) { kinds[e.kind, default: 0] += 1 }
        }
        #expect(kinds[.corrupt, default: 0] > 0)
        #expect(kinds[.checksumMismatch, default: 0] > 0)
    }

    /// Flipped metadata bytes under a recomputed checksum (as a file made to deceive would
    /// carry): the metadata checks alone refuse or accept; nothing crashes.
    @Test func mutatedMetadataWithAValidChecksumNeverCrashesTheLoader() throws {
        let good = HandAssembled.standard
        let module = try Module(bytes: good, engine: engine)
        let meta = try #require(module.sections.first { $0.name == ".kiln.meta" })
        var rng = Rng(state: 0x2545_F491_4F6C_DD1D)
        var kinds: [LoadError.Kind: Int] = [:]
        for _ in 0..<1000 {
            var bytes = good
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                bytes[Int(meta.offset) + Int(rng.next() % meta.size)] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let e = loadError(HandAssembled.sealed(bytes)) { kinds[e.kind, default: 0] += 1 }
        }
        #expect(kinds[.corrupt, default: 0] > 0)
        #expect(kinds[.checksumMismatch, default: 0] == 0)
    }
}

/// An artifact is aligned to its target's page (4 KiB for x86-64, 64 KiB for AArch64); a
/// host with larger pages copies what it cannot map (`.text`, the memory image), and the
/// loader never refuses the artifact for it. `Module(bytes:engine:hostPageSize:)`
/// simulates a 16 or 64 KiB-page kernel on this host.
@Suite struct HostPageSizeTests {
    static let dataModule = """
        (module
          (memory 2)
          (data (i32.const 16) "kiln")
          (data (i32.const 70000) "\\2a")
          (func (export "word") (result i32) (i32.load (i32.const 16)))
          (func (export "byte") (result i32) (i32.load8_u (i32.const 70000)))
          (func (export "store") (param i32) (i32.store (i32.const 16) (local.get 0))))
        """

    func artifact(pageSize: Int? = nil) throws -> [UInt8] {
        var options = CompileOptions(target: .host)
        options.pageSize = pageSize
        return try Compiler.compile(wasm: try assemble(text: Self.dataModule), options: options).bytes
    }

    /// Loads, instantiates twice (the second instance must not see the first's store) and
    /// returns how `.text` and the memory image were placed.
    func run(_ bytes: [UInt8], hostPageSize: Int) throws -> (text: ImagePlacement?, memory: ImagePlacement?) {
        let module = try Module(bytes: bytes, engine: engine, hostPageSize: hostPageSize)
        let a = try module.instantiate(store: Store(engine: engine))
        #expect(try a.call("word") == [.i32(0x6E6C_696B)])  // "kiln", little-endian
        #expect(try a.call("byte") == [.i32(0x2A)])
        _ = try a.call("store", [.i32(7)])
        #expect(try a.call("word") == [.i32(7)])
        let b = try module.instantiate(store: Store(engine: engine))
        #expect(try b.call("word") == [.i32(0x6E6C_696B)])
        return (module.textPlacement, a.memoryImagePlacement)
    }

    @Test func aHostArtifactOnItsOwnPagesIsMapped() throws {
        let placed = try run(try artifact(), hostPageSize: Posix.pageSize)
        #expect(placed.text == .mapped)
        #expect(placed.memory == .mapped)
    }

    @Test(arguments: [16384, 65536])
    func aFourKiBArtifactOnLargerPagesIsCopiedAndRuns(hostPageSize: Int) throws {
        let bytes = try artifact(pageSize: 4096)
        let placed = try run(bytes, hostPageSize: hostPageSize)
        #expect(placed.text == .copied)
        #expect(placed.memory == .copied)
    }

    @Test(arguments: [4096, 16384, 65536])
    func aSixtyFourKiBArtifactIsMappedOnEveryPageSize(hostPageSize: Int) throws {
        guard hostPageSize >= Posix.pageSize else { return }
        let bytes = try artifact(pageSize: 65536)
        let placed = try run(bytes, hostPageSize: hostPageSize)
        #expect(placed.text == .mapped)
        #expect(placed.memory == .mapped)
    }

    @Test func imagesOnHostPagesAreMappedOthersCopied() {
        #expect(Instance.canMapImage(fileOffset: 0x1000, memoryOffset: 0x2000, length: 0x1000, pageSize: 4096))
        #expect(!Instance.canMapImage(fileOffset: 0x1000, memoryOffset: 0, length: 0x10000, pageSize: 65536))
        #expect(!Instance.canMapImage(fileOffset: 0x10000, memoryOffset: 0x1000, length: 0x10000, pageSize: 65536))
        #expect(!Instance.canMapImage(fileOffset: 0x10000, memoryOffset: 0, length: 0x3000, pageSize: 16384))
        #expect(Instance.canMapImage(fileOffset: 0x20000, memoryOffset: 0x10000, length: 0x10000, pageSize: 65536))
    }
}

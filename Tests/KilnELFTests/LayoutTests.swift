import KilnELF
import Testing

/// The layout the runtime relies on, checked from the file's own headers: page-aligned
/// `.text` and page-aligned read-only sections, addresses equal to offsets, W^X.
@Suite struct LayoutTests {
    @Test func textStartsOnAPage() throws {
        let elf = ParsedELF(try writeSharedObject(Fixtures.answerImage()))
        let text = try #require(elf.section(".text"))
        #expect(text.offset % 4096 == 0)
        #expect(text.address % 4096 == 0)
        #expect(text.size == UInt64(Fixtures.x86Text.count))
    }

    @Test func textStartsOnALargePageWhenAsked() throws {
        let elf = ParsedELF(try writeSharedObject(Fixtures.answerImage(pageSize: 65536)))
        let text = try #require(elf.section(".text"))
        #expect(text.offset == 65536)
        #expect(text.address == 65536)
    }

    @Test(arguments: NamedImage.all)
    func readOnlySectionsKeepTheirAlignment(_ fixture: NamedImage) throws {
        let elf = ParsedELF(try writeSharedObject(fixture.image))
        for section in fixture.image.readOnlySections {
            let written = try #require(elf.section(section.name))
            #expect(written.offset % UInt64(section.alignment) == 0, "\(section.name) offset \(written.offset)")
            #expect(written.address % UInt64(section.alignment) == 0, "\(section.name) address \(written.address)")
            #expect(written.size == UInt64(section.bytes.count))
        }
    }

    @Test func pageAlignedSectionHoldsItsBytesAtItsOffset() throws {
        let bytes = try writeSharedObject(Fixtures.answerImage())
        let image = try #require(ParsedELF(bytes).section(".kiln.memimg"))
        #expect(image.offset == 4096)
        #expect(Array(bytes[Int(image.offset)..<Int(image.offset + image.size)]) == Fixtures.memoryImageBytes)
    }

    @Test(arguments: NamedImage.all)
    func allocatedSectionsHaveAddressEqualToOffset(_ fixture: NamedImage) throws {
        let elf = ParsedELF(try writeSharedObject(fixture.image))
        for section in elf.sections where section.isAllocated {
            #expect(section.address == section.offset, "\(section.name)")
        }
        for segment in elf.segments where segment.type == ParsedELF.ptLoad {
            #expect(segment.address == segment.offset)
        }
    }

    @Test(arguments: NamedImage.all)
    func segmentsAreReadOnlyThenCodeThenData(_ fixture: NamedImage) throws {
        let elf = ParsedELF(try writeSharedObject(fixture.image))
        let page = UInt64(fixture.image.pageSize)
        #expect(elf.type == 3)  // ET_DYN
        let loads = elf.loadSegments
        #expect(loads.map(\.flags) == [4, 5, 6])  // R, R+X, R+W
        #expect(!elf.segments.contains { $0.isWritable && $0.isExecutable })
        #expect(elf.segments.contains { $0.type == ParsedELF.ptDynamic })
        let stack = try #require(elf.segments.first { $0.type == ParsedELF.ptGNUStack })
        #expect(!stack.isExecutable)

        let text = try #require(elf.section(".text"))
        #expect(loads[1].offset == text.offset && loads[1].fileSize == text.size, ".text alone in R+X")
        for segment in loads {
            #expect(segment.offset % page == 0)
            #expect(segment.alignment == page)
            #expect(segment.fileSize == segment.memorySize)
        }
        // No two loadable segments share a page, so each keeps its own protection.
        for (lower, upper) in zip(loads, loads.dropFirst()) {
            #expect((lower.offset + lower.fileSize + page - 1) / page * page <= upper.offset)
        }
    }

    @Test func symbolsAreSectionOffsetsTurnedIntoAddresses() throws {
        let file = try WrittenImage(Fixtures.answerImage())
        let elf = ParsedELF(file.bytes)
        let text = try #require(elf.section(".text"))
        let meta = try #require(elf.section(".kiln.meta"))
        let output = try ExternalTool.run("nm", ["-S", file.path], hint: "install binutils")
        let lines = Set(output.stdout.split(separator: "\n").map(String.init))
        func hex(_ v: UInt64) -> String {
            String(repeating: "0", count: 16 - String(v, radix: 16).count) + String(v, radix: 16)
        }
        #expect(lines.contains("\(hex(text.address)) \(hex(6)) T answer"), "\(output.stdout)")
        #expect(lines.contains("\(hex(text.address + 6)) \(hex(10)) t helper"), "\(output.stdout)")
        #expect(lines.contains("\(hex(text.address + 16)) \(hex(5)) T double"), "\(output.stdout)")
        #expect(lines.contains("\(hex(meta.address)) \(hex(16)) R __kiln_metadata"), "\(output.stdout)")
    }
}

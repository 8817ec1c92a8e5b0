import KilnELF
import Testing

/// The same image always gives the same bytes, also when written from several threads
/// at once (each write has its own libelf descriptor and scratch file).
@Suite struct DeterminismTests {
    @Test(arguments: NamedImage.all)
    func writingTwiceGivesTheSameBytes(_ fixture: NamedImage) throws {
        #expect(try writeSharedObject(fixture.image) == writeSharedObject(fixture.image))
    }

    @Test func concurrentWritesGiveTheSameBytes() async throws {
        let image = Fixtures.manyExportsImage(count: 300)
        let expected = try writeSharedObject(image)
        try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<16 { group.addTask { try writeSharedObject(image) } }
            for try await bytes in group { #expect(bytes == expected) }
        }
    }
}

import KilnELF
import Testing

/// Images that cannot be written are refused with a specific error, never written wrong.
@Suite struct ValidationTests {
    func kind(of image: ELFImage) -> ELFWriteError.Kind? {
        do {
            _ = try writeSharedObject(image)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func unknownMachineIsRefused() {
        #expect(kind(of: Fixtures.answerImage(machine: 3)) == .unsupportedMachine)
    }

    @Test func namesWithNULAreRefused() {
        var image = Fixtures.answerImage()
        image.symbols[0].name = "ans\0wer"
        #expect(kind(of: image) == .invalidName)
        #expect(kind(of: Fixtures.answerImage(soname: "lib\0.so")) == .invalidName)
        image = Fixtures.answerImage()
        image.readOnlySections[0].name = ".kiln\0meta"
        #expect(kind(of: image) == .invalidName)
    }

    @Test(arguments: [0, -8, 3, 4097])
    func alignmentThatIsNotAPowerOfTwoIsRefused(_ alignment: Int) {
        var image = Fixtures.answerImage()
        image.readOnlySections[1].alignment = alignment
        #expect(kind(of: image) == .invalidAlignment)
    }

    @Test(arguments: [0, 2048, 5000, -4096])
    func pageSizeThatIsNotALargePowerOfTwoIsRefused(_ pageSize: Int) {
        #expect(kind(of: Fixtures.answerImage(pageSize: pageSize)) == .invalidPageSize)
    }

    @Test func symbolInAMissingSectionIsRefused() {
        var image = Fixtures.answerImage()
        image.symbols[0].section = 3
        #expect(kind(of: image) == .invalidSymbol)
        image.symbols[0].section = -1
        #expect(kind(of: image) == .invalidSymbol)
    }

    @Test func symbolPastTheEndOfItsSectionIsRefused() {
        var image = Fixtures.answerImage()
        image.symbols[0].offset = UInt64(Fixtures.x86Text.count)
        #expect(kind(of: image) == .invalidSymbol)
        image.symbols[0].offset = 1
        image.symbols[0].size = .max
        #expect(kind(of: image) == .invalidSymbol)
    }

    @Test func errorMessageNamesTheProblem() throws {
        var image = Fixtures.answerImage()
        image.symbols[2].section = 9
        let error = #expect(throws: ELFWriteError.self) { try writeSharedObject(image) }
        #expect(error?.message == "symbol 2: section 9 does not exist")
    }
}

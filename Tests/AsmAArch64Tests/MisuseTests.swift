import AsmAArch64
import Testing

/// Encodings that would silently mean something else stop the program instead: SP where
/// a field holds the zero register and the other way round, immediates that do not fit.
@Suite struct MisuseTests {
    @Test func zeroRegisterWhereTheFieldMeansSP() async {
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.add(.x, .zr, .x0, imm: 1)
        }
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.ldr(.x, .x0, .offset(.zr, 0))
        }
    }

    @Test func spWhereTheFieldMeansZero() async {
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.add(.x, .x0, .sp, .x1)
        }
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.orr(.x, .x0, .sp, imm: 1)
        }
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.cbz(.x, .sp, offset: 0)
        }
    }

    @Test func immediatesThatDoNotFit() async {
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.add(.x, .x0, .x1, imm: 4096)
        }
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.and(.x, .x0, .x1, imm: 0x1234)
        }
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.ldr(.x, .x0, .offset(.x1, 32768))
        }
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.ldp(.x, .x0, .x1, .offset(.x2, 512))
        }
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.b(.eq, offset: 0x10_0000)
        }
        await #expect(processExitsWith: .failure) {
            var a = Assembler()
            a.fmov(.d, .v0, imm: 0.1)
        }
    }
}

import Foundation
import Testing

/// A short seeded slice of every fuzz mode, supervised by `kiln-fuzz run` (crashes and
/// hangs isolated in its workers): a few hundred generated modules and a few thousand
/// mutants with fixed seeds. A finding of any kind fails the case, with the summary.
@Suite struct SeededSliceTests {
    /// (mode, inputs, seed).
    static let slices: [(String, Int, UInt64)] = [
        ("gen", 400, 20261204), ("wasm", 3000, 20261205), ("wat", 3000, 20261206), ("artifact", 3000, 20261207),
    ]

    @Test(arguments: slices.map(\.0))
    func sliceFindsNothing(_ mode: String) {
        let (_, count, seed) = Self.slices.first { $0.0 == mode }!
        let result = FuzzTestSupport.run(
            [
                "run", "--mode", mode, "--count", String(count), "--seed", String(seed), "--seconds", "600", "--no-save",
                "--progress", "60", "--wat-seeds", FuzzTestSupport.watSeeds,
            ], timeout: 300)
        #expect(result.ending == .exited(0), "\(mode) slice: \(result.output)")
        #expect(result.output.contains("\(mode): \(count) inputs"), "\(mode) slice did not run all its inputs: \(result.output)")
    }
}

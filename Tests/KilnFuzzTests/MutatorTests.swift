import Testing

@testable import KilnFuzz

/// Mutators are deterministic and change their input; the minimizer shrinks; reproducer
/// names round-trip.
@Suite struct MutatorTests {
    @Test func mutationsAreDeterministicAndChangeTheInput() {
        let base = ModuleGenerator.generate(seed: 1, index: 1).encode()
        var changed = 0
        for i in 0..<200 as Range<UInt64> {
            var a = FuzzRandom(seed: 3, index: i)
            var b = FuzzRandom(seed: 3, index: i)
            let x = Mutators.mutateBinary(base, &a)
            #expect(x == Mutators.mutateBinary(base, &b))
            if x != base { changed += 1 }
        }
        #expect(changed > 180)
    }

    @Test func textMutationsKeepMostTokens() {
        let text = "(module (func (export \"f\") (result i32) i32.const 1))"
        var rng = FuzzRandom(seed: 4)
        let mutated = Mutators.mutateText(text, &rng)
        #expect(mutated != text)
        #expect(Mutators.tokenize(text) == ["(", "module", "(", "func", "(", "export", "\"f\"", ")", "(", "result", "i32", ")", "i32.const", "1", ")", ")"])
    }

    @Test func ddminFindsTheFailingCore() {
        let items = Array(0..<100)
        let small = Minimizer.ddmin(items) { $0.contains(17) && $0.contains(63) }
        #expect(small == [17, 63])
    }

    @Test func statementMinimizationKeepsModulesValid() {
        let module = ModuleGenerator.generate(seed: 8, index: 3)
        var checked = 0
        let small = Minimizer.minimize(module, budget: 40) { candidate in
            checked += 1
            let verdict = ReferenceRunner.validate(candidate.encode())
            #expect(verdict == .valid || verdict == .validExceptActiveSegments, "\(verdict)")
            return candidate.statementCount >= 1
        }
        #expect(checked > 0)
        #expect(small.statementCount <= 1)
    }

    @Test func reproducerNamesRoundTrip() {
        let name = ReproducerStore.baseName(kind: .crash, mode: .generate, slug: "MacroAssembler.swift:209", seed: 12, index: 34)
        #expect(name == "crash-gen-macroassembler-swift-209-12-34")
        #expect(ReproducerStore.problem(ofFile: name + ".wasm") == "crash-gen-macroassembler-swift-209")
        #expect(Replay.mode(ofFile: "/x/" + name + ".wasm") == .generate)
        #expect(Replay.mode(ofFile: "/x/elem-invalid-flags-byte.wasm") == .wasm)
        #expect(Replay.mode(ofFile: "/x/damaged.so") == .artifact)
    }
}

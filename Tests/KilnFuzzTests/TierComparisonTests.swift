import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

@testable import KilnFuzz

/// The three-way oracle of the `tiers` mode blames the right side, compares the state after
/// every call (a trapping one included), and the known-open list matches by problem.
@Suite struct TierComparisonTests {
    let plan = [PlannedCall(export: "e0", arguments: []), PlannedCall(export: "e0", arguments: [])]

    func outcome(_ calls: [CallOutcome], states: [[UInt8]]) -> RunOutcome {
        var o = RunOutcome(instantiation: .values([]))
        o.calls = calls
        o.afterCalls = states.map { InstanceState(memory: $0, globals: [("g1", .i32(7))]) }
        o.memory = states.last
        o.globals = [("g1", .i32(7))]
        return o
    }

    @Test func theSideThatDisagreesIsNamed() {
        let r = outcome([.values([.i32(1)]), .trap(.outOfBoundsMemoryAccess)], states: [[0], [1]])
        let wrong = outcome([.values([.i32(2)]), .trap(.outOfBoundsMemoryAccess)], states: [[0], [1]])
        #expect(TierComparison.compare(reference: r, baseline: r, optimizing: r, calls: plan) == nil)
        #expect(TierComparison.compare(reference: r, baseline: r, optimizing: wrong, calls: plan)?.slug == "optimizing-result")
        #expect(TierComparison.compare(reference: r, baseline: wrong, optimizing: r, calls: plan)?.slug == "baseline-result")
        #expect(TierComparison.compare(reference: r, baseline: wrong, optimizing: wrong, calls: plan)?.slug == "both-result")
        let other = outcome([.values([.i32(3)]), .trap(.outOfBoundsMemoryAccess)], states: [[0], [1]])
        #expect(TierComparison.compare(reference: r, baseline: wrong, optimizing: other, calls: plan)?.slug == "tiers-result")
    }

    @Test func stateAfterATrappingCallIsCompared() {
        // Same final state, but the optimizing tier lost a store before the trap of call 1
        // and made it up in call 2: only the per-call comparison sees it.
        let r = outcome([.trap(.outOfBoundsMemoryAccess), .values([])], states: [[5], [5]])
        let lost = outcome([.trap(.outOfBoundsMemoryAccess), .values([])], states: [[0], [5]])
        let m = TierComparison.compare(reference: r, baseline: r, optimizing: lost, calls: plan)
        #expect(m?.slug == "optimizing-memory")
        #expect(m?.step == 2)
        #expect(m?.detail.contains("after call e0() #0") == true)
    }

    @Test func theEarliestDisagreementDecides() {
        let r = outcome([.values([.i32(1)]), .values([.i32(1)])], states: [[0], [0]])
        let baselineLate = outcome([.values([.i32(1)]), .values([.i32(9)])], states: [[0], [0]])
        let optimizingEarly = outcome([.values([.i32(1)]), .values([.i32(1)])], states: [[4], [0]])
        #expect(TierComparison.compare(reference: r, baseline: baselineLate, optimizing: optimizingEarly, calls: plan)?.slug == "optimizing-memory")
    }

    @Test func aLaterResultPositionIsInTheSlug() {
        let r = outcome([.values([.i64(1), .i64(2), .i64(3)]), .values([])], states: [[0], [0]])
        let third = outcome([.values([.i64(1), .i64(2), .i64(0xBAD)]), .values([])], states: [[0], [0]])
        #expect(TierComparison.compare(reference: r, baseline: r, optimizing: third, calls: plan)?.slug == "optimizing-result-at-2")
    }

    @Test func openFindingsParseAndMatchByProblem() {
        let open = OpenFindings(text: """
            # comment
            diff-tiers-x-hand-1.wasm diff-tiers-optimizing-result-at-2 ABI 4: two result registers

            """)
        #expect(open.entries == [.init(file: "diff-tiers-x-hand-1.wasm", problem: "diff-tiers-optimizing-result-at-2", cause: "ABI 4: two result registers")])
        #expect(open.entry(forFile: "/a/b/diff-tiers-x-hand-1.wasm") != nil)
        let finding = Finding(kind: .diff, slug: "optimizing-result-at-2", detail: "", input: [])
        #expect(open.entry(for: finding, mode: .tiers) != nil)
        #expect(open.entry(for: finding, mode: .generate) == nil)
        #expect(OpenFindings.path(besideReproducer: "/r/Fixtures/regressions/x.wasm") == "/r/Fixtures/fuzz/open-findings.txt")
    }

    @Test func maxResultsCapsEveryFunctionsResults() {
        for index in 0..<60 as Range<UInt64> {
            let module = ModuleGenerator.generate(seed: 11, index: index, options: .init(maxResults: 2))
            for f in module.functions { #expect(module.types[Int(f.typeIndex)].results.count <= 2) }
        }
        // The defaults leave the stream of the other modes unchanged.
        #expect(ModuleGenerator.generate(seed: 11, index: 3).encode() == ModuleGenerator.generate(seed: 11, index: 3, options: .init(maxResults: 3)).encode())
    }

    /// End to end: a store before a trapping load is visible after the call, in the
    /// reference and in both tiers, and the three agree.
    @Test(.enabled(if: FuzzSession.hasOptimizingTier)) func storesBeforeATrapAreSeenAfterTheCall() throws {
        let wasm = try assemble(text: """
            (module (memory (export "mem") 1 1)
              (func (export "f") (param i32)
                (i32.store8 (i32.const 7) (i32.const 42))
                (drop (i32.load offset=65535 (local.get 0)))))
            """)
        let run = try #require(ReferenceRunner.run(wasm, everyCall: true))
        #expect(run.plan.count == 3)
        #expect(run.outcome.afterCalls.count == 3)
        #expect(run.outcome.calls.allSatisfy { $0 == .trap(.outOfBoundsMemoryAccess) })
        for tier in [CompilerTier.baseline, .optimizing] {
            let artifact = try KilnRunner.compile(wasm, KilnConfiguration(tableInit: .image, tier: tier)).get()
            let kiln = KilnRunner.run(artifact: artifact, calls: run.plan, everyCall: true)
            #expect(kiln.afterCalls.count == 3)
            #expect(kiln.calls.allSatisfy { $0 == .trap(.outOfBoundsMemoryAccess) }, "\(tier)")
            #expect(kiln.afterCalls.allSatisfy { $0.memory?[7] == 42 }, "\(tier)")
        }
        let session = FuzzSession(seed: 0, watSeeds: [])
        #expect(session.check(.tiers, wasm) == nil)
        #expect(session.counters["compared"] == 1)
    }
}

import Foundation
import KilnABI
import KilnCodegen
import KilnFrontend
import Testing
import WAT

/// Opt-in (`KILN_A64_SWEEP=1`, or `=DIR` for another folder of `.wast` files): every
/// module of the spec scripts in `../shared/spec/core` goes through the shared lowering
/// into `AArch64MacroAssembler` under each table strategy, compile only. A module Kiln
/// does not support is skipped; an internal failure (or an encoder precondition, which
/// stops the process) is a backend bug. Nothing is executed.
@Suite struct AArch64SpecCompileSweep {
    static let sweep = ProcessInfo.processInfo.environment["KILN_A64_SWEEP"]

    static var directory: URL {
        if let sweep, sweep != "1" { return URL(fileURLWithPath: sweep) }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/spec/core")
    }

    @Test(.enabled(if: sweep != nil)) func everySpecModuleCompiles() throws {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: Self.directory.path)) ?? [])
            .filter { $0.hasSuffix(".wast") }.sorted()
        var compiled = 0, skipped = 0
        var failures: [String] = []
        for file in files {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
            guard var wast = try? parseWAST(text, features: .all) else { continue }
            while let (result, location) = wast.nextDirectiveResult() {
                guard case .success(.module(let directive)) = result else { continue }
                let bytes: [UInt8]
                switch directive.source {
                case .text(let wat): guard let b = try? wat.encode() else { continue }; bytes = b
                case .binary(let b): bytes = b
                case .quote: continue
                }
                guard let module = try? decodeModule(bytes) else {
                    skipped += 1
                    continue
                }
                for strategy in TableInitStrategy.allCases {
                    do {
                        _ = try AArch64DisasGoldenTests.compile(module, strategy: strategy)
                        compiled += 1
                    } catch let error as CompileError where error.kind == .unsupported {
                        skipped += 1
                    } catch {
                        let line = location.computeLineAndColumn().line
                        failures.append("\(file):\(line) (\(strategy.name)): \(error)")
                    }
                }
            }
        }
        print("AArch64 sweep: \(compiled) compiled, \(skipped) skipped, \(failures.count) failed")
        for f in failures.prefix(50) { print("  \(f)") }
        #expect(failures.isEmpty)
    }
}

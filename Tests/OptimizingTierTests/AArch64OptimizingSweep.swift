import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import Testing
import WAT

/// Opt-in (`KILN_A64_SWEEP=1`, or `=DIR` for another folder of `.wast` files): every
/// module of the spec scripts in `../shared/spec/core` through the optimizing tier for
/// AArch64 under each table strategy, compile only, so a relocation LLVM emits that Kiln
/// does not place, or an LLVM failure, shows up before anything runs. A module Kiln does
/// not support is counted as skipped; anything else failing is a Kiln bug.
@Suite struct AArch64OptimizingSweep {
    static let sweep = ProcessInfo.processInfo.environment["KILN_A64_SWEEP"]

    static var directory: URL {
        if let sweep, sweep != "1" { return URL(fileURLWithPath: sweep) }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/spec/core")
    }

    enum Outcome {
        case compiled, unsupported
        case failed(String)
    }

    static func compile(_ module: WasmModule, _ strategy: TableInitStrategy) -> Outcome {
        do throws(CompilerError) {
            _ = try Compiler.compile(
                module: module, options: CompileOptions(target: .aarch64, tableInit: strategy, tier: .optimizing))
            return .compiled
        } catch {
            switch error {
            case .unsupportedFeatures: return .unsupported
            case .codegen(let e) where e.kind == .unsupported: return .unsupported
            default: return .failed(error.description)
            }
        }
    }

    @Test(.enabled(if: sweep != nil, "opt-in: KILN_A64_SWEEP=1")) func everySpecModuleCompiles() throws {
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
                    switch Self.compile(module, strategy) {
                    case .compiled: compiled += 1
                    case .unsupported: skipped += 1
                    case .failed(let message):
                        failures.append("\(file):\(location.computeLineAndColumn().line) (\(strategy.name)): \(message)")
                    }
                }
            }
        }
        print("aarch64 optimizing sweep: \(compiled) compiled, \(skipped) skipped, \(failures.count) failed")
        for f in failures.prefix(40) { print("  " + f) }
        #expect(failures.isEmpty)
        #expect(compiled > 0)
    }
}

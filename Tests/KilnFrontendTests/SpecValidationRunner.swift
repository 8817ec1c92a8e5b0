import Foundation
import KilnFrontend
import WAT
import WasmParser

/// Runs the module-level directives of one spec `.wast` file through `decodeModule`:
/// every `module` must decode and validate, every `assert_invalid` fail as `.invalid`,
/// every `assert_malformed` as `.malformed`; the modules of `assert_unlinkable` and
/// `assert_trap` (instantiation traps) must validate too. Runtime assertions are not
/// checked here.
struct SpecValidationRunner {
    /// The spec suite, read in place.
    static let specDirectory = "/work/shared/spec/core"

    /// Features whose modules Kiln does not validate fully yet: such a module is a named skip.
    static let skippedFeatures: Set<WasmFeature> = [
        .simd, .gc, .functionReferences, .exceptionHandling, .threads, .memory64, .multiMemory,
    ]

    /// Directives WasmParser cannot decode, by place, with the reason: named skips.
    /// (None today: non-minimal 0xFC/0xFD sub-opcodes, binary-leb128.wast:964, are
    /// handled by `PrefixedOpcodeCanonicalizer`.)
    static let parserLimitations: [String: String] = [:]

    struct Report: CustomStringConvertible {
        var file: String
        var passed = 0
        var failures: [String] = []
        /// Named skips: the line and the feature or reason.
        var skips: [String] = []
        /// Directives WAT itself could not parse (invalid/malformed text it already rejects).
        var rejectedByWAT: [String] = []
        var messageChecks = 0
        var messageMatches = 0
        var messageMismatches: [String] = []

        var description: String {
            "\(file): \(passed) passed, \(failures.count) failed, \(skips.count) skipped, "
                + "\(rejectedByWAT.count) rejected by WAT, messages \(messageMatches)/\(messageChecks) exact"
        }
    }

    enum Expectation { case valid, invalid(String), malformed(String) }

    static func run(file: String) throws -> Report {
        let path = "\(specDirectory)/\(file).wast"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var report = Report(file: file)
        var wast = try parseWAST(text, features: .all)
        while let (result, location) = wast.nextDirectiveResult() {
            let line = location.computeLineAndColumn().line
            let place = "\(file).wast:\(line)"
            switch result {
            case .failure(let error):
                let source = line - 1 < lines.count ? lines[line - 1].trimmingCharacters(in: .whitespaces) : ""
                if source.hasPrefix("(assert_invalid") || source.hasPrefix("(assert_malformed") {
                    report.rejectedByWAT.append("\(place): \(error.error)")
                } else {
                    report.skips.append("\(place): WAT cannot parse this directive: \(error.error)")
                }
            case .success(let directive):
                switch directive {
                case .module(let module):
                    check(module.source, .valid, at: place, into: &report)
                case .assertInvalid(let module, let message):
                    check(module.source, .invalid(message), at: place, into: &report)
                case .assertMalformed(let module, let message):
                    check(module.source, .malformed(message), at: place, into: &report)
                case .assertUnlinkable(let wat, _), .assertTrap(.wat(let wat), _):
                    // Linking or instantiation fails, but the module itself is valid.
                    check(.text(wat), .valid, at: place, into: &report)
                default:
                    break
                }
            }
        }
        return report
    }

    /// The binary of a directive's module, or `nil` (with the reason) when the text
    /// format already rejects it.
    static func binary(of source: ModuleSource) -> (bytes: [UInt8]?, textError: String?) {
        switch source {
        case .binary(let bytes): return (bytes, nil)
        case .text(let wat):
            do { return (try wat.encode(), nil) } catch { return (nil, "\(error)") }
        case .quote(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else { return (nil, "malformed UTF-8 encoding") }
            do { return (try assemble(text: text), nil) } catch { return (nil, "\(error)") }
        }
    }

    static func check(_ source: ModuleSource, _ expectation: Expectation, at place: String, into report: inout Report) {
        if let reason = parserLimitations[place] {
            report.skips.append("\(place): \(reason)")
            return
        }
        let (bytes, textError) = binary(of: source)
        guard let bytes else {
            switch expectation {
            case .valid: report.failures.append("\(place): expected a valid module, the text did not assemble: \(textError ?? "")")
            case .invalid, .malformed: report.rejectedByWAT.append("\(place): \(textError ?? "")")
            }
            return
        }
        let outcome: Result<WasmModule, ModuleError>
        do { outcome = .success(try decodeModule(bytes)) } catch { outcome = .failure(error) }

        switch (expectation, outcome) {
        case (.valid, .success(let m)):
            if let feature = skipFeature(m) {
                report.skips.append("\(place): needs \(feature.rawValue)")
            } else {
                report.passed += 1
            }
        case (.valid, .failure(let e)):
            report.failures.append("\(place): expected a valid module, got \(kindName(e.kind)) \"\(e)\"")
        case (.invalid(let message), .failure(let e)), (.malformed(let message), .failure(let e)):
            let wanted: ModuleError.Kind
            if case .invalid = expectation { wanted = .invalid } else { wanted = .malformed }
            if !isBinary(source), wanted == .invalid, e.kind == .malformed,
                e.message.hasPrefix("integer")
            {
                // The text names a value its binary encoding cannot hold (e.g. a 32-bit
                // limit of 2^32): the binary WAT writes is malformed, not invalid.
                report.skips.append("\(place): not representable in the binary format (\(e))")
                return
            }
            guard e.kind == wanted else {
                report.failures.append(
                    "\(place): expected \(kindName(wanted)) \"\(message)\", got \(kindName(e.kind)) \"\(e)\"")
                return
            }
            report.passed += 1
            report.messageChecks += 1
            if e.matches(specMessage: message) {
                report.messageMatches += 1
            } else {
                report.messageMismatches.append("\(place): expected \"\(message)\", got \"\(e)\"")
            }
        case (.invalid(let message), .success(let m)), (.malformed(let message), .success(let m)):
            if let feature = skipFeature(m) {
                report.skips.append("\(place): needs \(feature.rawValue) (expected rejection \"\(message)\")")
            } else {
                report.failures.append("\(place): expected rejection \"\(message)\", but the module validated")
            }
        }
    }

    static func isBinary(_ source: ModuleSource) -> Bool {
        if case .binary = source { return true }
        return false
    }

    static func skipFeature(_ module: WasmModule) -> WasmFeature? {
        module.unvalidatedFeatures.union(module.usedFeatures.intersection(skippedFeatures)).sorted().first
    }

    static func kindName(_ kind: ModuleError.Kind) -> String { kind == .invalid ? "invalid" : "malformed" }
}

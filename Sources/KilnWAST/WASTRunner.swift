import KilnABI
import KilnCompiler
import KilnFrontend
import KilnRuntime
import WAT

/// Runs `.wast` spec scripts against Kiln: each module is validated, compiled to an
/// artifact, loaded and instantiated through the public runtime API, exactly as a user's
/// host would (in this process, or in an artifact host process for another ISA). Used by
/// `kiln wast` and by the spec tests.
public struct WASTRunner {
    public var options: CompileOptions
    /// Print each failure as it happens (the CLI does; tests collect them).
    public var echo: Bool
    /// Where the compiled modules run: nil in this process (artifacts for this machine's
    /// ISA), or in an artifact host process started per script (artifacts for another
    /// ISA: `ArtifactHost.command(for: .aarch64)` runs them under qemu).
    public var artifactHost: ArtifactHost?

    public init(options: CompileOptions = CompileOptions(), echo: Bool = false, artifactHost: ArtifactHost? = nil) {
        self.options = options
        self.echo = echo
        self.artifactHost = artifactHost
    }

    /// Runs one script file and reports its assertions.
    public func run(path: String) -> WASTReport {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let text = readTextFile(path) else {
            var r = WASTReport()
            r.failed = 1
            r.failures = ["\(name): cannot read file"]
            if echo { print("FAIL \(name): cannot read file") }
            return r
        }
        return run(script: text, fileName: name)
    }

    /// Runs a script given as text; `fileName` prefixes every reported line.
    public func run(script: String, fileName: String) -> WASTReport {
        guard let artifactHost else {
            var session = ScriptSession(fileName: fileName, options: options, echo: echo, executor: InProcessExecutor())
            session.run(script)
            return session.report
        }
        let executor = ArtifactHostExecutor(host: artifactHost)
        defer { executor.finish() }
        var session = ScriptSession(fileName: fileName, options: options, echo: echo, executor: executor)
        session.run(script)
        return session.report
    }
}

/// The state of one script run: the modules and instances it defined and registered.
struct ScriptSession<Executor: ScriptExecutor> {
    let fileName: String
    let options: CompileOptions
    let echo: Bool
    var report = WASTReport()
    let executor: Executor
    /// Names registered from modules that were skipped (with the reason) or failed (nil),
    /// keyed by UTF-8 bytes: importing from them cannot succeed.
    var missingRegistrations: [[UInt8]: String?] = [:]
    /// The current module: an instance, or why it is missing (skipped or failed).
    var current: InstanceSlot = .missing(reason: nil)
    var named: [String: InstanceSlot] = [:]
    var definitions: [String: LoadedModule] = [:]
    var lastDefinition: LoadedModule?

    enum InstanceSlot {
        case live(Executor.LiveInstance)
        /// `reason` is the skip reason (a feature), or nil when the module failed.
        case missing(reason: String?)
    }

    /// A compiled and loaded module, or why there is none.
    enum LoadedModule {
        /// With the module names its imports come from.
        case loaded(Executor.LoadedModule, importModules: [String])
        case skipped(String)
        case failed
    }

    init(fileName: String, options: CompileOptions, echo: Bool, executor: Executor) {
        self.fileName = fileName
        self.options = options
        self.echo = echo
        self.executor = executor
    }

    /// Why a module importing from `importModules` cannot be linked: it imports from a
    /// module the script registered but Kiln skipped (that module's skip reason), if any.
    func skipReason(_ importModules: [String]) -> String? {
        for m in importModules {
            if let entry = missingRegistrations[Array(m.utf8)], let reason = entry {
                return "imports from \"\(m)\", which was skipped (\(reason))"
            }
        }
        return nil
    }

    mutating func run(_ text: String) {
        var wast: WAST
        do {
            wast = try parseWAST(prepareText(text), features: .all)
        } catch {
            fail(line: 0, "cannot parse script: \(error)")
            return
        }
        while let (result, location) = wast.nextDirectiveResult() {
            let line = location.computeLineAndColumn().line
            switch result {
            case .success(let directive): execute(directive, line: line)
            case .failure(let error):
                fail(line: line, "cannot parse directive: \(error.error)")
                if let m = error.module, !m.isDefinition {
                    let slot = InstanceSlot.missing(reason: nil)
                    current = slot
                    if let id = m.id { named[id] = slot }
                }
            }
        }
    }

    // MARK: Reporting

    mutating func pass() { report.passed += 1 }

    mutating func fail(line: Int, _ message: String) {
        report.failed += 1
        let entry = "\(fileName):\(line): \(message)"
        report.failures.append(entry)
        if echo { print("FAIL \(entry)") }
    }

    mutating func skip(line: Int, _ reason: String, countsAsModule: Bool = true) {
        report.skipped += 1
        if countsAsModule {
            let entry = "skipped: \(fileName):\(line) (\(reason))"
            report.skips.append(entry)
            if echo { print(entry) }
        }
    }

    mutating func messageMismatch(line: Int, expected: String, got: String) {
        report.messageMismatches.append("\(fileName):\(line): expected \"\(expected)\", got \"\(got)\"")
    }

    // MARK: Directives

    mutating func execute(_ directive: WASTDirective, line: Int) {
        switch directive {
        case .module(let m):
            let loaded = load(m, line: line)
            if m.isDefinition {
                if let id = m.id { definitions[id] = loaded }
                lastDefinition = loaded
                if case .loaded = loaded { pass() }
                return
            }
            let slot = instantiate(loaded, line: line)
            current = slot
            if let id = m.id { named[id] = slot }
        case .moduleInstance(let instanceName, let moduleName):
            guard let loaded = moduleName.flatMap({ definitions[$0] }) ?? lastDefinition else {
                fail(line: line, "module instance: unknown module definition \(moduleName ?? "(last)")")
                return
            }
            let slot = instantiate(loaded, line: line)
            current = slot
            if let instanceName { named[instanceName] = slot }
        case .register(let name, let id):
            let slot = id.map { named[$0] ?? .missing(reason: nil) } ?? current
            switch slot {
            case .live(let instance):
                executor.register(instance, as: name)
                missingRegistrations[Array(name.utf8)] = nil
            case .missing(let reason):
                executor.register(nil, as: name)
                missingRegistrations[Array(name.utf8)] = .some(reason)
            }
        case .invoke(let invoke):
            _ = perform(invoke, line: line, expectTrap: false)
        case .assertReturn(let execute, let results):
            assertReturn(execute, results, line: line)
        case .assertTrap(let execute, let message):
            assertTrap(execute, message: message, line: line)
        case .assertExhaustion(let call, let message):
            assertTrap(.invoke(call), message: message, line: line)
        case .assertInvalid(let m, let message):
            assertRejected(m, expected: .invalid, message: message, line: line)
        case .assertMalformed(let m, let message):
            assertRejected(m, expected: .malformed, message: message, line: line)
        case .assertUnlinkable(let wat, let message):
            assertUnlinkable(wat, message: message, line: line)
        case .assertException:
            skip(line: line, "exception handling")
        case .assertFuel, .assertOutOfFuel:
            skip(line: line, "fuel metering")
        }
    }

    /// Module bytes from any of the script's module forms.
    func binary(of m: ModuleDirective) throws -> [UInt8] {
        switch m.source {
        case .text(let wat): return try wat.encode()
        case .binary(let bytes): return bytes
        case .quote(let bytes): return try assemble(text: String(decoding: bytes, as: UTF8.self))
        }
    }

    mutating func load(_ m: ModuleDirective, line: Int) -> LoadedModule {
        let bytes: [UInt8]
        do {
            bytes = try binary(of: m)
        } catch {
            fail(line: line, "module does not assemble: \(error)")
            return .failed
        }
        return load(bytes: bytes, line: line)
    }

    mutating func load(bytes: [UInt8], line: Int) -> LoadedModule {
        let module: WasmModule
        do {
            module = try decodeModule(bytes)
        } catch {
            fail(line: line, "module rejected: \(error)")
            return .failed
        }
        let missing = Compiler.missingFeatures(of: module)
        if !missing.isEmpty {
            let reason = missing.map(\.rawValue).joined(separator: ", ")
            skip(line: line, reason)
            return .skipped(reason)
        }
        do {
            let artifact = try Compiler.compile(module: module, options: options)
            return .loaded(try executor.load(artifact), importModules: artifact.module.imports.map(\.module))
        } catch {
            fail(line: line, "module does not compile or load: \(error)")
            return .failed
        }
    }

    mutating func instantiate(_ loaded: LoadedModule, line: Int) -> InstanceSlot {
        switch loaded {
        case .skipped(let reason): return .missing(reason: reason)
        case .failed: return .missing(reason: nil)
        case .loaded(let module, let importModules):
            if let reason = skipReason(importModules) {
                skip(line: line, reason)
                return .missing(reason: reason)
            }
            do {
                let instance = try executor.instantiate(module)
                pass()
                return .live(instance)
            } catch {
                fail(line: line, "instantiation failed: \(error)")
                return .missing(reason: nil)
            }
        }
    }

    enum Outcome {
        case values([Value])
        case trapped(RuntimeError)
        /// Not run: skipped (reason given) or failed already (nil).
        case notRun(String?)
    }

    mutating func target(_ name: String?) -> InstanceSlot {
        guard let name else { return current }
        return named[name] ?? .missing(reason: nil)
    }

    mutating func perform(_ invoke: WASTInvoke, line: Int, expectTrap: Bool) -> Outcome {
        guard case .live(let instance) = target(invoke.module) else {
            if case .missing(let reason?) = target(invoke.module) { return .notRun(reason) }
            return .notRun(nil)
        }
        var args: [Value] = []
        for a in invoke.args {
            guard let v = Expectations.value(a) else { return .notRun("argument \(a) needs SIMD or GC") }
            args.append(v)
        }
        do {
            return .values(try executor.call(instance, invoke.name, args))
        } catch {
            return .trapped(error)
        }
    }

    mutating func perform(_ execute: WASTExecute, line: Int) -> Outcome {
        switch execute {
        case .invoke(let invoke):
            return perform(invoke, line: line, expectTrap: false)
        case .get(let module, let name):
            guard case .live(let instance) = target(module) else {
                if case .missing(let reason?) = target(module) { return .notRun(reason) }
                return .notRun(nil)
            }
            do {
                return .values([try executor.globalValue(instance, name)])
            } catch {
                return .trapped(error)
            }
        case .wat(let wat):
            let bytes: [UInt8]
            do {
                bytes = try wat.encode()
            } catch {
                return .notRun(nil)
            }
            switch load(bytes: bytes, line: line) {
            case .skipped(let reason): return .notRun(reason)
            case .failed: return .notRun(nil)
            case .loaded(let module, let importModules):
                if let reason = skipReason(importModules) { return .notRun(reason) }
                do {
                    _ = try executor.instantiate(module)
                    return .values([])
                } catch {
                    return .trapped(error)
                }
            }
        }
    }

    mutating func assertReturn(_ execute: WASTExecute, _ expected: [WASTExpectValue], line: Int) {
        if let feature = expected.lazy.compactMap(Expectations.unsupportedFeature).first {
            skip(line: line, feature, countsAsModule: false)
            return
        }
        switch perform(execute, line: line) {
        case .notRun(let reason):
            if let reason { skip(line: line, reason, countsAsModule: false) } else { fail(line: line, "assert_return: module not available") }
        case .trapped(let error):
            fail(line: line, "assert_return \(describe(execute)): unexpected \(error)")
        case .values(let values):
            if values.count == expected.count && zip(values, expected).allSatisfy({ Expectations.matches($0, $1) }) {
                pass()
            } else {
                fail(
                    line: line,
                    "assert_return \(describe(execute)): expected [\(expected.map(Expectations.describe).joined(separator: ", "))], got [\(values.map(Expectations.describe).joined(separator: ", "))]"
                )
            }
        }
    }

    mutating func assertTrap(_ execute: WASTExecute, message: String, line: Int) {
        switch perform(execute, line: line) {
        case .notRun(let reason):
            if let reason { skip(line: line, reason, countsAsModule: false) } else { fail(line: line, "assert_trap: module not available") }
        case .values(let values):
            fail(line: line, "assert_trap \(describe(execute)): expected trap \"\(message)\", got [\(values.map(Expectations.describe).joined(separator: ", "))]")
        case .trapped(let error):
            guard case .trap(let trap) = error else {
                fail(line: line, "assert_trap \(describe(execute)): expected trap \"\(message)\", got \(error)")
                return
            }
            if Expectations.messageMatches(trap.kind.message, message) {
                pass()
            } else {
                fail(line: line, "assert_trap \(describe(execute)): expected \"\(message)\", got \"\(trap.kind.message)\"")
            }
        }
    }

    mutating func assertRejected(_ m: ModuleDirective, expected: ModuleError.Kind, message: String, line: Int) {
        let bytes: [UInt8]
        do {
            bytes = try binary(of: m)
        } catch {
            // A quoted module that does not assemble is malformed. A text module that
            // parsed but does not encode failed WAT's own index resolution (an unknown
            // local, global, function or type), which the spec calls invalid.
            if case .text = m.source {
                pass()
                messageMismatch(line: line, expected: message, got: "text does not encode: \(error)")
            } else if expected == .malformed {
                pass()
            } else {
                fail(line: line, "assert_invalid: text does not assemble: \(error)")
            }
            return
        }
        do {
            let module = try decodeModule(bytes)
            let missing = Compiler.missingFeatures(of: module)
            if !missing.isEmpty {
                skip(line: line, missing.map(\.rawValue).joined(separator: ", "))
            } else {
                fail(line: line, "expected \(expected == .invalid ? "invalid" : "malformed") module (\"\(message)\"), but it was accepted")
            }
        } catch {
            if error.kind == expected {
                pass()
                if !error.message.hasPrefix(message) { messageMismatch(line: line, expected: message, got: error.message) }
            } else {
                fail(line: line, "expected \(expected == .invalid ? "invalid" : "malformed") (\"\(message)\"), got \(error.kind): \(error)")
            }
        }
    }

    mutating func assertUnlinkable(_ wat: Wat, message: String, line: Int) {
        let wat = wat
        let bytes: [UInt8]
        do {
            bytes = try wat.encode()
        } catch {
            fail(line: line, "assert_unlinkable: module does not assemble: \(error)")
            return
        }
        switch load(bytes: bytes, line: line) {
        case .skipped, .failed: return
        case .loaded(let module, let importModules):
            if let reason = skipReason(importModules) {
                skip(line: line, reason)
                return
            }
            do {
                _ = try executor.instantiate(module)
                fail(line: line, "assert_unlinkable: expected \"\(message)\", but instantiation succeeded")
            } catch {
                if case .link(let m, _, _) = error {
                    pass()
                    if !Expectations.messageMatches(m, message) { messageMismatch(line: line, expected: message, got: m) }
                } else {
                    fail(line: line, "assert_unlinkable: expected \"\(message)\", got \(error)")
                }
            }
        }
    }

    func describe(_ e: WASTExecute) -> String {
        switch e {
        case .invoke(let i): return "invoke \"\(i.name)\""
        case .get(_, let name): return "get \"\(name)\""
        case .wat: return "module"
        }
    }
}

// WASI preview1 for Kiln: WasmKit's `WASIBridgeToHost` supplies the implementation (file
// system sandbox, clocks, random, stdio); this file turns its functions into Kiln host
// functions, checks every guest pointer before they run, and runs commands and reactors.
import KilnABI
import KilnRuntime
import WASI
import WasmTypes

/// One guest's WASI preview1 state: the arguments and environment it sees, the
/// descriptors it has open (preopened directories, files it opened) and the host
/// functions of `wasi_snapshot_preview1` that use them. Close it after the last call
/// into the guest (`deinit` closes it too, so a forgotten close leaks no descriptor).
public final class WASISession {
    /// What the guest was given.
    public let configuration: WASIConfiguration
    private let bridge: WASIBridgeToHost
    private var isClosed = false

    /// The import module name of WASI preview1.
    public static let moduleName = "wasi_snapshot_preview1"

    /// Opens the preopened directories. Throws ``WASISetupError`` when one cannot be opened.
    public init(configuration: WASIConfiguration) throws(WASISetupError) {
        self.configuration = configuration
        do {
            bridge = try WASIBridgeToHost(
                args: configuration.arguments, environment: configuration.environment,
                preopens: configuration.preopens.map { .init(guestPath: $0.guestPath, hostPath: $0.hostPath) },
                stdin: configuration.stdin, stdout: configuration.stdout, stderr: configuration.stderr,
                wallClock: configuration.wallClock, monotonicClock: configuration.monotonicClock,
                randomGenerator: configuration.random)
        } catch {
            let paths = configuration.preopens.map(\.hostPath).joined(separator: ", ")
            throw WASISetupError(message: "cannot open the preopened directories (\(paths)): \(error)")
        }
    }

    deinit { try? close() }

    /// Closes every descriptor the guest holds (its preopened directories and the files it
    /// opened), except the borrowed stdio. Call it after the last call into the guest.
    public func close() throws {
        guard !isClosed else { return }
        isClosed = true
        try bridge.close()
    }

    /// Defines every `wasi_snapshot_preview1` function in `imports` (those WasmKit leaves
    /// unimplemented return `ENOSYS`; docs/wasi.md lists them).
    public func define(in imports: inout Imports) {
        let configuration = self.configuration
        for (name, function) in bridge.hostFunctions(capabilities: WASICapability<LinearMemoryView>.all) {
            let regions = preview1Regions[name]
            let results = function.type.results.map(ValueKind.init)
            let faultResult: [KilnRuntime.Value]? = results == [.i32] ? [.i32(UInt32(Errno.fault))] : nil
            let host = HostFunction(
                name: "\(Self.moduleName).\(name)", parameters: function.type.parameters.map(ValueKind.init),
                results: results
            ) { caller, args in
                let memory = caller.memory
                if let faultResult, let regions,
                    !regions.allSatisfy({ $0.isInBounds(args, memory: memory, configuration: configuration) })
                {
                    return faultResult
                }
                let view = LinearMemoryView(memory: memory)
                let values = try function.implementation(view, try args.map(WasmTypes.Value.init))
                if view.faults.faulted, let faultResult { return faultResult }
                return values.map(KilnRuntime.Value.init)
            }
            imports.define(module: Self.moduleName, name: name, host)
        }
    }

    /// Runs a WASI command (https://github.com/WebAssembly/WASI/blob/main/legacy/application-abi.md):
    /// calls its `_start` and returns its exit code, 0 when `_start` returns and the code
    /// `proc_exit` gave otherwise. A trap is thrown.
    public static func runCommand(_ instance: Instance) throws(RuntimeError) -> UInt32 {
        guard let start = instance.function(named: "_start") else {
            throw RuntimeError.usage("the module exports no _start function: it is not a WASI command")
        }
        return try exitCode { () throws(RuntimeError) in _ = try start.call([]) } ?? 0
    }

    /// Prepares a WASI reactor for calls: runs its `_initialize`, if it exports one.
    public static func initializeReactor(_ instance: Instance) throws(RuntimeError) {
        if let initialize = instance.function(named: "_initialize") { _ = try initialize.call([]) }
    }

    /// Runs `body`, which calls into a WASI guest: nil when it returns, the exit code when
    /// the guest called `proc_exit`; any other error is rethrown.
    public static func exitCode(_ body: () throws(RuntimeError) -> Void) throws(RuntimeError) -> UInt32? {
        do {
            try body()
            return nil
        } catch {
            if let code = exitCode(of: error) { return code }
            throw error
        }
    }

    /// The code the guest passed to `proc_exit`, if `error` is how that reached the host
    /// (also through host functions that called into wasm and rethrew).
    public static func exitCode(of error: any Error) -> UInt32? {
        var current: any Error = error
        while true {
            if let exit = current as? WASIExitCode { return exit.code }
            guard case RuntimeError.trap(let trap)? = current as? RuntimeError, let inner = trap.hostError else {
                return nil
            }
            current = inner
        }
    }
}

extension Imports {
    /// Adds WASI preview1 for `configuration`: every `wasi_snapshot_preview1` function.
    /// Keep the returned session and close it after the last call into the guest.
    public mutating func defineWASI(_ configuration: WASIConfiguration) throws(WASISetupError) -> WASISession {
        let session = try WASISession(configuration: configuration)
        session.define(in: &self)
        return session
    }
}

/// WASI could not be set up for a guest (a preopened directory cannot be opened).
public struct WASISetupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Preview1 errno values Kiln itself returns (witx `errno`).
enum Errno {
    /// `EFAULT`: a guest pointer outside linear memory.
    static let fault: UInt16 = 21
}

extension ValueKind {
    init(_ type: WasmTypes.ValueType) {
        switch type {
        case .i32: self = .i32
        case .i64: self = .i64
        case .f32: self = .f32
        case .f64: self = .f64
        case .v128: self = .v128
        case .ref: self = .externref  // preview1 has no reference parameters
        }
    }
}

extension WasmTypes.Value {
    /// A Kiln argument as WasmKit's WASI takes it (preview1 passes only numbers).
    init(_ value: KilnRuntime.Value) throws(RuntimeError) {
        switch value {
        case .i32(let v): self = .i32(v)
        case .i64(let v): self = .i64(v)
        case .f32(let v): self = .f32(v)
        case .f64(let v): self = .f64(v)
        case .funcref, .externref: throw RuntimeError.usage("WASI preview1 takes no reference arguments")
        }
    }
}

extension KilnRuntime.Value {
    init(_ value: WasmTypes.Value) {
        switch value {
        case .i32(let v): self = .i32(v)
        case .i64(let v): self = .i64(v)
        case .f32(let v): self = .f32(v)
        case .f64(let v): self = .f64(v)
        case .v128, .ref: self = .i32(0)  // never: preview1 results are i32
        }
    }
}

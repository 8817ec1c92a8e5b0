// What a WASI guest is given: its arguments, environment, preopened directories, stdio,
// clocks and random source. Plain values, so a host or the CLI builds one without
// touching WasmKit's types (the clocks and the random source excepted).
import WASI

/// Everything a WASI preview1 guest may see of the host. Nothing else is reachable: files
/// only under ``preopens``, no other environment variables than ``environment``.
public struct WASIConfiguration {
    /// `argv`; by convention the first is the program's name.
    public var arguments: [String]
    /// The environment (`environ_get`), in no particular order.
    public var environment: [String: String]
    /// Host directories the guest may use, each under a guest path; the guest gets
    /// descriptors 3, 4, ... for them, in this order.
    public var preopens: [PreopenDirectory]
    /// The host descriptors that serve as the guest's 0, 1 and 2. They are borrowed:
    /// never closed by WASI.
    public var stdin: Int32
    public var stdout: Int32
    public var stderr: Int32
    /// `clock_time_get(REALTIME)`.
    public var wallClock: any WallClock
    /// `clock_time_get(MONOTONIC)`.
    public var monotonicClock: any MonotonicClock
    /// `random_get`.
    public var random: any RandomBufferGenerator

    public init(
        arguments: [String] = [], environment: [String: String] = [:], preopens: [PreopenDirectory] = [],
        stdin: Int32 = 0, stdout: Int32 = 1, stderr: Int32 = 2,
        wallClock: any WallClock = SystemWallClock(), monotonicClock: any MonotonicClock = SystemMonotonicClock(),
        random: any RandomBufferGenerator = SystemRandomNumberGenerator()
    ) {
        self.arguments = arguments
        self.environment = environment
        self.preopens = preopens
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.wallClock = wallClock
        self.monotonicClock = monotonicClock
        self.random = random
    }

    /// The bytes `args_get` writes: one pointer per argument and the NUL-terminated strings.
    var argumentsSize: (count: UInt64, bytes: UInt64) {
        (UInt64(arguments.count), arguments.reduce(0) { $0 + UInt64($1.utf8.count + 1) })
    }

    /// The bytes `environ_get` writes: one pointer per variable and `NAME=VALUE\0` each.
    var environmentSize: (count: UInt64, bytes: UInt64) {
        (UInt64(environment.count), environment.reduce(0) { $0 + UInt64($1.key.utf8.count + $1.value.utf8.count + 2) })
    }
}

/// A host directory a WASI guest may use, and the path the guest knows it by (`wasmtime
/// run --dir HOST::GUEST`).
public struct PreopenDirectory: Equatable {
    public var hostPath: String
    public var guestPath: String

    public init(hostPath: String, guestPath: String) {
        self.hostPath = hostPath
        self.guestPath = guestPath
    }

    /// Reads `HOST` (the guest sees it under the same path) or `HOST::GUEST`, as
    /// `wasmtime run --dir` does; nil for an empty host or guest path.
    public init?(parsing text: String) {
        var host = Substring(text)
        var guest = host
        var i = text.startIndex
        while i < text.endIndex, text[i...].hasPrefix("::") == false { i = text.index(after: i) }
        if i < text.endIndex {
            host = text[..<i]
            guest = text[text.index(i, offsetBy: 2)...]
        }
        guard !host.isEmpty, !guest.isEmpty else { return nil }
        self.init(hostPath: String(host), guestPath: String(guest))
    }
}

#if canImport(Glibc)
    import Glibc
#endif
import KilnABI
import KilnCompiler
import KilnRuntime

/// How to start an artifact host: the runtime core built with Embedded Swift behind a line
/// protocol (Sources/KilnArtifactHost, `Wire`), for running artifacts whose ISA this
/// process cannot run itself: AArch64 under `qemu-aarch64` (BRIEF.md, "Testing").
public struct ArtifactHost: Sendable {
    /// The program and its arguments, e.g. `qemu-aarch64 -L /usr/aarch64-linux-gnu HOST`.
    public var command: [String]
    /// How long one request may take before the host is killed and the request fails.
    public var timeoutSeconds: Int

    public init(command: [String], timeoutSeconds: Int = 120) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }

    /// The package this file belongs to (the build script and `.build/` live there).
    static let packageRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Sources/KilnWAST/ArtifactHost.swift
        return parts.joined(separator: "/")
    }()

    /// Builds (or reuses, when up to date) the artifact host for `target` with
    /// scripts/build-artifact-host.sh, the one recipe `make artifact-host` and the tests
    /// use, and says how to run it here: under qemu when `target` is not this machine's ISA.
    /// `KILN_ARTIFACT_HOST_<ARCH>` (e.g. `KILN_ARTIFACT_HOST_AARCH64`) names a prebuilt host
    /// instead, for a `kiln` installed away from its sources.
    public static func command(for target: TargetISA) -> Result<ArtifactHost, ArtifactHostError> {
        let path: String
        if let prebuilt = getenv("KILN_ARTIFACT_HOST_" + target.name.uppercased()) {
            path = String(cString: prebuilt)
        } else {
            let script = packageRoot + "/scripts/build-artifact-host.sh"
            let built = runToCompletion(["/bin/sh", script, target.name])
            guard built.status == 0 else {
                let kind: ArtifactHostError.Kind = built.status == 2 ? .toolsMissing : .buildFailed
                return .failure(
                    ArtifactHostError(kind: kind, message: "cannot build the \(target.name) artifact host: \(built.output)"))
            }
            path = built.output.split(separator: "\n").last.map(String.init) ?? ""
        }
        if target == .host { return .success(ArtifactHost(command: [path])) }
        switch target {
        case .aarch64: return .success(ArtifactHost(command: ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", path]))
        case .x86_64: return .success(ArtifactHost(command: ["qemu-x86_64", path]))
        }
    }
}

extension ArtifactHost {
    /// Loads the artifact `bytes` in a fresh host, instantiates it (imports from
    /// `spectest` only) and calls `export` with `arguments`: `kiln run --target aarch64
    /// --invoke`.
    public func invoke(artifact bytes: [UInt8], export: String, arguments: [Value]) throws(RuntimeError) -> [Value] {
        let executor = ArtifactHostExecutor(host: self)
        defer { executor.finish() }
        let module: ArtifactHostExecutor.Handle
        do {
            module = try executor.load(bytes: bytes)
        } catch {
            throw RuntimeError.resource(error.message)
        }
        let instance = try executor.instantiate(module)
        return try executor.call(instance, export, arguments)
    }
}

/// Why the artifact host could not be built or started.
public struct ArtifactHostError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case toolsMissing, buildFailed }
    public var kind: Kind
    public var message: String
    public var description: String { message }
}

/// Runs `argv` (searched in PATH) to completion; its exit status and its standard output
/// and error together.
func runToCompletion(_ argv: [String]) -> (status: Int32, output: String) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return (-1, "pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    guard let pid = spawn(argv, &actions) else {
        close(fds[0])
        close(fds[1])
        return (-1, "cannot start \(argv[0])")
    }
    close(fds[1])
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fds[0], &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        output += chunk[0..<n]
    }
    close(fds[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exited = status & 0x7f == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: output, as: UTF8.self))
}

/// `posix_spawnp(argv[0], argv)` with this process's environment; the child's pid.
func spawn(_ argv: [String], _ actions: inout posix_spawn_file_actions_t) -> pid_t? {
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
    cArgs.append(nil)
    defer { for p in cArgs { free(p) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else { return nil }
    return pid
}

/// One running artifact host: requests on a socket (so writing to a host that died
/// fails with EPIPE instead of raising SIGPIPE here), replies on a pipe, standard error
/// in a file read back when the host dies.
final class ArtifactHostProcess {
    let pid: pid_t
    let requests: Int32
    let replies: Int32
    let stderrPath: String
    let timeoutSeconds: Int
    var buffer: [UInt8] = []
    /// Why the host is gone, once it is.
    var failure: String?

    enum Reply {
        case ok([ArraySlice<UInt8>])
        case error([ArraySlice<UInt8>])
        /// The host died, timed out or answered nonsense: the message says which.
        case hostFailed(String)
    }

    init?(_ host: ArtifactHost, stderrPath: String) {
        var socket: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &socket) == 0 else {
            return nil
        }
        guard pipe(&output) == 0 else {
            Glibc.close(socket[0])
            Glibc.close(socket[1])
            return nil
        }
        _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(output[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, socket[1], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let pid = spawn(host.command, &actions)
        Glibc.close(socket[1])
        Glibc.close(output[1])
        guard let pid else {
            Glibc.close(socket[0])
            Glibc.close(output[0])
            return nil
        }
        self.pid = pid
        requests = socket[0]
        replies = output[0]
        self.stderrPath = stderrPath
        timeoutSeconds = host.timeoutSeconds
    }

    /// Sends one request line and waits for its reply line.
    func request(_ line: String) -> Reply {
        if let failure { return .hostFailed(failure) }
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(requests, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .hostFailed(died()) }
            offset += n
        }
        guard let reply = readLine() else { return .hostFailed(failure ?? died()) }
        let words = reply.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        switch words.first.map({ String(decoding: $0, as: UTF8.self) }) {
        case "ok": return .ok(Array(words.dropFirst()))
        case "error": return .error(Array(words.dropFirst()))
        default: return .hostFailed("the artifact host answered \"\(String(decoding: reply.prefix(200), as: UTF8.self))\"")
        }
    }

    func readLine() -> ArraySlice<UInt8>? {
        var start = 0
        while true {
            if let nl = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[0..<nl]
                buffer.removeFirst(nl + 1)
                return line
            }
            start = buffer.count
            var fd = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fd, 1, Int32(timeoutSeconds * 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 {
                kill(pid, SIGKILL)
                _ = died()
                failure = "the artifact host did not answer within \(timeoutSeconds) s (killed)"
                return nil
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(replies, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                _ = died()
                return nil
            }
            buffer += chunk[0..<n]
        }
    }

    /// Reaps the host after it stopped answering and records why, with the end of its
    /// standard error.
    func died() -> String {
        if let failure { return failure }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        var message =
            status & 0x7f == 0
            ? "the artifact host exited with status \((status >> 8) & 0xff)"
            : "the artifact host was killed by signal \(status & 0x7f)"
        if let text = readTextFile(stderrPath), !text.isEmpty {
            message += ": " + String(text.suffix(600)).split(separator: "\n").joined(separator: " | ")
        }
        failure = message
        return message
    }

    /// Asks the host to exit and reaps it (killing it when it does not go).
    func finish() {
        if failure == nil {
            _ = "quit\n".withCString { send(requests, $0, 5, Int32(MSG_NOSIGNAL)) }
            Glibc.close(requests)
            var fd = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            if poll(&fd, 1, 5000) == 0 { kill(pid, SIGKILL) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            failure = "closed"
        } else {
            Glibc.close(requests)
        }
        Glibc.close(replies)
        unlink(stderrPath)
    }
}

/// Runs a script's modules in an artifact host process. Artifacts go through files in a
/// private temporary directory. When the host dies (a crash, a timeout), what is pending
/// fails with the reason and the next module starts a fresh host; instances of the dead
/// one are gone.
final class ArtifactHostExecutor: ScriptExecutor {
    let host: ArtifactHost
    let directory: String
    var process: ArtifactHostProcess?
    var generation = 0
    var nextID = 0
    let drops = DropList()

    /// A module or instance in the host, released there when the session drops it.
    final class Handle {
        let id: Int
        let generation: Int
        let isInstance: Bool
        let drops: DropList
        init(id: Int, generation: Int, isInstance: Bool, drops: DropList) {
            self.id = id
            self.generation = generation
            self.isInstance = isInstance
            self.drops = drops
        }
        deinit { drops.add(self) }
    }

    final class DropList {
        var modules: [(Int, Int)] = []
        var instances: [(Int, Int)] = []
        func add(_ h: Handle) {
            if h.isInstance { instances.append((h.id, h.generation)) } else { modules.append((h.id, h.generation)) }
        }
    }

    init(host: ArtifactHost) {
        self.host = host
        var template = Array("/tmp/kiln-artifact-host-XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) } ?? "/tmp"
    }

    /// The live host process, started when there is none.
    func live() -> ArtifactHostProcess? {
        if let process, process.failure == nil { return process }
        if let process { process.finish() }
        generation += 1
        process = ArtifactHostProcess(host, stderrPath: directory + "/stderr-\(generation)")
        return process
    }

    /// Sends `line` to the host `handle` lives in (or any live one), first releasing what
    /// was dropped.
    func request(_ line: String, on handle: Handle? = nil) -> ArtifactHostProcess.Reply {
        if let handle, handle.generation != generation || process?.failure != nil {
            return .hostFailed(process?.failure ?? "the artifact host that held this module is gone")
        }
        guard let process = live() else { return .hostFailed("cannot start \(host.command.joined(separator: " "))") }
        let modules = drops.modules.filter { $0.1 == generation }.map { Wire.hexNumber(UInt64($0.0)) }
        let instances = drops.instances.filter { $0.1 == generation }.map { Wire.hexNumber(UInt64($0.0)) }
        drops.modules = []
        drops.instances = []
        if !instances.isEmpty { _ = process.request("drop instances " + instances.joined(separator: " ")) }
        if !modules.isEmpty { _ = process.request("drop modules " + modules.joined(separator: " ")) }
        return process.request(line)
    }

    func newHandle(isInstance: Bool) -> Handle {
        nextID += 1
        return Handle(id: nextID, generation: generation, isInstance: isInstance, drops: drops)
    }

    func load(_ artifact: Artifact) throws(LoadError) -> Handle { try load(bytes: artifact.bytes) }

    func load(bytes: [UInt8]) throws(LoadError) -> Handle {
        _ = live()
        let handle = newHandle(isInstance: false)
        let path = directory + "/module-\(handle.id).so"
        guard writeFile(path, bytes) else {
            throw LoadError(kind: .io, message: "cannot write \(path)")
        }
        defer { unlink(path) }
        switch request("load \(Wire.hexNumber(UInt64(handle.id))) \(Wire.hex(path))", on: handle) {
        case .ok: return handle
        case .error(let words):
            let message = words.count == 2 ? Wire.text(words[1]) : nil
            throw LoadError(kind: .corrupt, message: message ?? "the artifact host answered \"error malformed\"")
        case .hostFailed(let why): throw LoadError(kind: .io, message: why)
        }
    }

    func instantiate(_ module: Handle) throws(RuntimeError) -> Handle {
        let handle = Handle(id: nextID + 1, generation: module.generation, isInstance: true, drops: drops)
        nextID += 1
        try expect(request("instantiate \(Wire.hexNumber(UInt64(handle.id))) \(Wire.hexNumber(UInt64(module.id)))", on: module))
        return handle
    }

    func register(_ instance: Handle?, as name: String) {
        let target = instance.map { Wire.hexNumber(UInt64($0.id)) } ?? "-"
        if let instance, instance.generation != generation { return }
        _ = request("register \(Wire.hex(name)) \(target)")
    }

    func call(_ instance: Handle, _ name: String, _ args: [Value]) throws(RuntimeError) -> [Value] {
        var line = "invoke \(Wire.hexNumber(UInt64(instance.id))) \(Wire.hex(name))"
        for a in args { line += " " + Wire.encode(a) }
        return try expect(request(line, on: instance))
    }

    func globalValue(_ instance: Handle, _ name: String) throws(RuntimeError) -> Value {
        let values = try expect(request("get \(Wire.hexNumber(UInt64(instance.id))) \(Wire.hex(name))", on: instance))
        guard values.count == 1 else { throw RuntimeError.resource("the artifact host answered \(values.count) values for a global") }
        return values[0]
    }

    /// The values of an `ok` reply, or the error of the others.
    @discardableResult
    func expect(_ reply: ArtifactHostProcess.Reply) throws(RuntimeError) -> [Value] {
        switch reply {
        case .ok(let words):
            var values: [Value] = []
            for w in words {
                guard let v = Wire.value(w) else {
                    throw RuntimeError.resource("the artifact host answered a malformed value \(String(decoding: w, as: UTF8.self))")
                }
                values.append(v)
            }
            return values
        case .error(let words):
            throw Wire.runtimeError(words) ?? .resource("the artifact host reported a malformed error")
        case .hostFailed(let why):
            throw RuntimeError.resource(why)
        }
    }

    func finish() {
        process?.finish()
        process = nil
        rmdir(directory)
    }
}

/// Writes `bytes` to a new file at `path`.
func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    guard let f = fopen(path, "wb") else { return false }
    defer { fclose(f) }
    return bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) } == bytes.count
}

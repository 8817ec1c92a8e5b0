// Child processes for crash and hang isolation: spawn this executable with arguments,
// read its standard output line by line with a timeout, collect how it ended.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A running child process whose standard output is a pipe and whose standard error goes
/// to a file (read after the child ends, for the crash message).
public final class ChildProcess {
    public let pid: pid_t
    private let output: Int32
    private var buffer: [UInt8] = []
    public let stderrPath: String
    private var exitStatus: Int32?

    /// How a child ended.
    public enum Ending: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// Starts `executable` with `arguments` (the corresponding C function is `posix_spawn`).
    public init(executable: String, arguments: [String]) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
        stderrPath = NSTemporaryDirectory() + "kiln-fuzz-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        // Crashes are expected; the Swift runtime's backtracer would spend a second on each.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }
        var child: pid_t = 0
        let r = posix_spawn(&child, executable, &actions, nil, argv, envp)
        close(fds[1])
        guard r == 0 else {
            close(fds[0])
            throw POSIXError(POSIXErrorCode(rawValue: r) ?? .EINVAL)
        }
        pid = child
        output = fds[0]
    }

    deinit {
        close(output)
        unlink(stderrPath)
    }

    /// The next line of output, or nil at end of output; `.timeout` after `seconds` of silence.
    public enum Read: Equatable {
        case line(String)
        case end
        case timeout
    }

    public func readLine(timeout seconds: Double) -> Read {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return .line(line)
            }
            var p = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(seconds * 1000))
            if ready == 0 { return .timeout }
            if ready < 0 {
                if errno == EINTR { continue }
                return .end
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(output, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .end }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// Kills the child (SIGKILL).
    public func kill() { _ = Glibc.kill(pid, SIGKILL) }

    /// Waits for the child to end (the corresponding C function is `waitpid`).
    public func wait() -> Ending {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    /// The crash message the child printed (Swift's "Precondition failed"/"Fatal error"
    /// line), if any.
    public func crashMessage() -> String? {
        guard let text = try? String(contentsOfFile: stderrPath, encoding: .utf8) else { return nil }
        let markers = ["Precondition failed", "Fatal error", "Assertion failed", "Unexpectedly found nil", "Index out of range"]
        return text.split(separator: "\n").first { line in markers.contains { line.contains($0) } }.map(String.init)
    }

    /// Runs a child to completion with a time limit: how it ended (nil: killed at the
    /// limit), its crash message, and its standard output.
    public static func run(executable: String, arguments: [String], timeout: Double) -> (ending: Ending?, message: String?, output: String) {
        guard let child = try? ChildProcess(executable: executable, arguments: arguments) else {
            return (nil, "cannot start \(executable)", "")
        }
        var output = ""
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 {
                child.kill()
                _ = child.wait()
                return (nil, "timeout after \(timeout) s", output)
            }
            switch child.readLine(timeout: left) {
            case .line(let line): output += line + "\n"
            case .end:
                let ending = child.wait()
                return (ending, child.crashMessage(), output)
            case .timeout: continue
            }
        }
    }

    /// This executable's path.
    public static var selfPath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

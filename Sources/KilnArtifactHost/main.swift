// The artifact host: the runtime core built with Embedded Swift (for AArch64 under qemu, or
// natively for x86-64) behind a line protocol on stdin/stdout, so a process on another ISA
// can load, instantiate and call Kiln artifacts (issue 10; docs/runtime.md, "AArch64").
// Built by scripts/build-artifact-host.sh, not by SwiftPM. The parent is KilnWAST's
// `ArtifactHostProcess`; the protocol is described in `Protocol.swift`.
import CKilnRuntime
import KilnABI
import KilnRuntime

@main struct ArtifactHost {
    static func main() {
        var session = HostSession()
        var input = LineReader()
        while let line = input.next() {
            let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            guard let command = words.first else { continue }
            let reply = session.execute(String(decoding: command, as: UTF8.self), Array(words.dropFirst()))
            guard let reply else { return }
            send(reply)
        }
    }
}

/// The modules and instances the parent created, by the numbers it chose, and the names
/// it registered instances under.
struct HostSession {
    let engine = Engine()
    let store: Store
    var modules: [Int: Module] = [:]
    var instances: [Int: Instance] = [:]
    var registered: [[UInt8]: Instance] = [:]
    let spectest: [[UInt8]: Extern]

    init() {
        store = Store(engine: engine)
        spectest = Spectest.exports()
    }

    /// Runs one command; the reply line, or nil to exit.
    mutating func execute(_ command: String, _ args: [ArraySlice<UInt8>]) -> String? {
        switch command {
        case "load":  // load MODULE PATH-HEX
            guard args.count == 2, let id = Wire.int(args[0]), let path = Wire.text(args[1]) else { return Wire.malformed }
            do throws(LoadError) {
                let module = try Module(contentsOf: path, engine: engine)
                modules[id] = module
                return "ok"
            } catch {
                return "error load " + Wire.hex(error.message)
            }
        case "instantiate":  // instantiate INSTANCE MODULE
            guard args.count == 2, let id = Wire.int(args[0]), let m = Wire.int(args[1]), let module = modules[m] else {
                return Wire.malformed
            }
            var imports = Imports()
            for i in module.imports {
                let extern: Extern? =
                    i.module == "spectest"
                    ? spectest[Array(i.name.utf8)] : registered[Array(i.module.utf8)]?.export(named: i.name)
                if let extern { imports.define(module: i.module, name: i.name, extern) }
            }
            do throws(RuntimeError) {
                instances[id] = try Instance(module: module, store: store, imports: imports)
                return "ok"
            } catch {
                return Wire.error(error)
            }
        case "register":  // register NAME-HEX INSTANCE|-
            guard args.count == 2, let name = Wire.bytes(args[0]) else { return Wire.malformed }
            registered[name] = Wire.int(args[1]).flatMap { instances[$0] }
            return "ok"
        case "invoke":  // invoke INSTANCE NAME-HEX VALUE...
            guard args.count >= 2, let id = Wire.int(args[0]), let instance = instances[id], let name = Wire.text(args[1])
            else { return Wire.malformed }
            var values: [Value] = []
            for a in args.dropFirst(2) {
                guard let v = Wire.value(a) else { return Wire.malformed }
                values.append(v)
            }
            do throws(RuntimeError) {
                let results = try instance.call(name, values)
                var reply = "ok"
                for r in results { reply += " " + Wire.encode(r) }
                return reply
            } catch {
                return Wire.error(error)
            }
        case "get":  // get INSTANCE NAME-HEX
            guard args.count == 2, let id = Wire.int(args[0]), let instance = instances[id], let name = Wire.text(args[1])
            else { return Wire.malformed }
            guard case .global(let g)? = instance.export(named: name) else {
                return Wire.error(.usage("no exported global named \"\(name)\""))
            }
            return "ok " + Wire.encode(g.value)
        case "drop":  // drop modules|instances ID...
            guard args.count >= 1 else { return Wire.malformed }
            let kind = String(decoding: args[0], as: UTF8.self)
            for a in args.dropFirst() {
                guard let id = Wire.int(a) else { return Wire.malformed }
                if kind == "modules" { modules[id] = nil } else { instances[id] = nil }
            }
            return "ok"
        case "quit":
            return nil
        default:
            return Wire.malformed
        }
    }
}

/// The `spectest` module of the spec scripts (as KilnWAST's `SpectestModule`): print
/// functions that do nothing, globals of 666, a table of 10..20 funcrefs, a memory of 1..2
/// pages.
enum Spectest {
    static func exports() -> [[UInt8]: Extern] {
        var e: [[UInt8]: Extern] = [:]
        func printer(_ name: String, _ params: [ValueKind]) {
            e[Array(name.utf8)] = .function(
                Function(
                    HostFunction(name: "spectest.print", parameters: params, results: []) {
                        (_: Caller, _: [Value]) throws(Trap) -> [Value] in []
                    }))
        }
        printer("print", [])
        printer("print_i32", [.i32])
        printer("print_i64", [.i64])
        printer("print_f32", [.f32])
        printer("print_f64", [.f64])
        printer("print_i32_f32", [.i32, .f32])
        printer("print_f64_f64", [.f64, .f64])
        func global(_ name: String, _ kind: ValueKind, _ value: Value) {
            do throws(RuntimeError) {
                e[Array(name.utf8)] = .global(try Global(type: GlobalTypeEntry(kind: kind, isMutable: false), value: value))
            } catch {}
        }
        global("global_i32", .i32, .i32(666))
        global("global_i64", .i64, .i64(666))
        global("global_f32", .f32, .f32(0x4426_a666))  // 666.6
        global("global_f64", .f64, .f64(0x4084_d4cc_cccc_cccd))  // 666.6
        do throws(RuntimeError) {
            e[Array("table".utf8)] = .table(try Table(element: .funcref, minimum: 10, maximum: 20))
            e[Array("memory".utf8)] = .memory(try Memory(minimumPages: 1, maximumPages: 2))
        } catch {}
        return e
    }
}

/// Reads lines from standard input (fd 0) without stdio's buffering.
struct LineReader {
    var buffer: [UInt8] = []
    var start = 0

    mutating func next() -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<nl]
                start = nl + 1
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && kiln_errno() == EINTR { continue }
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }
}

/// Writes `line` and a newline to standard output (fd 1), unbuffered.
func send(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(UInt8(ascii: "\n"))
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if n < 0 && kiln_errno() == EINTR { continue }
        if n <= 0 { exit(1) }
        offset += n
    }
}

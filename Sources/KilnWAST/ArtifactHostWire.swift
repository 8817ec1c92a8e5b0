// The artifact host's line protocol, one source for both ends: compiled into KilnWAST (the
// parent) and, by scripts/build-artifact-host.sh, into the Embedded Swift artifact host
// (the child). Keep it in the Embedded subset: no Foundation, no existentials.
//
// Requests (one line each; the child answers every request with one line but `quit`):
//   load MODULE PATH              load the artifact at PATH as module MODULE
//   instantiate INSTANCE MODULE   imports from `spectest` and the registered instances
//   register NAME INSTANCE|-      register (or forget, `-`) an instance for later imports
//   invoke INSTANCE NAME VALUE... call an export
//   get INSTANCE NAME             read an exported global
//   drop modules|instances ID...  release what the parent no longer refers to
//   quit
// Replies: `ok VALUE...`, or `error KIND ...` with the fields of a `RuntimeError`
// (`trap CODE FUNCTION DETAIL`, `link MESSAGE MODULE NAME`, `usage MESSAGE`,
// `resource MESSAGE`), `error load MESSAGE` or `error malformed`.
// Names, paths and messages are hex-encoded UTF-8 with an `x` prefix (`-` for none), so
// any bytes survive; values are `i32:HEX`, `i64:HEX`, `f32:HEX`, `f64:HEX` (bit patterns,
// so NaN payloads survive), `funcref:null|HEX`, `externref:null|HEX`.
import KilnABI
import KilnRuntime

enum Wire {
    static let malformed = "error malformed"

    static func hex(_ text: String) -> String { hex(bytes: Array(text.utf8)) }

    static func hex(bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "x")]
        out.reserveCapacity(1 + bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func optionalHex(_ text: String?) -> String { text.map { hex($0) } ?? "-" }

    static func bytes<S: Collection>(_ word: S) -> [UInt8]? where S.Element == UInt8 {
        guard word.first == UInt8(ascii: "x"), word.count % 2 == 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(word.count / 2)
        var high: UInt8? = nil
        for c in word.dropFirst() {
            guard let d = digit(c) else { return nil }
            if let h = high {
                out.append(h << 4 | d)
                high = nil
            } else {
                high = d
            }
        }
        return out
    }

    static func text<S: Collection>(_ word: S) -> String? where S.Element == UInt8 {
        bytes(word).map { String(decoding: $0, as: UTF8.self) }
    }

    static func optionalText<S: Collection>(_ word: S) -> String?? where S.Element == UInt8 {
        if word.count == 1 && word.first == UInt8(ascii: "-") { return .some(nil) }
        return text(word).map { .some($0) }
    }

    static func digit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    static func number<S: Collection>(_ word: S) -> UInt64? where S.Element == UInt8 {
        guard !word.isEmpty, word.count <= 16 else { return nil }
        var v: UInt64 = 0
        for c in word {
            guard let d = digit(c) else { return nil }
            v = v << 4 | UInt64(d)
        }
        return v
    }

    static func int<S: Collection>(_ word: S) -> Int? where S.Element == UInt8 {
        number(word).flatMap { $0 <= UInt64(Int.max) ? Int($0) : nil }
    }

    static func hexNumber(_ v: UInt64) -> String { String(v, radix: 16) }

    static func encode(_ v: Value) -> String {
        switch v {
        case .i32(let x): return "i32:" + hexNumber(UInt64(x))
        case .i64(let x): return "i64:" + hexNumber(x)
        case .f32(let x): return "f32:" + hexNumber(UInt64(x))
        case .f64(let x): return "f64:" + hexNumber(x)
        case .funcref(let r): return "funcref:" + (r.map { hexNumber(UInt64($0.address)) } ?? "null")
        case .externref(let r): return "externref:" + (r.map(hexNumber) ?? "null")
        }
    }

    static func value<S: Collection>(_ word: S) -> Value? where S.Element == UInt8 {
        guard let colon = word.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let kind = String(decoding: word[word.startIndex..<colon], as: UTF8.self)
        let payload = word[word.index(after: colon)...]
        let isNull = String(decoding: payload, as: UTF8.self) == "null"
        switch kind {
        case "funcref":
            if isNull { return .funcref(nil) }
            return number(payload).map { .funcref(FuncRef(address: UInt($0))) }
        case "externref":
            if isNull { return .externref(nil) }
            return number(payload).map { .externref($0) }
        default: break
        }
        guard let bits = number(payload) else { return nil }
        switch kind {
        case "i32": return bits <= UInt64(UInt32.max) ? .i32(UInt32(bits)) : nil
        case "i64": return .i64(bits)
        case "f32": return bits <= UInt64(UInt32.max) ? .f32(UInt32(bits)) : nil
        case "f64": return .f64(bits)
        default: return nil
        }
    }

    static func error(_ e: RuntimeError) -> String {
        switch e {
        case .trap(let t):
            return "error trap \(hexNumber(UInt64(t.kind.rawValue))) \(optionalHex(t.function)) \(optionalHex(t.detail))"
        case .link(let message, let module, let name): return "error link \(hex(message)) \(hex(module)) \(hex(name))"
        case .usage(let message): return "error usage " + hex(message)
        case .resource(let message): return "error resource " + hex(message)
        }
    }

    /// The `RuntimeError` an `error …` reply's words (after `error`) describe.
    static func runtimeError(_ words: [ArraySlice<UInt8>]) -> RuntimeError? {
        guard let kind = words.first.map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
        switch (kind, words.count) {
        case ("trap", 4):
            guard let code = number(words[1]), code <= 255, let trapKind = TrapKind(rawValue: UInt8(code)),
                let function = optionalText(words[2]), let detail = optionalText(words[3])
            else { return nil }
            return .trap(Trap(kind: trapKind, function: function, detail: detail))
        case ("link", 4):
            guard let m = text(words[1]), let module = text(words[2]), let name = text(words[3]) else { return nil }
            return .link(message: m, module: module, name: name)
        case ("usage", 2): return text(words[1]).map { .usage($0) }
        case ("resource", 2): return text(words[1]).map { .resource($0) }
        default: return nil
        }
    }
}

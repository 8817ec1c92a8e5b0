/// WebAssembly text split into tokens once, for every pre-pass that looks at it.
struct WATText {
    let string: String
    let bytes: [UInt8]
    let tokens: [WATToken]

    init(_ string: String) {
        self.string = string
        bytes = Array(string.utf8)
        var lexer = WATLexer(bytes: bytes)
        tokens = lexer.tokens()
    }
}

/// One token of WebAssembly text, for the frontend's text pre-passes
/// (``TypeUseParameterNames``, ``ImportTypeUseCheck``): a parenthesis, a string or
/// another atom, as a byte range of the UTF-8 text.
struct WATToken {
    enum Kind { case open, close, atom, string }
    var kind: Kind
    var range: Range<Int>

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes[range], as: UTF8.self) }
    func isAtom(_ s: String, in bytes: [UInt8]) -> Bool { kind == .atom && text(bytes) == s }

    /// The index of the `)` that closes the list opened at `open` (or the last token if
    /// the text ends first: the parser reports that).
    static func closing(_ tokens: [WATToken], _ open: Int) -> Int {
        var depth = 0
        for j in open..<tokens.count {
            switch tokens[j].kind {
            case .open: depth += 1
            case .close:
                depth -= 1
                if depth == 0 { return j }
            default: continue
            }
        }
        return tokens.count - 1
    }

    /// The direct children of the list opened at `open`: the index of each atom or
    /// string, and of the `(` of each nested list.
    static func children(_ tokens: [WATToken], _ open: Int) -> [Int] {
        let end = closing(tokens, open)
        var out: [Int] = []
        var j = open + 1
        while j < end {
            out.append(j)
            j = tokens[j].kind == .open ? closing(tokens, j) + 1 : j + 1
        }
        return out
    }
}

/// Splits WAT into parentheses, strings and other atoms, skipping white space and
/// comments (`;; ...` and nested `(; ... ;)`).
struct WATLexer {
    let bytes: [UInt8]
    var i = 0

    mutating func tokens() -> [WATToken] {
        var out: [WATToken] = []
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                i += 1
            case UInt8(ascii: ";") where next == UInt8(ascii: ";"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "(") where next == UInt8(ascii: ";"):
                skipBlockComment()
            case UInt8(ascii: "("):
                out.append(WATToken(kind: .open, range: i..<i + 1))
                i += 1
            case UInt8(ascii: ")"):
                out.append(WATToken(kind: .close, range: i..<i + 1))
                i += 1
            case UInt8(ascii: "\""):
                let start = i
                i += 1
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
                }
                i = min(i + 1, bytes.count)
                out.append(WATToken(kind: .string, range: start..<i))
            default:
                let start = i
                while i < bytes.count, !Self.endsAtom(bytes[i]) { i += 1 }
                if i == start { i += 1 }
                out.append(WATToken(kind: .atom, range: start..<i))
            }
        }
        return out
    }

    private var next: UInt8? { i + 1 < bytes.count ? bytes[i + 1] : nil }

    private mutating func skipBlockComment() {
        var depth = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "("), next == UInt8(ascii: ";") {
                depth += 1
                i += 2
            } else if bytes[i] == UInt8(ascii: ";"), next == UInt8(ascii: ")") {
                depth -= 1
                i += 2
                if depth == 0 { return }
            } else {
                i += 1
            }
        }
    }

    private static func endsAtom(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: ";"):
            return true
        default:
            return false
        }
    }
}

/// Works around a WAT parser gap in WasmKit 0.4.2: a function that has both a type use
/// and named inline parameters, `(func $f (type $t) (param $x i32) ... (local.get $x))`,
/// fails with "Unknown ResolvedLocalDecl" because the parser binds the type definition's
/// (absent) parameter names instead of the inline ones. The text is valid
/// (<https://webassembly.github.io/spec/core/text/modules.html#type-uses>) and common
/// tools print it.
///
/// Before the text reaches the parser, this rewrites such functions (definitions and
/// imports) so they mean the same without the names: each named inline parameter loses
/// its name, and every `local.get`/`local.set`/`local.tee` of that name in the function
/// uses the parameter's index instead. The type use and the inline types stay, so the
/// parser still checks that they agree. Everything else is copied byte for byte, line
/// breaks included, so the parser's line numbers stay right.
enum TypeUseParameterNames {
    static func rewrite(_ text: WATText) -> String {
        let (bytes, tokens) = (text.bytes, text.tokens)
        var edits: [(range: Range<Int>, replacement: String)] = []
        var i = 0
        while i < tokens.count {
            if tokens[i].kind == .open, i + 1 < tokens.count, tokens[i + 1].isAtom("func", in: bytes) {
                edits += functionEdits(tokens, openAt: i, bytes: bytes)
            }
            i += 1
        }
        guard !edits.isEmpty else { return text.string }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var at = 0
        for edit in edits.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            out += bytes[at..<edit.range.lowerBound]
            out += Array(edit.replacement.utf8)
            at = edit.range.upperBound
        }
        out += bytes[at...]
        return String(decoding: out, as: UTF8.self)
    }

    /// The edits for the `(func ...)` list opened at token `open`, if it has a type use
    /// and named parameters; none otherwise.
    private static func functionEdits(_ tokens: [WATToken], openAt open: Int, bytes: [UInt8]) -> [(Range<Int>, String)] {
        let end = WATToken.closing(tokens, open)
        var sawTypeUse = false
        var names: [String: Int] = [:]
        var nameTokens: [Int] = []
        var parameterCount = 0
        var i = open + 2
        // The function's own fields come first: an id, inline exports/imports, the type
        // use, params, results; the first other child ends them.
        fields: while i < end {
            let t = tokens[i]
            if t.kind == .atom, i == open + 2, t.text(bytes).first == "$" {
                i += 1
                continue
            }
            guard t.kind == .open, i + 1 < end else { break fields }
            let head = tokens[i + 1].text(bytes)
            let close = WATToken.closing(tokens, i)
            switch head {
            case "export", "import", "result": break
            case "type": sawTypeUse = true
            case "param":
                var j = i + 2
                if j < close, tokens[j].kind == .atom, tokens[j].text(bytes).first == "$" {
                    names[tokens[j].text(bytes)] = parameterCount
                    nameTokens.append(j)
                    parameterCount += 1
                } else {
                    while j < close {
                        parameterCount += 1
                        j = tokens[j].kind == .open ? WATToken.closing(tokens, j) + 1 : j + 1
                    }
                }
            default: break fields
            }
            i = close + 1
        }
        guard sawTypeUse, !names.isEmpty else { return [] }
        var edits = nameTokens.map { (tokens[$0].range, "") }
        // The body: local.get/set/tee of a parameter name, folded or flat.
        // (A list cut short by the end of the text closes at the last token: `i` may be past it.)
        for j in min(i, end)..<end where tokens[j].kind == .atom && j + 1 < end && tokens[j + 1].kind == .atom {
            switch tokens[j].text(bytes) {
            case "local.get", "local.set", "local.tee":
                if let index = names[tokens[j + 1].text(bytes)] { edits.append((tokens[j + 1].range, String(index))) }
            default: continue
            }
        }
        return edits
    }
}

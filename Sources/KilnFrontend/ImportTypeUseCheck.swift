/// Fills a gap in WasmKit 0.4.2's WAT parser: it checks a function definition's type use
/// against the definition's inline params and results, but ignores an imported
/// function's inline types when a type use is present, so
/// `(import "m" "f" (func (type $t) (param i64)))` with `$t` taking an i32 assembles.
/// The spec calls that text malformed ("inline function type",
/// <https://webassembly.github.io/spec/core/text/modules.html#type-uses>). This finds
/// such imports in a module's text.
///
/// Only value types written as one keyword (`i32` ... `externref`) are compared; a type
/// written as a list (`(ref null $t)`) or a type definition that is not a plain `func`
/// ends the check for that import without a verdict.
enum ImportTypeUseCheck {
    static func error(in text: WATText) -> ModuleError? {
        let (bytes, tokens) = (text.bytes, text.tokens)
        var modules = tokens.indices.filter { tokens[$0].kind == .open && $0 + 1 < tokens.count && tokens[$0 + 1].isAtom("module", in: bytes) }
        if modules.isEmpty { modules = [-1] }  // a module's fields without `(module ...)`
        for open in modules {
            let fields = open < 0 ? topLevelLists(tokens) : WATToken.children(tokens, open).filter { tokens[$0].kind == .open }
            if let error = check(fields: fields, tokens: tokens, bytes: bytes) { return error }
        }
        return nil
    }

    private struct FunctionTypeText: Equatable {
        var parameters: [String] = []
        var results: [String] = []
    }

    private static func topLevelLists(_ tokens: [WATToken]) -> [Int] {
        var out: [Int] = []
        var j = 0
        while j < tokens.count {
            if tokens[j].kind == .open { out.append(j) }
            j = tokens[j].kind == .open ? WATToken.closing(tokens, j) + 1 : j + 1
        }
        return out
    }

    private static func check(fields: [Int], tokens: [WATToken], bytes: [UInt8]) -> ModuleError? {
        func head(_ list: Int) -> String { list + 1 < tokens.count ? tokens[list + 1].text(bytes) : "" }
        func lists(_ list: Int) -> [Int] { WATToken.children(tokens, list).filter { tokens[$0].kind == .open } }

        // The type index space: every type definition, those in `rec` groups included.
        var types: [FunctionTypeText?] = []
        var typeNames: [String: Int] = [:]
        for field in fields {
            let definitions = head(field) == "rec" ? lists(field).filter { head($0) == "type" } : head(field) == "type" ? [field] : []
            for definition in definitions {
                let children = WATToken.children(tokens, definition).dropFirst()
                if let id = children.first, tokens[id].kind == .atom { typeNames[tokens[id].text(bytes)] = types.count }
                let body = children.first { tokens[$0].kind == .open }
                types.append(body.flatMap { head($0) == "func" ? inlineType(lists($0), tokens, bytes) : nil })
            }
        }

        var imported: [Int] = []
        for field in fields {
            if head(field) == "import" { imported += lists(field).filter { head($0) == "func" } }
            if head(field) == "func", lists(field).contains(where: { head($0) == "import" }) { imported.append(field) }
        }
        for function in imported {
            let children = lists(function)
            guard let use = children.first(where: { head($0) == "type" }), use + 2 < tokens.count,
                tokens[use + 2].kind == .atom
            else { continue }
            let reference = tokens[use + 2].text(bytes)
            guard let index = reference.hasPrefix("$") ? typeNames[reference] : Int(reference), index < types.count,
                let declared = types[index],
                children.contains(where: { head($0) == "param" || head($0) == "result" }),
                let inline = inlineType(children, tokens, bytes), inline != declared
            else { continue }
            let (line, column) = lineAndColumn(of: tokens[use].range.lowerBound, in: bytes)
            return .malformed(
                "inline function type",
                detail: "the type use and the inline params and results differ at line \(line), column \(column)")
        }
        return nil
    }

    /// The params and results among `lists`, nil if a type is not a one-keyword type.
    private static func inlineType(_ lists: [Int], _ tokens: [WATToken], _ bytes: [UInt8]) -> FunctionTypeText? {
        var type = FunctionTypeText()
        for list in lists where list + 1 < tokens.count {
            let kind = tokens[list + 1].text(bytes)
            guard kind == "param" || kind == "result" else { continue }
            var items = Array(WATToken.children(tokens, list).dropFirst())
            if kind == "param", let first = items.first, tokens[first].text(bytes).hasPrefix("$") { items.removeFirst() }
            for item in items {
                guard tokens[item].kind == .atom else { return nil }
                let name = tokens[item].text(bytes)
                guard ["i32", "i64", "f32", "f64", "v128", "funcref", "externref"].contains(name) else { return nil }
                if kind == "param" { type.parameters.append(name) } else { type.results.append(name) }
            }
        }
        return type
    }

    /// Line (1-based) and column (1-based) of a byte offset.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }
}
